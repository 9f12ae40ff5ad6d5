package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.fanout.ChildOutput;
import dev.spl.core.fanout.Verdict;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 *
 * <p>In {@link Mode#COMPUTE} each child also does real work on its slice and reports the result as
 * its {@code value}: the sum of its range points (a listed subtask's slice is its index), the sum
 * of its items when they are all numbers, else the SHA-256 of their canonical JSON lines.
 */
public final class EchoExecutor implements Executor {
  /**
   * Added to the summary of a child that has a command: an echo worker never runs it, and says so
   * rather than pass for a child that ran.
   */
  static final String NOT_RUN = " (run= not executed: this worker runs the echo executor)";

  /** What an echo child does besides echoing. */
  public enum Mode {
    /** Nothing: it echoes its goal. */
    PLAIN("plain"),
    /** It computes a value over its slice ({@link Compute}). */
    COMPUTE("compute");

    private final String wire;

    Mode(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    /** The mode with this name, or null. */
    public static Mode fromWire(String text) {
      for (Mode mode : values()) {
        if (mode.wire.equals(text)) {
          return mode;
        }
      }
      return null;
    }
  }

  private final Duration delay;
  private final Mode mode;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Set<EchoRun> running = ConcurrentHashMap.newKeySet();

  public EchoExecutor(Duration delay, Clock clock) {
    this(delay, Mode.PLAIN, clock);
  }

  public EchoExecutor(Duration delay, Mode mode, Clock clock) {
    this.mode = java.util.Objects.requireNonNull(mode, "mode");
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
      String summary =
          verdict == Verdict.ACCEPT
              ? "echo: "
                  + job.goal()
                  + (job.hint() == null ? "" : " (hint: " + job.hint() + ")")
                  + (job.run() == null || job.run().isEmpty() ? "" : NOT_RUN)
              : "cancelled: " + job.goal();
      Compute.Result computed = null;
      if (verdict == Verdict.ACCEPT && mode == Mode.COMPUTE) {
        computed = Compute.of(job.shard());
        summary =
            "compute: "
                + computed.description()
                + (job.run() == null || job.run().isEmpty() ? "" : NOT_RUN);
      }
      long finishedAt = clock.millis();
      onDone.accept(
          new ChildOutcome(
              verdict,
              BigDecimal.ZERO,
              (finishedAt - startedAt) / 1000.0,
              summary,
              null,
              startedAt,
              finishedAt,
              computed == null ? null : computed.value(),
              verdict == Verdict.ACCEPT
                  ? new ChildOutput(resultOf(job.shard(), computed), List.of())
                  : ChildOutput.NONE));
    }
  }

  /**
   * An echo child's result: {@code index} (its first item position or range point, a listed
   * subtask's index), its {@code item} when it has one item or point, else {@code count}, and in
   * compute mode the computed {@code value}.
   */
  static ObjectNode resultOf(ChildJob.Shard shard, Compute.Result computed) {
    ObjectNode result = Json.MAPPER.createObjectNode();
    result.put("index", shard.iterFrom());
    long count = shard.iterTo() - shard.iterFrom();
    if (shard.loop() != null && count == 1) {
      result.set(
          "item",
          shard.items() == null ? LongNode.valueOf(shard.iterFrom()) : shard.items().get(0));
    } else if (shard.loop() != null) {
      result.put("count", count);
    }
    if (computed != null) {
      result.set("value", computed.value());
    }
    return result;
  }
}
