package dev.spl.core.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.BodyFields;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Objects;

/**
 * The fleet-wide stop: the body of a {@code LEARN emergency_stop} record ({@code active=true} stops
 * everything, {@code false} releases it).
 */
public record EmergencyStop(boolean active, String reason, String issuedBy, long issuedAt) {

  public static final String TOPIC = "emergency_stop";

  /** The state before any emergency stop was ever issued. */
  public static final EmergencyStop NEVER_ISSUED = new EmergencyStop(false, "", "", -1);

  public EmergencyStop {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(issuedBy, "issuedBy");
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("active", active);
    body.put("reason", reason);
    body.put("issued_by", issuedBy);
    body.put("issued_at", issuedAt);
    return body;
  }

  public Record toRecord(String actor, long clock) {
    return new Record(ThreadIds.FLEET_CONTROL, actor, Act.LEARN, toBody(), clock, List.of());
  }

  static final List<String> KEYS = List.of("topic", "active", "reason", "issued_by", "issued_at");

  /** Reads an emergency stop body: every key known, {@code active} required. */
  public static EmergencyStop fromBody(ObjectNode body) {
    BodyFields.requireOnlyKeys(body, KEYS, "an emergency_stop record");
    return new EmergencyStop(
        BodyFields.bool(body, "active"),
        BodyFields.optionalText(body, "reason", ""),
        BodyFields.optionalText(body, "issued_by", ""),
        BodyFields.nonNegativeLong(body, "issued_at", -1));
  }

  public ObjectNode toJson() {
    ObjectNode node = toBody();
    node.remove("topic");
    return node;
  }
}
