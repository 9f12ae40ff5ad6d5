package dev.spl.daemon.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.daemon.DaemonComponent;
import dev.spl.daemon.DaemonContext;
import dev.spl.daemon.FleetSettings;
import dev.spl.daemon.RecordClock;
import dev.spl.daemon.exec.ChildJob;
import dev.spl.daemon.exec.ChildOutcome;
import dev.spl.daemon.exec.Dispatcher;
import dev.spl.daemon.exec.EchoExecutor;
import dev.spl.daemon.exec.Executor;
import dev.spl.daemon.exec.ShellExecutor;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the children a coordinator spawns on this worker. A child INTEND appended here is queued on
 * the slot-limited dispatcher; its outcome becomes a {@code child_result} KNOW on the child's
 * thread and a {@code fanout_child_done} KNOW on the parent's thread, written together with the
 * outbox delivery that carries the latter to the coordinator. After a restart, every child without
 * a result runs again, so a crash loses no child and a finished child never runs twice.
 */
public final class WorkerRuntime implements DaemonComponent {
  static final String CHILD_RESULT = "child_result";
  static final String CANCEL = "fanout_cancel";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final long TICK_MILLIS = 200;
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  private final DaemonContext ctx;
  private final FleetSettings fleet;
  private final Path workRoot;
  private final Dispatcher dispatcher;
  private final RecordClock recordClock;
  private final ExecutorService events;
  private final ScheduledExecutorService ticks;
  private final HeartbeatSender heartbeats;
  private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();
  // Attempts (child thread:attempt) with a cancel the dispatcher could not act on because the
  // attempt had neither run nor finished yet (the event thread only). A newly stored INTEND can
  // have no result yet, so only these need their thread read when their INTEND comes.
  private final Set<String> cancelledBeforeIntent = new HashSet<>();
  // Attempts this worker is stopping because their namespace's hard freeze passed its grace: their
  // cancelled results are marked interrupted, so the coordinator runs them again after the unfreeze
  // instead of counting them as failed. Written by the tick, read by whichever thread reports.
  private final Set<String> stoppedByHardFreeze = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private volatile Thread eventThread;
  private volatile boolean closing;
  private Runnable unsubscribe;

