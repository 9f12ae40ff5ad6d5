package dev.spl.daemon.exec;

import dev.spl.core.fanout.Verdict;
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
import java.util.function.Consumer;

/**
 * Completes every child with a synthetic accepted result after a fixed delay, at no cost: the mode
 * smoke tests and demos use, where the shape of a fan-out matters and the work does not. The
 * summary echoes the goal, the hint of a retried attempt, and says that a {@code run} command was
 * not executed. With a delay of zero the outcome is delivered inside {@link #start}, on the
 * caller's thread.
 */
public final class EchoExecutor implements Executor {
  /**
   * Added to the summary of a child that has a command: an echo worker never runs it, and says so
   * rather than pass for a child that ran.
   */
  static final String NOT_RUN = " (run= not executed: this worker runs the echo executor)";

  private final Duration delay;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Set<EchoRun> running = ConcurrentHashMap.newKeySet();

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
    EchoRun run = new EchoRun(job, onDone, clock.millis());
    if (delay.isZero()) {
      // Nothing to wait for: finishing here spares a hand-off to the timer thread per child.
      run.finish(Verdict.ACCEPT);
      return run;
    }
    // Registered before it is scheduled: with no delay the timer may finish it at once.
    running.add(run);
    run.pending =
        timer.schedule(() -> run.finish(Verdict.ACCEPT), delay.toNanos(), TimeUnit.NANOSECONDS);
    return run;
  }

  @Override
  public void close() {
    running.forEach(run -> run.cancel("executor closed"));
    timer.shutdownNow();
  }

  /**
   * One echo attempt; its outcome is delivered once, whichever of finish and cancel comes first.
   */
  private final class EchoRun implements Execution {
    private final ChildJob job;
    private final Consumer<ChildOutcome> onDone;
    private final long startedAt;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile ScheduledFuture<?> pending;

    EchoRun(ChildJob job, Consumer<ChildOutcome> onDone, long startedAt) {
      this.job = job;
      this.onDone = onDone;
      this.startedAt = startedAt;
    }

    @Override
    public void cancel(String reason) {
      ScheduledFuture<?> scheduled = pending;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
      finish(Verdict.CANCELLED);
    }

    void finish(Verdict verdict) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      running.remove(this);
      long finishedAt = clock.millis();
      String summary =
          verdict == Verdict.ACCEPT
              ? "echo: "
                  + job.goal()
                  + (job.hint() == null ? "" : " (hint: " + job.hint() + ")")
                  + (job.run() == null || job.run().isEmpty() ? "" : NOT_RUN)
              : "cancelled: " + job.goal();
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
  }
}
