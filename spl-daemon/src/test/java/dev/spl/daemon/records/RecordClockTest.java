package dev.spl.daemon.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RecordClockTest {
  private static final long NOW = 1_700_000_000_000L;
  private final Clock fixed = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);

  @Test
  void recordTimesStrictlyIncreaseAndRunAheadOfAClockThatStandsStill() {
    RecordClock clock = new RecordClock(fixed);
    long previous = clock.next();
    assertThat(previous).isEqualTo(NOW);
    for (int i = 0; i < 1_000; i++) {
      long next = clock.next();
      assertThat(next).isGreaterThan(previous);
      previous = next;
    }
    assertThat(previous).isEqualTo(NOW + 1_000);
  }

  @Test
  void heartbeatTimesStayOnTheWallClockHoweverManyRecordsAreWritten() {
    RecordClock clock = new RecordClock(fixed);
    // A worker reporting results: two records each, far more than one a millisecond.
    for (int i = 0; i < 100_000; i++) {
      clock.next();
    }
    long first = clock.nextHeartbeat();
    assertThat(first).isEqualTo(NOW);
    // Beats still never share a time.
    assertThat(clock.nextHeartbeat()).isEqualTo(NOW + 1);
    assertThat(clock.next()).isEqualTo(NOW + 100_000);
  }
}
