package dev.spl.core.fanout;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one child is in its lifecycle. Allowed transitions:
 *
 * <pre>
 * PENDING_SPAWN -> IN_PROGRESS   fanout_spawned for its current attempt
 * PENDING_SPAWN -> SKIPPED       a subtask it depends on ended without accept
 * PENDING_SPAWN -> DONE          cancelled before it was spawned, or a result for its attempt
 * IN_PROGRESS   -> DONE          first result of its current attempt
 * IN_PROGRESS   -> CANCELLING    fanout_cancel_sent
 * IN_PROGRESS   -> PENDING_SPAWN fanout_retry_subtask (worker lost): attempt + 1
 * IN_PROGRESS   -> PENDING_SPAWN a cancelled result marked interrupted_by hard_freeze: attempt + 1
 * CANCELLING    -> DONE          its result, or the coordinator giving up on a lost worker
 * CANCELLING    -> PENDING_SPAWN fanout_retry_subtask (worker lost), cancelled again at once
 * DONE          -> PENDING_SPAWN fanout_retry_subtask (manual): attempt + 1
 * SKIPPED       -> PENDING_SPAWN the subtask it depended on was retried
 * </pre>
 */
public enum ChildState {
  PENDING_SPAWN,
  IN_PROGRESS,
  CANCELLING,
  DONE,
  SKIPPED;

  private Set<ChildState> next;

  static {
    PENDING_SPAWN.next = EnumSet.of(IN_PROGRESS, SKIPPED, DONE);
    IN_PROGRESS.next = EnumSet.of(DONE, CANCELLING, PENDING_SPAWN);
    CANCELLING.next = EnumSet.of(DONE, PENDING_SPAWN);
    DONE.next = EnumSet.of(PENDING_SPAWN);
    SKIPPED.next = EnumSet.of(PENDING_SPAWN);
  }

  public boolean canMoveTo(ChildState target) {
    return next.contains(target);
  }

  /** A verdict is known for the current attempt. */
  public boolean terminal() {
    return this == DONE || this == SKIPPED;
  }

  /** Spawned and not finished. */
  public boolean active() {
    return this == IN_PROGRESS || this == CANCELLING;
  }

  /** The state as join-status shows it. */
  public String label() {
    return switch (this) {
      case PENDING_SPAWN -> "pending spawn";
      case IN_PROGRESS -> "in progress";
      case CANCELLING -> "cancelling";
      case DONE -> "done";
      case SKIPPED -> "skipped";
    };
  }
}
