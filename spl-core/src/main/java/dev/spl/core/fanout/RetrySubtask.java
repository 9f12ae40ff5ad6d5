package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The body of {@code LEARN fanout_retry_subtask} on the parent's thread: run a subtask again as a
 * new attempt. Written by {@code spl task retry} ({@link FanoutRecords#REASON_MANUAL}) or by the
 * coordinator when the child's worker was lost ({@link FanoutRecords#REASON_WORKER_LOST}).
 *
 * @param attempt the attempt being replaced, so applying the same request twice, or after another
 *     retry, changes nothing
 * @param hint guidance passed to the new attempt, or null
 */
public record RetrySubtask(
    String namespace, String fanout, int index, int attempt, String hint, String reason)
    implements FanoutEvent {

  public RetrySubtask {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    if (!FanoutRecords.REASON_MANUAL.equals(reason)
        && !FanoutRecords.REASON_WORKER_LOST.equals(reason)) {
      throw new IllegalArgumentException(
          "reason: expected 'manual' or 'worker_lost' but found '" + reason + "'");
    }
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.RETRY, namespace, fanout);
    body.put("index", index);
    body.put("attempt", attempt);
    if (hint != null) {
      body.put("hint", hint);
    }
    body.put("reason", reason);
    return body;
  }

  public static RetrySubtask fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.RETRY);
    return new RetrySubtask(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.integer("index", 0),
        reader.integer("attempt", 1),
        reader.optionalText("hint"),
        reader.oneOf("reason", FanoutRecords.REASON_MANUAL, FanoutRecords.REASON_WORKER_LOST));
  }

  /** Whether the coordinator wrote it because the child's worker was lost. */
  public boolean workerLost() {
    return FanoutRecords.REASON_WORKER_LOST.equals(reason);
  }
}
