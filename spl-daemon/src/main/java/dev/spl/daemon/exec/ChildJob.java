package dev.spl.daemon.exec;

import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * One attempt of one fan-out child, as a worker runs it. {@code inputsJson} carries the results of
 * the predecessors named in {@code depends}; {@code idempotencyKey} is stable across re-deliveries
 * of the same attempt so a command with outside effects can de-duplicate them.
 */
public record ChildJob(
    String childThread,
    String intendId,
    int attempt,
    String goal,
    BigDecimal budgetUsd,
    Integer timeoutSecs,
    String run,
    String fanout,
    int index,
    String namespace,
    String inputsJson,
    Path workDir) {

  public String idempotencyKey() {
    return childThread + ":" + attempt;
  }

  /** The key a worker tracks a running attempt by. */
  public String key() {
    return idempotencyKey();
  }
}
