package dev.spl.core.worker;

import dev.spl.core.fanout.ChildIntent;

/** What a worker should do now, as decided by {@link WorkerFold#decide}. */
public sealed interface WorkerAction {
  /** The attempt's key: child thread and attempt ({@link ChildIntent#attemptKey}). */
  String key();

  /**
   * Ask the coordinator whether the attempt may run ({@link AttemptFence}) and hand the answer to
   * {@link WorkerFold#answer}, or {@link WorkerFold#unanswered} when none comes.
   */
  record Confirm(String key, ChildIntent intent) implements WorkerAction {}

  /**
   * Run one attempt now, in a free slot.
   *
   * @param intendId the id of the child INTEND, which its result fulfils
   */
  record Start(String key, String childThread, String intendId, ChildIntent intent)
      implements WorkerAction {}

  /**
   * Record a cancelled result for an attempt that never started: its cancel came before it could
   * run (possibly before its INTEND).
   */
  record ReportCancelled(
      String key, String childThread, String intendId, ChildIntent intent, String reason)
      implements WorkerAction {}

  /**
   * Stop a running attempt. {@code interruptedBy} is null when the coordinator cancelled it, and
   * {@code hard_freeze} when the worker stops it because its namespace's hard freeze passed its
   * grace; its cancelled result is then marked so ({@link WorkerFold#interruptionOf}).
   */
  record Stop(String key, String reason, String interruptedBy) implements WorkerAction {}
}
