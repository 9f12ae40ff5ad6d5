package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.util.Objects;

/**
 * The newest heartbeat of one instance and when the coordinator received it: what the coordinator
 * keeps outside the log (store metadata) for every beat that is not appended.
 */
public record LatestHeartbeat(Heartbeat heartbeat, long receivedAtMillis) {

  public LatestHeartbeat {
    Objects.requireNonNull(heartbeat, "heartbeat");
  }

  /** Whether {@code other} is a later beat of the same instance than this one. */
  boolean isOlderThan(Heartbeat other) {
    if (other.startedAt() != heartbeat.startedAt()) {
      return other.startedAt() > heartbeat.startedAt();
    }
    return other.sentAt() > heartbeat.sentAt();
  }

  /**
   * Whether this beat claims a time after {@code limitMillis} (the receiver's clock plus the skew
   * it allows): a beat kept from before the receiver bounded beats by its clock, which must not
   * hide the real beats that follow.
   */
  boolean isAheadOf(long limitMillis) {
    return heartbeat.sentAt() > limitMillis || heartbeat.startedAt() > limitMillis;
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.set("heartbeat", heartbeat.toBody());
    node.put("received_at", receivedAtMillis);
    return node;
  }

  public static LatestHeartbeat fromJson(ObjectNode node) {
    if (!(node.get("heartbeat") instanceof ObjectNode heartbeat)) {
      throw new InvalidRecordException(
          "heartbeat: expected an object but found " + BodyFields.describe(node.get("heartbeat")));
    }
    return new LatestHeartbeat(
        Heartbeat.fromBody(heartbeat), BodyFields.nonNegativeLong(node, "received_at"));
  }
}
