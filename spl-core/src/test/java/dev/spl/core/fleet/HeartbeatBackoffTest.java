package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeartbeatBackoffTest {
  private final HeartbeatBackoff backoff = HeartbeatBackoff.forInterval(5_000);

  @Test
  void beatsAtTheIntervalWhileTheCoordinatorAnswers() {
    assertThat(backoff.delayMillis(0)).isEqualTo(5_000);
  }

  @Test
  void doublesFromTheFirstRetryUpToTheCap() {
    assertThat(backoff.delayMillis(1)).isEqualTo(1_000);
    assertThat(backoff.delayMillis(2)).isEqualTo(2_000);
    assertThat(backoff.delayMillis(3)).isEqualTo(4_000);
    assertThat(backoff.delayMillis(5)).isEqualTo(16_000);
    assertThat(backoff.delayMillis(6)).isEqualTo(30_000);
    assertThat(backoff.delayMillis(1_000_000)).isEqualTo(30_000);
  }

  @Test
  void jitterStaysBetweenHalfAndTheFullDelay() {
    assertThat(backoff.jitteredDelayMillis(4, 0.0)).isEqualTo(4_000);
    assertThat(backoff.jitteredDelayMillis(4, 0.999_999)).isEqualTo(7_999);
    assertThat(backoff.jitteredDelayMillis(0, 0.5)).isEqualTo(5_000);
    assertThatThrownBy(() -> backoff.jitteredDelayMillis(1, 1.0))
        .hasMessageContaining("expected a number in [0, 1)");
  }
}
