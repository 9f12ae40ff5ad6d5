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
  private final AtomicLong lastHeartbeat = new AtomicLong(-1);

  public RecordClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** {@code max(previous + 1, now)}. */
  public long next() {
    return after(last);
  }

  /**
   * The {@code sent_at} of this daemon's next heartbeat: strictly increasing among its heartbeats
   * ({@code max(previous + 1, now)} over them alone), and so on the wall clock whatever else the
   * daemon writes. {@link #next} runs ahead of the wall clock while the daemon writes more than a
   * record a millisecond (a worker reporting thousands of results a second gains seconds each
   * second), and a coordinator refuses a beat from more than 30 s ahead of its own clock: the
   * worker would be taken for lost while it works.
   */
  public long nextHeartbeat() {
    return after(lastHeartbeat);
  }

  private long after(AtomicLong previousTime) {
    long now = clock.millis();
    return previousTime.updateAndGet(previous -> Math.max(previous + 1, now));
  }
}
