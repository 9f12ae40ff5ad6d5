package dev.spl.core.fleet;

import java.util.random.RandomGenerator;

/**
 * How long to wait before trying again after failures in a row: {@code firstRetryMillis} after the
 * first, doubling with every further one up to {@code maxDelayMillis}, with jitter, so daemons that
 * lost the same peer together do not retry in lockstep. The worker's heartbeats and the outbox's
 * deliveries both wait by it.
 */
public record Backoff(long firstRetryMillis, long maxDelayMillis) {

  public static final long HEARTBEAT_FIRST_RETRY_MILLIS = 1_000;
  public static final long HEARTBEAT_MAX_DELAY_MILLIS = 30_000;
  public static final long FIRST_HEARTBEAT_RETRY_MILLIS = 100;

  /** Deliveries to another daemon: 100 ms, then doubling up to 5 s. */
  public static final Backoff DELIVERIES = new Backoff(100, 5_000);

  public Backoff {
    if (firstRetryMillis <= 0) {
      throw new IllegalArgumentException(
          "back-off: expected a positive first retry but found " + firstRetryMillis + " ms");
    }
    if (maxDelayMillis < firstRetryMillis) {
      throw new IllegalArgumentException(
          "back-off: expected a cap of at least the first retry ("
              + firstRetryMillis
              + " ms) but found "
              + maxDelayMillis
              + " ms");
    }
  }

  /**
   * Heartbeats that the coordinator does not answer, for a heartbeat interval: the first retry
   * within a second (sooner if the interval is shorter), capped at 30 s (or the interval if
   * longer), so a worker re-registers within one cap of the coordinator's return.
   */
  public static Backoff forHeartbeats(long intervalMillis) {
    if (intervalMillis <= 0) {
      throw new IllegalArgumentException(
          "heartbeat interval: expected a positive number of milliseconds but found "
              + intervalMillis);
    }
    return new Backoff(
        Math.min(HEARTBEAT_FIRST_RETRY_MILLIS, intervalMillis),
        Math.max(HEARTBEAT_MAX_DELAY_MILLIS, intervalMillis));
  }

  /**
   * A worker's heartbeats before the coordinator first answered: from a tenth of a second (or the
   * interval if shorter), doubling to the same cap as {@link #forHeartbeats}. A fleet's workers
   * start beside their coordinator and usually come up first; waiting a full second for a
   * coordinator that listens a moment later would add that second to every fleet start.
   */
  public static Backoff forFirstHeartbeat(long intervalMillis) {
    Backoff later = forHeartbeats(intervalMillis);
    return new Backoff(
        Math.min(FIRST_HEARTBEAT_RETRY_MILLIS, later.firstRetryMillis()), later.maxDelayMillis());
  }

  /** The longest wait before the next try after {@code consecutiveFailures} (at least 1). */
  public long delayMillis(int consecutiveFailures) {
    if (consecutiveFailures < 1) {
      throw new IllegalArgumentException(
          "consecutive failures: expected at least 1 but found " + consecutiveFailures);
    }
    int doublings = Math.min(consecutiveFailures - 1, 62);
    long delay = firstRetryMillis;
    for (int i = 0; i < doublings && delay < maxDelayMillis; i++) {
      delay *= 2;
    }
    return Math.min(delay, maxDelayMillis);
  }

  /**
   * The wait with jitter: a value in {@code [delay/2, delay]} drawn from {@code random} (the
   * caller's source, so tests seed it).
   */
  public long jitteredDelayMillis(int consecutiveFailures, RandomGenerator random) {
    long delay = delayMillis(consecutiveFailures);
    long half = delay / 2;
    return half + random.nextLong(delay - half + 1);
  }
}
