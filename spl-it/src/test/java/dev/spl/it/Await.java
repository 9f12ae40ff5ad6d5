package dev.spl.it;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Waiting on a condition with a deadline, for what containers do in their own time. */
final class Await {
  private static final long POLL_MILLIS = 200;

  private Await() {}

  /**
   * Polls {@code probe} until it gives a value and returns it; past {@code timeout} fails naming
   * {@code what} and the last problem the probe reported (an exception it threw).
   */
  static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        Optional<T> value = probe.get();
        if (value.isPresent()) {
          return value.get();
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError error =
            new AssertionError(
                "timed out after "
                    + timeout.toSeconds()
                    + " s waiting for "
                    + what
                    + (last == null ? "" : "; last problem: " + last.getMessage()));
        if (last != null) {
          error.initCause(last);
        }
        throw error;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  /** {@link #until} for a yes/no condition. */
  static void until(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
    until(
        what,
        timeout,
        () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
  }
}
