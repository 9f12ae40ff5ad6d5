package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff heartbeats = Backoff.forHeartbeats(5_000);

  @Test
  void doublesFromTheFirstRetryUpToTheCap() {
    assertThat(heartbeats.delayMillis(1)).isEqualTo(1_000);
    assertThat(heartbeats.delayMillis(2)).isEqualTo(2_000);
    assertThat(heartbeats.delayMillis(3)).isEqualTo(4_000);
    assertThat(heartbeats.delayMillis(5)).isEqualTo(16_000);
    assertThat(heartbeats.delayMillis(6)).isEqualTo(30_000);
    assertThat(heartbeats.delayMillis(1_000_000)).isEqualTo(30_000);
  }

  @Test
  void deliveriesRetryFromATenthOfASecondUpToFiveSeconds() {
    assertThat(Backoff.DELIVERIES.delayMillis(1)).isEqualTo(100);
    assertThat(Backoff.DELIVERIES.delayMillis(2)).isEqualTo(200);
    assertThat(Backoff.DELIVERIES.delayMillis(6)).isEqualTo(3_200);
    assertThat(Backoff.DELIVERIES.delayMillis(7)).isEqualTo(5_000);
    assertThat(Backoff.DELIVERIES.delayMillis(Integer.MAX_VALUE)).isEqualTo(5_000);
  }

  @Test
  void heartbeatRetriesFollowTheInterval() {
    assertThat(Backoff.forHeartbeats(100)).isEqualTo(new Backoff(100, 30_000));
    assertThat(Backoff.forHeartbeats(60_000)).isEqualTo(new Backoff(1_000, 60_000));
  }

  @Test
  void beforeTheFirstAnswerHeartbeatsRetryFromATenthOfASecondToTheSameCap() {
    Backoff first = Backoff.forFirstHeartbeat(5_000);
    assertThat(first.delayMillis(1)).isEqualTo(100);
    assertThat(first.delayMillis(2)).isEqualTo(200);
    assertThat(first.delayMillis(9)).isEqualTo(25_600);
    assertThat(first.delayMillis(10)).isEqualTo(30_000);
    assertThat(Backoff.forFirstHeartbeat(50)).isEqualTo(new Backoff(50, 30_000));
    assertThat(Backoff.forFirstHeartbeat(60_000)).isEqualTo(new Backoff(100, 60_000));
  }

  @Test
  void jitterDrawsBetweenHalfAndTheFullDelayFromTheGivenRandom() {
    Random seeded = new Random(42);
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      waits.add(heartbeats.jitteredDelayMillis(3, seeded));
    }
    assertThat(waits).allSatisfy(wait -> assertThat(wait).isBetween(2_000L, 4_000L));
    // Spread over the whole range, not stuck at one end.
    assertThat(waits).anySatisfy(wait -> assertThat(wait).isLessThan(2_200L));
    assertThat(waits).anySatisfy(wait -> assertThat(wait).isGreaterThan(3_800L));

    // The same seed draws the same waits: the jitter comes from the caller's source only.
    Random again = new Random(42);
    for (int i = 0; i < 1_000; i++) {
      assertThat(heartbeats.jitteredDelayMillis(3, again)).isEqualTo(waits.get(i));
    }
  }

  @Test
  void jitterOfTheSmallestDelaysStaysInRange() {
    Backoff tiny = new Backoff(1, 1);
    Random seeded = new Random(7);
    for (int i = 0; i < 100; i++) {
      assertThat(tiny.jitteredDelayMillis(1, seeded)).isBetween(0L, 1L);
    }
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new Backoff(0, 10)).hasMessageContaining("positive first retry");
    assertThatThrownBy(() -> new Backoff(100, 50))
        .hasMessageContaining("cap of at least the first retry (100 ms) but found 50 ms");
    assertThatThrownBy(() -> heartbeats.delayMillis(0))
        .hasMessageContaining("expected at least 1 but found 0");
    assertThatThrownBy(() -> Backoff.forHeartbeats(0)).hasMessageContaining("positive number");
  }
}
