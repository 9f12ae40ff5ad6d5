package dev.spl.daemon.exec;

import java.math.BigDecimal;
import java.util.function.Consumer;

/**
 * Runs child attempts. {@code start} returns at once; the outcome is delivered exactly once to
 * {@code onDone}, on any thread, also when the attempt is cancelled.
 */
public interface Executor extends AutoCloseable {
  Execution start(ChildJob job, Consumer<ChildOutcome> onDone);

  /** Stops everything still running; their outcomes are delivered as cancelled. */
  @Override
  void close();

  /** A handle on one running attempt. */
  interface Execution {
    /** Stops the attempt; it ends with verdict cancelled unless it had already ended. */
    void cancel(String reason);

    /** What the attempt has reported spending so far (a shell child's JSON lines), in USD. */
    default BigDecimal spentSoFar() {
      return BigDecimal.ZERO;
    }
  }
}
