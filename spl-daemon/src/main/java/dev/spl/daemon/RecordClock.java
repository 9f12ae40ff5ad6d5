package dev.spl.daemon;

import java.time.Clock;

/**
 * The {@code clock} field of records a daemon writes itself: wall-clock milliseconds, but strictly
 * increasing, so two records of the same actor on the same thread never share a clock value even
 * when written in the same millisecond or after the wall clock stepped back.
 */
public final class RecordClock {
  private final Clock clock;
  private long last;

  public RecordClock(Clock clock) {
    this.clock = clock;
  }

  public synchronized long next() {
    last = Math.max(last + 1, clock.millis());
    return last;
  }
}
