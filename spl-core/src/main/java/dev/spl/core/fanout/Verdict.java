package dev.spl.core.fanout;

/** A child's verdict for one attempt, with its wire name. */
public enum Verdict {
  ACCEPT("accept"),
  REJECT("reject"),
  FAILED("failed"),
  TIMEOUT("timeout"),
  OVER_BUDGET("over_budget"),
  CANCELLED("cancelled"),
  /**
   * Never ran because a subtask it depends on did not accept. Decided by the fold, not a worker.
   */
  SKIPPED("skipped"),
  /** Accepted, but its branch conflicts with the integration branch. Decided by the merge queue. */
  CONFLICT("conflict"),
  /**
   * Accepted, but the merge check failed with its branch integrated. Decided by the merge queue.
   */
  CHECK_FAILED("check_failed");

  private final String wire;

  Verdict(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /**
   * Parses a verdict a worker reported. An unknown word counts as {@code failed}: a worker that
   * says something the coordinator does not understand has not delivered an accepted result.
   */
  public static Verdict fromWire(String text) {
    for (Verdict verdict : values()) {
      if (verdict.wire.equals(text)) {
        return verdict;
      }
    }
    return FAILED;
  }
}
