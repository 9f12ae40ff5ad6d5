package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.fanout.ChildOutput;
import dev.spl.core.fanout.Verdict;
import java.math.BigDecimal;

/**
 * How one attempt ended. Wall time is measured by the worker's clock; {@code value} is what the
 * child computed (the echo executor's compute mode), or null; {@code output} its result and file
 * references ({@link ChildOutput#NONE} when it reported none).
 */
public record ChildOutcome(
    Verdict verdict,
    BigDecimal costUsd,
    double wallTimeSecs,
    String summary,
    Integer exitCode,
    long startedAtMillis,
    long finishedAtMillis,
    JsonNode value,
    ChildOutput output) {

  public ChildOutcome {
    output = output == null ? ChildOutput.NONE : output;
  }

  /** An outcome without a result or file references. */
  public ChildOutcome(
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      Integer exitCode,
      long startedAtMillis,
      long finishedAtMillis,
      JsonNode value) {
    this(
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        exitCode,
        startedAtMillis,
        finishedAtMillis,
        value,
        ChildOutput.NONE);
  }

  /** An outcome without a computed value. */
  public ChildOutcome(
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      Integer exitCode,
      long startedAtMillis,
      long finishedAtMillis) {
    this(
        verdict, costUsd, wallTimeSecs, summary, exitCode, startedAtMillis, finishedAtMillis, null);
  }

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
