package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.fanout.Verdict;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class DispatcherTest {

  /** An executor whose attempts end only when the test says so. */
  static final class ManualExecutor implements Executor {
    final Map<String, Consumer<ChildOutcome>> started = new HashMap<>();
    final List<String> cancelled = new ArrayList<>();

    @Override
    public synchronized Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
      started.put(job.key(), onDone);
      return reason -> {
        cancelled.add(job.key());
        finish(job.key(), Verdict.CANCELLED);
      };
    }

    void finish(String key, Verdict verdict) {
      Consumer<ChildOutcome> onDone;
      synchronized (this) {
        onDone = started.remove(key);
      }
      if (onDone != null) {
        onDone.accept(new ChildOutcome(verdict, java.math.BigDecimal.ZERO, 0, "", null, 0, 0));
      }
    }

    @Override
    public void close() {}
  }

  static ChildJob job(int index) {
    return new ChildJob(
        "th_" + String.format("%064x", index),
        "a".repeat(64),
        1,
        "goal " + index,
        null,
        null,
        null,
        "b".repeat(64),
        "th_" + "d".repeat(64),
        index,
        "default",
        "[]",
        Path.of("/tmp/unused"),
        null);
  }

  @Test
  void runsAtMostSlotsAttemptsAndQueuesTheRestInOrder() {
    ManualExecutor executor = new ManualExecutor();
    Dispatcher dispatcher = new Dispatcher(2, executor, Clock.systemUTC());
    List<Integer> finished = new ArrayList<>();

    for (int i = 0; i < 4; i++) {
      int index = i;
      dispatcher.submit(job(i), outcome -> finished.add(index));
    }

    assertThat(dispatcher.active()).isEqualTo(2);
    assertThat(dispatcher.queued()).isEqualTo(2);
    assertThat(dispatcher.freeSlots()).isZero();
    assertThat(executor.started).containsOnlyKeys(job(0).key(), job(1).key());

    executor.finish(job(0).key(), Verdict.ACCEPT);

    assertThat(finished).containsExactly(0);
    assertThat(executor.started).containsOnlyKeys(job(1).key(), job(2).key());
    assertThat(dispatcher.activeDispatches())
        .extracting(Dispatcher.ActiveDispatch::index)
        .containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void theSameAttemptIsNotRunTwice() {
    ManualExecutor executor = new ManualExecutor();
    Dispatcher dispatcher = new Dispatcher(1, executor, Clock.systemUTC());

    assertThat(dispatcher.submit(job(0), outcome -> {})).isTrue();
    assertThat(dispatcher.submit(job(0), outcome -> {})).isFalse();
    assertThat(dispatcher.submit(job(1), outcome -> {})).isTrue();
    assertThat(dispatcher.submit(job(1), outcome -> {})).isFalse();
  }

  @Test
  void cancellingAQueuedAttemptEndsItAtOnceWithoutStartingIt() {
    ManualExecutor executor = new ManualExecutor();
    Dispatcher dispatcher = new Dispatcher(1, executor, Clock.systemUTC());
    List<Verdict> verdicts = new ArrayList<>();
    dispatcher.submit(job(0), outcome -> {});
    dispatcher.submit(job(1), outcome -> verdicts.add(outcome.verdict()));

    dispatcher.cancel(job(1).key(), "join satisfied");

    assertThat(verdicts).containsExactly(Verdict.CANCELLED);
    assertThat(dispatcher.queued()).isZero();
    executor.finish(job(0).key(), Verdict.ACCEPT);
    assertThat(executor.started).isEmpty();
  }

  @Test
  void closeCancelsRunningAndQueuedAttempts() {
    ManualExecutor executor = new ManualExecutor();
    Dispatcher dispatcher = new Dispatcher(1, executor, Clock.systemUTC());
    List<Verdict> verdicts = new ArrayList<>();
    dispatcher.submit(job(0), outcome -> verdicts.add(outcome.verdict()));
    dispatcher.submit(job(1), outcome -> verdicts.add(outcome.verdict()));

    dispatcher.close();

    assertThat(verdicts).containsExactly(Verdict.CANCELLED, Verdict.CANCELLED);
    assertThat(executor.started).isEmpty();
    assertThat(dispatcher.submit(job(2), outcome -> {})).isFalse();
  }

  @Test
  void heldAttemptsWaitInTheQueueUntilReleased() {
    ManualExecutor executor = new ManualExecutor();
    Dispatcher dispatcher = new Dispatcher(2, executor, Clock.systemUTC());
    java.util.concurrent.atomic.AtomicBoolean frozen =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    dispatcher.hold(job -> frozen.get() && job.index() == 0);

    dispatcher.submit(job(0), outcome -> {});
    dispatcher.submit(job(1), outcome -> {});

    assertThat(executor.started).containsOnlyKeys(job(1).key());
    assertThat(dispatcher.queued()).isEqualTo(1);

    frozen.set(false);
    dispatcher.poke();

    assertThat(executor.started).containsOnlyKeys(job(0).key(), job(1).key());
  }

  @Test
  void aLongQueueOfAttemptsThatFinishInsideStartRunsInOrderWithoutNesting() {
    Executor immediate =
        new Executor() {
          @Override
          public Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
            onDone.accept(
                new ChildOutcome(Verdict.ACCEPT, java.math.BigDecimal.ZERO, 0, "", null, 0, 0));
            return reason -> {};
          }

          @Override
          public void close() {}
        };
    Dispatcher dispatcher = new Dispatcher(1, immediate, Clock.systemUTC());
    Predicate<ChildJob> holdAll = job -> true;
    // Queue everything first, then release it at once: one start loop runs all of it.
    dispatcher.hold(holdAll);
    List<Integer> finished = new ArrayList<>();
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      int index = i;
      dispatcher.submit(job(i), outcome -> finished.add(index));
    }
    assertThat(dispatcher.queued()).isEqualTo(n);

    dispatcher.hold(job -> false);

    assertThat(finished)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).boxed().toList());
    assertThat(dispatcher.queued()).isZero();
    assertThat(dispatcher.active()).isZero();
  }

  @Test
  void echoCompletesWithAnAcceptedZeroCostResult() throws Exception {
    try (EchoExecutor echo = new EchoExecutor(Duration.ZERO, Clock.systemUTC())) {
      CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
      echo.start(job(7), outcome::complete);

      ChildOutcome result = outcome.get(10, TimeUnit.SECONDS);
      assertThat(result.verdict()).isEqualTo(Verdict.ACCEPT);
      assertThat(result.costUsd()).isZero();
      assertThat(result.summary()).isEqualTo("echo: goal 7");
    }
  }

  @Test
  void echoSaysThatItDidNotRunTheCommandOfAChildThatHasOne() throws Exception {
    ChildJob plain = job(3);
    ChildJob withRun =
        new ChildJob(
            plain.childThread(),
            plain.intendId(),
            plain.attempt(),
            plain.goal(),
            null,
            null,
            "touch /tmp/never",
            plain.fanout(),
            plain.parentThread(),
            plain.index(),
            plain.namespace(),
            plain.inputsJson(),
            plain.workDir(),
            null);
    try (EchoExecutor echo = new EchoExecutor(Duration.ZERO, Clock.systemUTC())) {
      CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
      echo.start(withRun, outcome::complete);

      assertThat(outcome.get(10, TimeUnit.SECONDS).summary())
          .isEqualTo("echo: goal 3 (run= not executed: this worker runs the echo executor)");
    }
  }

  @Test
  void echoCancelledBeforeItsDelayEndsAsCancelledOnce() throws Exception {
    try (EchoExecutor echo = new EchoExecutor(Duration.ofHours(1), Clock.systemUTC())) {
      List<Verdict> verdicts = new ArrayList<>();
      Executor.Execution execution = echo.start(job(1), outcome -> verdicts.add(outcome.verdict()));

      execution.cancel("test");
      execution.cancel("again");

      assertThat(verdicts).containsExactly(Verdict.CANCELLED);
    }
  }
}
