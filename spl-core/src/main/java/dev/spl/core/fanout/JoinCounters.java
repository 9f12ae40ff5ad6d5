package dev.spl.core.fanout;

/**
 * Counters a fan-out keeps incrementally, one update per child transition.
 *
 * @param n the number of subtasks
 * @param completed children whose current attempt has a verdict (any verdict, including {@code
 *     skipped} and {@code cancelled})
 * @param accepted completed children with verdict {@code accept}
 * @param failed completed children with any other verdict: {@code reject}, {@code failed}, {@code
 *     timeout}, {@code over_budget}, {@code cancelled}, {@code skipped}
 * @param active children spawned and not yet completed (in progress or being cancelled)
 */
public record JoinCounters(int n, int completed, int accepted, int failed, int active) {
  /** Children not yet spawned and not completed: {@code n - completed - active}. */
  public int pending() {
    return n - completed - active;
  }

  /** Whether every child has a verdict. */
  public boolean allCompleted() {
    return completed == n;
  }
}
