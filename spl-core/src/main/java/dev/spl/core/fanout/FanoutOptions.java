package dev.spl.core.fanout;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * How a fan-out treats failures and how much of it runs at once.
 *
 * @param maxRetries automatic retries per child of a {@code reject}, {@code failed} or {@code
 *     timeout} verdict (a worker lost past {@code max_attempts} ends {@code failed}, so it is
 *     retried too), 0 to {@link #MAX_RETRIES}
 * @param retryBackoffMillis the wait before the first automatic retry of a child, doubling for each
 *     further one (each wait at most {@link #MAX_BACKOFF_MILLIS})
 * @param maxConcurrency at most this many children of the fan-out running at once, fleet wide; 0
 *     when not set (then {@link #DEFAULT_IN_FLIGHT} applies). More are spawned, up to {@link
 *     #window()}, the rest waiting in their workers' queues
 * @param totalBudgetUsd the most the whole fan-out may spend, in USD ({@code --total-budget}), or
 *     null for no limit; see {@link BudgetGate}
 * @param hedgeAfter when a running child is started once more on another worker ({@code
 *     --hedge-after}), or null for never; refused with {@code maxConcurrency} 1
 */
public record FanoutOptions(
    FanoutPolicy policy,
    int maxRetries,
    long retryBackoffMillis,
    int maxConcurrency,
    BigDecimal totalBudgetUsd,
    HedgeAfter hedgeAfter) {
  public static final int MAX_RETRIES = 100;
  public static final long DEFAULT_BACKOFF_MILLIS = 1000;
  public static final long MAX_BACKOFF_MILLIS = 3_600_000;

  /**
   * Children of one fan-out in flight at once when it sets no {@code max_concurrency}: the
   * coordinator keeps the rest queued in its compact state instead of in the workers' queues.
   *
   * <p>Enough to keep two workers' queues full between the coordinator's rounds, and few enough
   * that a child starts within its delivery confirmation's second (a worker asks the fence for an
   * older one) and its result finds its INTEND among the spawns the coordinator holds in memory:
   * with 10,000 a 30,000-child fan-out took 17-18 s through a fleet, with 2,000 11.4 s.
   */
  public static final int DEFAULT_IN_FLIGHT = 2_000;

  /** The largest {@code --total-budget}, in USD. */
  public static final BigDecimal MAX_TOTAL_BUDGET_USD = BigDecimal.valueOf(1_000_000_000L);

  public static final FanoutOptions DEFAULTS =
      new FanoutOptions(FanoutPolicy.ALL, 0, DEFAULT_BACKOFF_MILLIS, 0);

  public FanoutOptions {
    Objects.requireNonNull(policy, "policy");
    if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
      throw new InvalidFanoutException(
          -1,
          "--max-retries",
          "expected a whole number from 0 to " + MAX_RETRIES + " but found " + maxRetries);
    }
    if (retryBackoffMillis < 0 || retryBackoffMillis > MAX_BACKOFF_MILLIS) {
      throw new InvalidFanoutException(
          -1,
          "--retry-backoff",
          "expected 0 to "
              + MAX_BACKOFF_MILLIS / 1000
              + " seconds but found "
              + retryBackoffMillis / 1000.0);
    }
    if (maxConcurrency < 0) {
      throw new InvalidFanoutException(
          -1, "--max-concurrency", "expected a whole number >= 1 but found " + maxConcurrency);
    }
    if (totalBudgetUsd != null
        && (totalBudgetUsd.signum() <= 0 || totalBudgetUsd.compareTo(MAX_TOTAL_BUDGET_USD) > 0)) {
      throw new InvalidFanoutException(
          -1,
          "--total-budget",
          "expected an amount in USD above 0 and at most "
              + MAX_TOTAL_BUDGET_USD.toPlainString()
              + " but found "
              + totalBudgetUsd.toPlainString());
    }
    if (hedgeAfter != null && maxConcurrency == 1) {
      throw new InvalidFanoutException(
          -1,
          "--hedge-after",
          "a hedge runs a second attempt beside the first, but --max-concurrency 1 allows one"
              + " child at a time; give a higher --max-concurrency or no --hedge-after");
    }
  }

  /** Options without a total budget. */
  public FanoutOptions(
      FanoutPolicy policy, int maxRetries, long retryBackoffMillis, int maxConcurrency) {
    this(policy, maxRetries, retryBackoffMillis, maxConcurrency, null, null);
  }

  /** The most children spawned and unfinished at once. */
  public int window() {
    if (maxConcurrency == 0) {
      return DEFAULT_IN_FLIGHT;
    }
    // The workers run at most maxConcurrency of them (each its share); the rest wait queued there.
    return Math.max(maxConcurrency, DEFAULT_IN_FLIGHT);
  }

  /** The wait before automatic retry number {@code retry} (from 1) of a child. */
  public long backoffMillis(int retry) {
    long delay = retryBackoffMillis;
    for (int i = 1; i < retry && delay < MAX_BACKOFF_MILLIS; i++) {
      delay *= 2;
    }
    return Math.min(delay, MAX_BACKOFF_MILLIS);
  }
}
