package dev.spl.core.fleet;

/**
 * How long a worker waits before its next heartbeat when the coordinator does not answer: the
 * normal interval while beats succeed, then an exponential back-off from {@code firstRetryMillis}
 * capped at {@code maxDelayMillis}, so a returning coordinator is not hit by every worker at once
 * and a worker re-registers within one cap of its return.
 */
public record HeartbeatBackoff(long intervalMillis, long firstRetryMillis, long maxDelayMillis) {

  public static final long DEFAULT_FIRST_RETRY_MILLIS = 1_000;
  public static final long DEFAULT_MAX_DELAY_MILLIS = 30_000;

  public HeartbeatBackoff {
    if (intervalMillis <= 0 || firstRetryMillis <= 0) {
      throw new IllegalArgumentException(
          "back-off: expected positive interval and first retry but found "
              + intervalMillis
              + " ms and "
              + firstRetryMillis
              + " ms");
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

  public static HeartbeatBackoff forInterval(long intervalMillis) {
    return new HeartbeatBackoff(
        intervalMillis,
        Math.min(DEFAULT_FIRST_RETRY_MILLIS, intervalMillis),
        Math.max(DEFAULT_MAX_DELAY_MILLIS, intervalMillis));
  }

  /** The delay before the next beat after {@code consecutiveFailures} failed beats in a row. */
  public long delayMillis(int consecutiveFailures) {
    if (consecutiveFailures <= 0) {
      return intervalMillis;
    }
    int doublings = Math.min(consecutiveFailures - 1, 62);
    long delay = firstRetryMillis;
    for (int i = 0; i < doublings && delay < maxDelayMillis; i++) {
      delay *= 2;
    }
    return Math.min(delay, maxDelayMillis);
  }

  /**
   * The delay with jitter: a value in {@code [delay/2, delay]} chosen by {@code random01} (a number
   * in [0, 1) from the caller's random source), so workers that lost the coordinator together do
   * not retry in lockstep.
   */
  public long jitteredDelayMillis(int consecutiveFailures, double random01) {
    if (random01 < 0 || random01 >= 1) {
      throw new IllegalArgumentException(
          "random01: expected a number in [0, 1) but found " + random01);
    }
    long delay = delayMillis(consecutiveFailures);
    if (consecutiveFailures <= 0) {
      return delay;
    }
    long half = delay / 2;
    return half + (long) Math.floor((delay - half) * random01);
  }
}
