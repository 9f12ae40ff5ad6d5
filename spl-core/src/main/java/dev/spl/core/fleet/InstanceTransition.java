package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Objects;

/** An instance changed status: the body of a {@code LEARN instance_transition} record. */
public record InstanceTransition(
    String did, String alias, InstanceStatus from, InstanceStatus to, Health health, long at) {

  public static final String TOPIC = "instance_transition";

  public InstanceTransition {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(health, "health");
    if (!Actors.isInstance(did)) {
      throw new InvalidRecordException(
          "body.did: expected did:sync:instance:<16 hex> but found '" + did + "'");
    }
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("did", did);
    body.put("alias", alias);
    body.put("from", from.wire());
    body.put("to", to.wire());
    body.put("health", health.wire());
    body.put("at", at);
    return body;
  }

  /** The transition as written by the coordinator ({@code actor}) on the registry thread. */
  public Record toRecord(String actor, long clock) {
    return new Record(ThreadIds.INSTANCE_REGISTRY, actor, Act.LEARN, toBody(), clock, List.of());
  }

  /** Reads a transition body; {@code alias} may be missing. */
  public static InstanceTransition fromBody(ObjectNode body) {
    String topic = BodyFields.optionalText(body, "topic", null);
    if (!TOPIC.equals(topic)) {
      throw new InvalidRecordException(
          "body.topic: expected 'instance_transition' but found "
              + BodyFields.describe(body.get("topic")));
    }
    return new InstanceTransition(
        BodyFields.text(body, "did"),
        BodyFields.optionalText(body, "alias", ""),
        InstanceStatus.parse("body.from", BodyFields.text(body, "from")),
        InstanceStatus.parse("body.to", BodyFields.text(body, "to")),
        Health.parse("body.health", BodyFields.text(body, "health")),
        BodyFields.nonNegativeLong(body, "at"));
  }
}
