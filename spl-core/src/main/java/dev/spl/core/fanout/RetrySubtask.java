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
 * @param onto the integration branch's commit the new attempt starts from ({@code spl task retry
 *     --rebase}), or null to start from the fan-out's base; the fold takes it only while the merge
 *     queue's recorded steps leave the branch there
 */
public record RetrySubtask(
    String namespace,
    String fanout,
    int index,
    int attempt,
    String hint,
    String reason,
    String onto)
    implements FanoutEvent {

  public RetrySubtask {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    if (!FanoutRecords.REASON_MANUAL.equals(reason)
        && !FanoutRecords.REASON_WORKER_LOST.equals(reason)) {
      throw new IllegalArgumentException(
          "reason: expected 'manual' or 'worker_lost' but found '" + reason + "'");
    }
    if (onto != null) {
      Worktrees.requireCommit("onto", onto);
      if (!FanoutRecords.REASON_MANUAL.equals(reason)) {
        throw new IllegalArgumentException(
            "onto: expected only on a manual retry but found it on a '" + reason + "' one");
      }
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
    if (onto != null) {
      body.put("onto", onto);
    }
    return body;
  }

  public static RetrySubtask fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.RETRY);
    try {
      return new RetrySubtask(
          reader.text("namespace"),
          reader.text("fanout"),
          reader.integer("index", 0),
          reader.integer("attempt", 1),
          reader.optionalText("hint"),
          reader.oneOf("reason", FanoutRecords.REASON_MANUAL, FanoutRecords.REASON_WORKER_LOST),
          reader.optionalText("onto"));
    } catch (IllegalArgumentException e) {
      throw new dev.spl.core.InvalidRecordException("body." + e.getMessage());
    }
  }

  /** Whether the new attempt starts from the integration branch ({@code --rebase}). */
  public boolean rebase() {
    return onto != null;
  }

  /** Whether the coordinator wrote it because the child's worker was lost. */
  public boolean workerLost() {
    return FanoutRecords.REASON_WORKER_LOST.equals(reason);
  }
}
