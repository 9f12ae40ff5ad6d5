package dev.spl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand: it stands still until {@link #advance} moves it. Daemons started on
 * one (see {@code Daemon.start(config, clock, stores)}) decide leases, staleness and grace periods
 * by it, so a test moves past a lease instead of waiting for one. Thread-safe.
 */
public final class TestClock extends Clock {
  private final AtomicLong millis;

  public TestClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  public void advance(long deltaMillis) {
    if (deltaMillis < 0) {
      throw new IllegalArgumentException(
          "advance: expected a forward step (>= 0 ms) but found " + deltaMillis + " ms");
    }
    millis.addAndGet(deltaMillis);
  }

  public void advance(Duration delta) {
    advance(delta.toMillis());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("tests use UTC only");
  }
}
