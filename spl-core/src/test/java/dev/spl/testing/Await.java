package dev.spl.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.pollinterval.IterativePollInterval;

/**
 * Waits for a condition with a deadline, instead of sleeping for a guessed time: the one poller of
 * every module's tests, on Awaitility (which also gives up on a condition that itself hangs).
 *
 * <p>The condition is asked at once, then every 10 ms, the pause doubling up to 200 ms, so a quick
 * condition is seen quickly and a long wait asks a daemon or a container a few times a second. A
 * condition that throws is asked again (a daemon may be restarting); on timeout the failure names
 * what was awaited and for how long, the last problem the condition reported (as the cause), and
 * the stacks of spl's own threads, to show where things stood.
 */
public final class Await {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(10);
  private static final Duration LONGEST_PAUSE = Duration.ofMillis(200);

  private Await() {}

  /** Waits up to {@link #DEFAULT_TIMEOUT} until {@code condition} holds. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_TIMEOUT, condition);
  }

  /** Waits up to {@code timeout} until {@code condition} holds. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    untilPresent(
        what,
        timeout,
        () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
  }

  /** Waits up to {@code timeout} until {@code probe} gives a value, and returns it. */
  public static <T> T untilPresent(String what, Duration timeout, Supplier<Optional<T>> probe) {
    AtomicReference<Optional<T>> found = new AtomicReference<>(Optional.empty());
    AtomicReference<RuntimeException> lastProblem = new AtomicReference<>();
    try {
      Awaitility.await(what)
          .atMost(timeout)
          .pollDelay(Duration.ZERO)
          .pollInterval(
              new IterativePollInterval(
                  pause -> min(pause.multipliedBy(2), LONGEST_PAUSE), FIRST_PAUSE))
          .until(
              () -> {
                try {
                  found.set(probe.get());
                  return found.get().isPresent();
                } catch (RuntimeException e) {
                  lastProblem.set(e);
                  return false;
                }
              });
    } catch (ConditionTimeoutException e) {
      RuntimeException problem = lastProblem.get();
      AssertionError error =
          new AssertionError(
              "timed out after "
                  + timeout.toMillis()
                  + " ms waiting until "
                  + what
                  + (problem == null ? "" : "; last problem: " + problem)
                  + "\n"
                  + threadDump(),
              problem == null ? e : problem);
      throw error;
    }
    return found.get().orElseThrow();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The stacks of spl's own threads, so a timeout shows where things stood. */
  private static String threadDump() {
    StringBuilder out = new StringBuilder("spl threads at the deadline:\n");
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (thread.getName().startsWith("spl-")) {
                out.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
                for (int i = 0; i < Math.min(stack.length, 12); i++) {
                  out.append("    at ").append(stack[i]).append('\n');
                }
              }
            });
    return out.toString();
  }
}
