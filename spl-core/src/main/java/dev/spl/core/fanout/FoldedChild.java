package dev.spl.core.fanout;

import java.math.BigDecimal;

/**
 * One child as {@link FanoutState} keeps it. Written by the fold only; the reports ({@link
 * JoinStatus#of}, {@link SpeedupReport#of}) read it.
 */
final class FoldedChild {
  final int index;
  ChildState state = ChildState.PENDING_SPAWN;
  Verdict verdict;
  int attempt = 1;
  int autoAttempts = 1;
  int unacceptedDeps;
  int failedDeps;
  boolean spawned;
  String thread;
  String worker;
  String resolvedTarget;
  String hint;
  String lastRetryReason;
  String cancelReason;
  // Set while the child waits to re-spawn after an interruption (a hard freeze), else null.
  String interruptedBy;
  BigDecimal costUsd = BigDecimal.ZERO;
  double wallTimeSecs;
  String summary = "";
  // The shell command's exit code for the current attempt's result, when the worker sent one.
  Integer exitCode;
  // The fold's version at this child's last transition, so readers can ask what changed since.
  long changedAt;

  FoldedChild(int index) {
    this.index = index;
  }

  boolean accepted() {
    return state == ChildState.DONE && verdict == Verdict.ACCEPT;
  }

  boolean failedTerminal() {
    return state.terminal() && verdict != Verdict.ACCEPT;
  }

  /** Whether its last retry came from losing its worker: it may then leave a pinned worker. */
  boolean lostItsWorker() {
    return FanoutRecords.REASON_WORKER_LOST.equals(lastRetryReason);
  }
}
