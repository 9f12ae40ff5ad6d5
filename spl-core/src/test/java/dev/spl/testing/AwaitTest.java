package dev.spl.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger asked = new AtomicInteger();
    Await.until("the third question", () -> asked.incrementAndGet() >= 3);
    assertThat(asked.get()).isEqualTo(3);
  }

  @Test
  void returnsTheValueTheProbeGives() {
    AtomicInteger asked = new AtomicInteger();
    String value =
        Await.untilPresent(
            "a value",
            Duration.ofSeconds(20),
            () -> asked.incrementAndGet() < 2 ? Optional.empty() : Optional.of("found"));
    assertThat(value).isEqualTo("found");
  }

  @Test
  void failsNamingWhatItAwaitedAndForHowLong() {
    assertThatThrownBy(() -> Await.until("the moon turns blue", SHORT, () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("timed out after 300 ms waiting until the moon turns blue")
        .hasMessageContaining("spl threads at the deadline:");
  }

  @Test
  void asksAgainAfterAProblemAndNamesTheLastOneOnTimeout() {
    AtomicInteger asked = new AtomicInteger();
    Await.until(
        "a daemon that answers on the second try",
        () -> {
          if (asked.incrementAndGet() == 1) {
            throw new IllegalStateException("connection refused");
          }
          return true;
        });
    assertThat(asked.get()).isEqualTo(2);

    assertThatThrownBy(
            () ->
                Await.until(
                    "a daemon that never answers",
                    SHORT,
                    () -> {
                      throw new IllegalStateException("connection refused");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("last problem: java.lang.IllegalStateException: connection refused")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void anAssertionFailingInsideTheConditionFailsAtOnce() {
    AtomicInteger asked = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Await.until(
                    "a condition that asserts",
                    () -> {
                      asked.incrementAndGet();
                      throw new AssertionError("wrong state");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessage("wrong state");
    assertThat(asked.get()).isEqualTo(1);
  }

  @Test
  void givesUpOnAConditionThatHangs() {
    CountDownLatch never = new CountDownLatch(1);
    assertThatThrownBy(
            () ->
                Await.until(
                    "a condition that blocks",
                    SHORT,
                    () -> {
                      try {
                        never.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return false;
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("timed out after 300 ms waiting until a condition that blocks");
  }
}
