package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The body of {@code LEARN fanout_cancel} on a child's thread: the coordinator asks the worker to
 * stop one attempt (queued or running) because the join no longer needs it.
 *
 * @param reason why, e.g. {@link FanoutRecords#CANCEL_JOIN_SATISFIED}
 */
public record ChildCancel(String namespace, String fanout, int index, int attempt, String reason) {

  public ChildCancel {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(reason, "reason");
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CANCEL, namespace, fanout);
    body.put("index", index);
    body.put("attempt", attempt);
    body.put("reason", reason);
    return body;
  }

  public static ChildCancel fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CANCEL);
    return new ChildCancel(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.integer("index", 0),
        reader.integer("attempt", 1),
        reader.text("reason"));
  }
}
