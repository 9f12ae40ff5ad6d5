package dev.spl.daemon.exec;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Completes every child with a synthetic accepted result after a fixed delay, at no cost: the mode
 * smoke tests and demos use, where the shape of a fan-out matters and the work does not.
 */
public final class EchoExecutor implements Executor {
  private final Duration delay;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Set<Execution> running = ConcurrentHashMap.newKeySet();

  public EchoExecutor(Duration delay, Clock clock) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("echo delay: expected >= 0 but found " + delay);
    }
    this.delay = delay;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "spl-echo-executor");
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
    long startedAt = clock.millis();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Execution> self = new AtomicReference<>();
    Consumer<Verdict> finish =
        verdict -> {
          if (done.compareAndSet(false, true)) {
            running.remove(self.get());
            long finishedAt = clock.millis();
            String summary =
                verdict == Verdict.ACCEPT ? "echo: " + job.goal() : "cancelled: " + job.goal();
            onDone.accept(
                new ChildOutcome(
                    verdict,
                    BigDecimal.ZERO,
                    (finishedAt - startedAt) / 1000.0,
                    summary,
                    null,
                    startedAt,
                    finishedAt));
          }
        };
    ScheduledFuture<?> pending =
        timer.schedule(() -> finish.accept(Verdict.ACCEPT), delay.toNanos(), TimeUnit.NANOSECONDS);
    Execution execution =
        reason -> {
          pending.cancel(false);
          finish.accept(Verdict.CANCELLED);
        };
    self.set(execution);
    running.add(execution);
    if (done.get()) {
      running.remove(execution);
    }
    return execution;
  }

  @Override
  public void close() {
    running.forEach(execution -> execution.cancel("executor closed"));
    timer.shutdownNow();
  }
}
