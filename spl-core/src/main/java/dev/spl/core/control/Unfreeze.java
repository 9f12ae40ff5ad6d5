package dev.spl.core.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.BodyFields;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Objects;

/** Lifts the freeze of a namespace: the body of a {@code LEARN unfreeze} record. */
public record Unfreeze(String namespace, String issuedBy, long issuedAt) {

  public static final String TOPIC = "unfreeze";

  public Unfreeze {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(issuedBy, "issuedBy");
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("namespace", namespace);
    body.put("issued_by", issuedBy);
    body.put("issued_at", issuedAt);
    return body;
  }

  public Record toRecord(String actor, long clock) {
    return new Record(ThreadIds.FLEET_CONTROL, actor, Act.LEARN, toBody(), clock, List.of());
  }

  static final List<String> KEYS = List.of("topic", "namespace", "issued_by", "issued_at");

  /** Reads an unfreeze body: every key known, {@code namespace} as a request would take it. */
  public static Unfreeze fromBody(ObjectNode body) {
    BodyFields.requireOnlyKeys(body, KEYS, "an unfreeze record");
    return new Unfreeze(
        ControlRequests.namespaceOf(body),
        BodyFields.optionalText(body, "issued_by", ""),
        BodyFields.nonNegativeLong(body, "issued_at", -1));
  }
}
