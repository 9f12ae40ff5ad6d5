package dev.spl.daemon.exec;

import dev.spl.core.fanout.Verdict;
import java.math.BigDecimal;

/** How one attempt ended. Wall time is measured by the worker's clock. */
public record ChildOutcome(
    Verdict verdict,
    BigDecimal costUsd,
    double wallTimeSecs,
    String summary,
    Integer exitCode,
    long startedAtMillis,
    long finishedAtMillis) {

  /** An attempt stopped before it started: nothing ran, nothing was spent. */
  public static ChildOutcome cancelledBeforeItStarted(String reason, long nowMillis) {
    return new ChildOutcome(
        Verdict.CANCELLED,
        BigDecimal.ZERO,
        0,
        "cancelled before it started: " + reason,
        null,
        nowMillis,
        nowMillis);
  }
}
