package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import java.util.Optional;

/**
 * A record body that changes one fan-out's fold: the coordinator's {@code fanout_spawned}, {@code
 * fanout_cancel_sent} and {@code fanout_join_complete}, a worker's (or the coordinator's) {@code
 * fanout_child_done}, and a user's {@code fanout_retry_subtask} and {@code fanout_cancel_request}.
 */
public sealed interface FanoutEvent
    permits Spawned,
        ChildDone,
        RetrySubtask,
        CancelRequest,
        CancelSent,
        JoinComplete,
        FaninDecided,
        MergeStep {

  /** The id of the fan-out parent the body belongs to. */
  String fanout();

  String namespace();

  /**
   * The event a record carries: empty for records of other topics, and an {@link
   * InvalidRecordException} naming the field for a fan-out record whose body is malformed.
   */
  static Optional<FanoutEvent> of(Record record) {
    String topic = record.topic();
    if (topic == null) {
      return Optional.empty();
    }
    ObjectNode body = record.body();
    FanoutEvent event =
        switch (topic) {
          case FanoutRecords.SPAWNED -> Spawned.fromBody(body);
          case FanoutRecords.CHILD_DONE -> ChildDone.fromBody(body);
          case FanoutRecords.RETRY -> RetrySubtask.fromBody(body);
          case FanoutRecords.CANCEL_REQUEST -> CancelRequest.fromBody(body);
          case FanoutRecords.CANCEL_SENT -> CancelSent.fromBody(body);
          case FanoutRecords.JOIN_COMPLETE -> JoinComplete.fromBody(body);
          case FanoutRecords.FANIN_DECIDED -> FaninDecided.fromBody(body);
          case FanoutRecords.MERGE_STEP -> MergeStep.fromBody(body);
          default -> null;
        };
    return Optional.ofNullable(event);
  }
}
