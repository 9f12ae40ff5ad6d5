package dev.spl.core.fanout;

/**
 * The fan-in of a fan-out: where it stands and how its children ended. CEL joins see it as {@code
 * fanin}; the join record keeps the final one.
 *
 * @param status {@code running} until the fan-out ends, then {@code complete}, {@code partial} or
 *     {@code failed} ({@code cancelled} when a user cancelled it); while running, once every child
 *     has a verdict it already reads as the end it is heading for (and {@code failed} at the first
 *     failure under {@code fail-fast})
 * @param succeeded children that accepted
 * @param failed children that ended without accept and not cancelled ({@code reject}, {@code
 *     failed}, {@code timeout}, {@code over_budget}, {@code skipped})
 * @param cancelled children that ended cancelled (including those still running or queued when the
 *     join completed)
 * @param retried children that were retried at least once (automatically or by hand)
 * @param retries retries of all children together
 */
public record Fanin(
    String status, int succeeded, int failed, int cancelled, int retried, long retries) {
  public static final String RUNNING = "running";
  public static final String COMPLETE = "complete";
  public static final String PARTIAL = "partial";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  /** The fan-in status a join verdict ends with. */
  public static String statusOf(String joinVerdict) {
    return switch (joinVerdict) {
      case JoinComplete.ACCEPT -> COMPLETE;
      case JoinComplete.PARTIAL -> PARTIAL;
      case JoinComplete.CANCELLED -> CANCELLED;
      default -> FAILED;
    };
  }
}