  public WorkerRuntime(DaemonContext ctx) {
    this.ctx = ctx;
    this.fleet = ctx.config().fleet();
    this.workRoot = ctx.config().home().resolve("work");
    Executor executor =
        fleet.executor() == FleetSettings.ExecutorKind.SHELL
            ? new ShellExecutor(ctx.clock(), ctx.config().token())
            : new EchoExecutor(fleet.echoDelay(), ctx.clock());
    this.dispatcher = new Dispatcher(fleet.slots(), executor, ctx.clock());
    this.recordClock = ctx.recordClock();
    this.events =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = daemonThread("spl-worker").newThread(runnable);
              eventThread = thread;
              return thread;
            });
    this.ticks = Executors.newSingleThreadScheduledExecutor(daemonThread("spl-worker-tick"));
    this.heartbeats = new HeartbeatSender(ctx, dispatcher, recordClock);
  }

  @Override
  public void start() {
    dispatcher.hold(job -> isFrozen(ctx.control().get(), job.namespace()));
    unsubscribe =
        ctx.records()
            .subscribe(
                created -> {
                  // Only what handle() acts on is handed over: the worker's own results are not.
                  List<StoredRecord> relevant = created.stream().filter(this::concerns).toList();
                  if (!relevant.isEmpty()) {
                    events.execute(() -> handleAll(relevant));
                  }
                });
    events.execute(this::recover);
    ticks.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    heartbeats.start();
  }

  /** Active and free slots, for tests and status views. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  private void recover() {
    rememberEarlyCancels();
    long after = 0;
    int recovered = 0;
    while (true) {
      List<StoredRecord> page =
          ctx.records().query(new RecordQuery(null, FanoutRecords.CHILD, Act.INTEND, after, 1000));
      if (page.isEmpty()) {
        break;
      }
      for (StoredRecord stored : page) {
        if (handleChildIntent(stored, false)) {
          recovered++;
        }
      }
      after = page.get(page.size() - 1).seq();
    }
    flushReports();
    if (recovered > 0) {
      LOG.info("re-queued {} children that had no result when the worker stopped", recovered);
    }
  }

  private void handleAll(List<StoredRecord> created) {
    for (StoredRecord stored : created) {
      try {
        handle(stored);
      } catch (RuntimeException e) {
        LOG.error("could not handle record {} on the worker", stored.id(), e);
      }
    }
    // Children that finished while being queued (echo with no delay) are reported now, in one
    // write, without a hand-off.
    flushReports();
  }

  /** Finds stored cancels of attempts without a result: see {@link #cancelledBeforeIntent}. */
  private void rememberEarlyCancels() {
    long after = 0;
    while (true) {
      List<StoredRecord> page =
          ctx.records().query(new RecordQuery(null, CANCEL, Act.LEARN, after, 1000));
      if (page.isEmpty()) {
        return;
      }
      for (StoredRecord cancel : page) {
        rememberIfEarly(cancel.record());
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /**
   * Remembers a cancel unless its attempt already has a result (the usual case: a cancel for a
   * child that finished first). Its INTEND may be stored and still waiting on this thread's queue,
   * so whether the INTEND is stored does not matter.
   */
  private void rememberIfEarly(Record cancel) {
    int attempt = cancel.body().path("attempt").asInt(1);
    boolean finished =
        ctx
            .records()
            .query(
                new RecordQuery(cancel.thread(), CHILD_RESULT, Act.KNOW, 0, RecordQuery.MAX_LIMIT))
            .stream()
            .anyMatch(result -> result.record().body().path("attempt").asInt(1) == attempt);
    if (!finished) {
      cancelledBeforeIntent.add(cancel.thread() + ":" + attempt);
    }
  }

  private boolean concerns(StoredRecord stored) {
    Record record = stored.record();
    return ChildIntent.isChildIntent(stored)
        || (record.act() == Act.LEARN && CANCEL.equals(record.topic()))
        || ThreadIds.FLEET_CONTROL.equals(record.thread());
  }

  private void handle(StoredRecord stored) {
    Record record = stored.record();
    if (ChildIntent.isChildIntent(stored)) {
      handleChildIntent(stored, true);
    } else if (record.act() == Act.LEARN && CANCEL.equals(record.topic())) {
      int attempt = record.body().path("attempt").asInt(1);
      String key = record.thread() + ":" + attempt;
      if (!dispatcher.isKnown(key)) {
        rememberIfEarly(record);
      }
      dispatcher.cancel(key, record.body().path("reason").asText("cancelled"));
    } else if (ThreadIds.FLEET_CONTROL.equals(record.thread())) {
      // An unfreeze may release held children; a hard freeze is enforced by the tick.
      dispatcher.poke();
    }
  }

  /**
   * Queues the child unless this attempt already has a result or was cancelled; true when it was
   * queued. {@code justStored}: the INTEND was created by the append being handled, so no result of
   * its attempt can exist yet, and unless a cancel came first its thread need not be read.
   */
  private boolean handleChildIntent(StoredRecord stored, boolean justStored) {
    ChildIntent intent = ChildIntent.of(stored, workRoot);
    ChildJob job = intent.job();
    if (justStored && !cancelledBeforeIntent.contains(job.key())) {
      return dispatcher.submit(job, outcome -> report(intent, outcome));
    }
    List<StoredRecord> thread =
        ctx.records()
            .query(new RecordQuery(job.childThread(), null, null, 0, RecordQuery.MAX_LIMIT));
    for (StoredRecord other : thread) {
      ObjectNode body = other.record().body();
      boolean sameAttempt = body.path("attempt").asInt(1) == job.attempt();
      if (sameAttempt && CHILD_RESULT.equals(other.record().topic())) {
        return false;
      }
      if (sameAttempt && CANCEL.equals(other.record().topic())) {
        cancelledBeforeIntent.remove(job.key());
        long now = ctx.clock().millis();
        report(
            intent,
            new ChildOutcome(
                Verdict.CANCELLED,
                BigDecimal.ZERO,
                0,
                "cancelled before it started: " + body.path("reason").asText("cancelled"),
                null,
                now,
                now));
        return false;
      }
    }
    return dispatcher.submit(job, outcome -> report(intent, outcome));
  }

  /**
   * Queues the result of one attempt for the next report write. Outcomes arrive on executor threads
   * (or, for children that finish at once, on the worker's event thread); they are written in
   * batches by that one thread, so a burst of results costs one append and one delivery request,
   * not one per child.
   */
  private void report(ChildIntent intent, ChildOutcome outcome) {
    if (closing) {
      // The worker is stopping: this attempt has no result and runs again after the restart.
      return;
    }
    reports.add(reportOf(intent, outcome));
    if (Thread.currentThread() != eventThread && flushScheduled.compareAndSet(false, true)) {
      try {
        events.execute(this::flushReports);
      } catch (RejectedExecutionException e) {
        flushScheduled.set(false);
        LOG.warn("the worker stopped before the result of {} was recorded", intent.job().key());
      }
    }
  }

  /** The two records of one result and the delivery of its {@code fanout_child_done}. */
  private record Report(String key, Record result, Record done, OutboxEntry delivery) {}

  private Report reportOf(ChildIntent intent, ChildOutcome outcome) {
    ChildJob job = intent.job();
    String did = ctx.did();
    boolean stopped = stoppedByHardFreeze.remove(job.key());
    // A child that finished on its own just before the freeze stopped it keeps its verdict.
    String interruptedBy =
        stopped && outcome.verdict() == Verdict.CANCELLED
            ? FanoutRecords.INTERRUPTED_BY_HARD_FREEZE
            : null;
    ObjectNode result = Json.MAPPER.createObjectNode();
    result.put("topic", CHILD_RESULT);
    result.put("namespace", job.namespace());
    result.put("fulfills", job.intendId());
    result.put("attempt", job.attempt());
    result.put("verdict", outcome.verdict().wire());
    result.put("cost_usd", outcome.costUsd());
    result.put("wall_time_secs", BigDecimal.valueOf(outcome.wallTimeSecs()));
    result.put("summary", outcome.summary());
    if (outcome.exitCode() != null) {
      result.put("exit_code", outcome.exitCode());
    }
    if (interruptedBy != null) {
      result.put(FanoutRecords.INTERRUPTED_BY, interruptedBy);
    }
    Record resultRecord =
        new Record(
            job.childThread(), did, Act.KNOW, result, recordClock.next(), List.of(job.intendId()));
    ObjectNode done =
        FanoutRecords.childDoneBody(
            intent.fanout(),
            job.index(),
            job.attempt(),
            job.childThread(),
            did,
            outcome.verdict(),
            outcome.costUsd(),
            outcome.wallTimeSecs(),
            outcome.summary(),
            outcome.startedAtMillis(),
            outcome.finishedAtMillis(),
            interruptedBy);
    Record doneRecord =
        new Record(intent.fanout().thread(), did, Act.KNOW, done, recordClock.next(), List.of());
    String coordinator =
        intent.coordinator() != null ? intent.coordinator() : fleet.coordinatorUrl();
    return new Report(
        job.key(), resultRecord, doneRecord, new OutboxEntry(coordinator, doneRecord.id()));
  }

  /** Writes every queued report: all in one append, or each on its own if that append fails. */
  private void flushReports() {
    flushScheduled.set(false);
    List<Report> batch = new ArrayList<>();
    for (Report report = reports.poll(); report != null; report = reports.poll()) {
      batch.add(report);
    }
    if (batch.isEmpty()) {
      return;
    }
    // A finished attempt needs no cancel remembered: a later copy of its INTEND is a duplicate.
    batch.forEach(report -> cancelledBeforeIntent.remove(report.key()));
    try {
      appendReports(batch);
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        LOG.error("could not record the result of {}", batch.get(0).key(), e);
        return;
      }
      for (Report report : batch) {
        try {
          appendReports(List.of(report));
        } catch (RuntimeException single) {
          LOG.error("could not record the result of {}", report.key(), single);
        }
      }
    }
  }

  private void appendReports(List<Report> batch) {
    List<Record> records = new ArrayList<>(batch.size() * 2);
    List<OutboxEntry> deliveries = new ArrayList<>(batch.size());
    for (Report report : batch) {
      records.add(report.result());
      records.add(report.done());
      deliveries.add(report.delivery());
    }
    ctx.records().appendAll(records, deliveries);
  }

  private void tick() {
    try {
      ControlSnapshot control = ctx.control().get();
      long now = ctx.clock().millis();
      for (Freeze freeze : control.freezes().values()) {
        if (freeze.level() == FreezeLevel.HARD && freeze.isPastGrace(now)) {
          // Only running children are stopped: queued ones are already held by the freeze and
          // start after the unfreeze, so a re-spawn that arrives before the unfreeze waits too.
          for (String key :
              dispatcher.runningKeysWhere(job -> job.namespace().equals(freeze.namespace()))) {
            stoppedByHardFreeze.add(key);
            dispatcher.cancel(key, "hard freeze of '" + freeze.namespace() + "'");
          }
        }
      }
      dispatcher.poke();
    } catch (RuntimeException e) {
      LOG.error("worker tick failed", e);
    }
  }

  static boolean isFrozen(ControlSnapshot control, String namespace) {
    return control.emergency().active() || control.freezes().containsKey(namespace);
  }

  /**
   * Drains: tells the coordinator, lets running children finish for a short while, then stops what
   * is left without recording results (those children run again after a restart).
   */
  @Override
  public void close() {
    if (unsubscribe == null || closing) {
      return;
    }
    heartbeats.draining();
    dispatcher.hold(job -> true);
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    while (dispatcher.active() > 0 && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closing = true;
    unsubscribe.run();
    ticks.shutdownNow();
    dispatcher.close();
    events.shutdown();
    try {
      events.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    heartbeats.close();
  }

  static java.util.concurrent.ThreadFactory daemonThread(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
