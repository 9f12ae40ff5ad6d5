package dev.spl.daemon.records;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code clock} field of records a daemon writes itself: the wall clock in milliseconds, but
 * strictly increasing per daemon, so two records written in the same millisecond never collide and
 * a wall clock that steps back does not reorder them.
 */
public final class RecordClock {
  private final Clock clock;
  private final AtomicLong last = new AtomicLong(-1);

  public RecordClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** {@code max(previous + 1, now)}. */
  public long next() {
    long now = clock.millis();
    return last.updateAndGet(previous -> Math.max(previous + 1, now));
  }
}
