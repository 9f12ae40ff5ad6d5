package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * The body of {@code LEARN fanout_cancel_sent} on the parent's thread: the coordinator stopped the
 * children it lists, sending a {@link ChildCancel} to the worker of each that was spawned.
 *
 * @param reason {@link FanoutRecords#CANCEL_JOIN_SATISFIED} or {@link
 *     FanoutRecords#CANCEL_JOIN_IMPOSSIBLE}
 */
public record CancelSent(String namespace, String fanout, List<Integer> indices, String reason)
    implements FanoutEvent {

  public CancelSent {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(reason, "reason");
    indices = List.copyOf(indices);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CANCEL_SENT, namespace, fanout);
    ArrayNode array = body.putArray("indices");
    indices.forEach(array::add);
    body.put("reason", reason);
    return body;
  }

  public static CancelSent fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CANCEL_SENT);
    return new CancelSent(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.integers("indices", 0),
        reader.text("reason"));
  }
}
