package dev.spl.daemon.exec;

import dev.spl.core.fanout.ChildIntent;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * One attempt of one fan-out child, as a worker runs it. {@code inputsJson} carries the results of
 * the predecessors named in {@code depends}; {@code idempotencyKey} is stable across re-deliveries
 * of the same attempt so a command with outside effects can de-duplicate them; {@code hint} is the
 * guidance a retry gave this attempt ({@code spl task retry --hint}), or null; {@code parentThread}
 * is the thread of the fan-out's parent (the task's thread).
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
    String parentThread,
    int index,
    String namespace,
    String inputsJson,
    Path workDir,
    String hint) {

  public String idempotencyKey() {
    return ChildIntent.attemptKey(childThread, attempt);
  }

  /** The key a worker tracks a running attempt by. */
  public String key() {
    return idempotencyKey();
  }
}
