package dev.spl.daemon.worker;

import dev.spl.core.Act;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.ChildOutput;
import dev.spl.core.fanout.ChildResult;
import dev.spl.core.fanout.CommandTemplate;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.worker.AttemptStanding;
import dev.spl.core.worker.WorkerAction;
import dev.spl.core.worker.WorkerFold;
import dev.spl.daemon.component.DaemonComponent;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.exec.ChildAccess;
import dev.spl.daemon.exec.ChildJob;
import dev.spl.daemon.exec.ChildOutcome;
import dev.spl.daemon.exec.Dispatcher;
import dev.spl.daemon.exec.EchoExecutor;
import dev.spl.daemon.exec.EchoOnRequest;
import dev.spl.daemon.exec.Executor;
import dev.spl.daemon.exec.ProcessGroups;
import dev.spl.daemon.exec.ShellExecutor;
import dev.spl.daemon.exec.SplShim;
import dev.spl.daemon.exec.WorktreeExecutor;
import dev.spl.daemon.records.RecordClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * Runs the children a coordinator spawns on this worker. What to run, hold, report or stop is
 * decided by core's {@link WorkerFold}; this class feeds it and carries out its actions: the
 * slot-limited dispatcher runs the attempts, and each outcome becomes a {@code child_result} KNOW
 * on the child's thread and a {@code fanout_child_done} KNOW on the parent's thread, written
 * together with the outbox delivery that carries the latter to the coordinator. On start, before
 * anything else, the child process groups a previous life left running are stopped ({@link
 * ProcessGroups}); then the stored INTENDs, cancels and results are replayed through the same fold,
 * so a crash loses no child and a finished child never runs twice. No attempt starts before the
 * coordinator has said it is still the child's current attempt on this worker ({@link
 * AttemptConfirmer}, the fold's fence): one that was reassigned or completed meanwhile is dropped.
 *
 * <p>The fold is used by one thread, {@code spl-worker}: records, finished attempts and the tick
 * are all handed to it.
 */
public final class WorkerRuntime implements DaemonComponent {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final long TICK_MILLIS = 200;
  private static final int REPLAY_PAGE = 1000;
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** The folder under the worker's home that holds one folder per child. */
  static final String WORK_FOLDER = "work";

  private final DaemonContext ctx;
  private final FleetSettings fleet;
  private final Path workRoot;
  private final ProcessGroups processGroups;
  private final Dispatcher dispatcher;
  private WorktreeExecutor worktrees;
  // The executor whose children may call back with their credential; null on an echo worker.
  private ShellExecutor shellExecutor;
  private final RecordClock recordClock;
  private final ExecutorService events;
  private final ScheduledExecutorService ticks;
  private final HeartbeatSender heartbeats;
  private final AttemptConfirmer confirmer;
  private final WorkerFold fold = new WorkerFold();
  // INTEND id -> when its coordinator confirmed it with its delivery, until the fold applies it.
  private final ConcurrentHashMap<String, Long> deliveredConfirmations = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean settleScheduled = new AtomicBoolean();
  private volatile Thread eventThread;
  private volatile boolean draining;
  private volatile boolean closing;
  private volatile int waiting;
  private Runnable unsubscribe;

  /** An attempt the fold started or reported cancelled, with what its result needs. */
  private record Attempt(String key, String childThread, String intendId, ChildIntent intent) {}

  /** An attempt that ended, waiting to be recorded. */
  private record Finished(Attempt attempt, ChildOutcome outcome) {}

  public WorkerRuntime(DaemonContext ctx) {
    this.ctx = ctx;
    this.fleet = ctx.config().fleet();
    this.workRoot = ctx.config().home().resolve(WORK_FOLDER);
    this.processGroups = ProcessGroups.in(ctx.config().home());
    ChildAccess access =
        ChildAccess.signedBy(
            ctx.trust().key(),
            fleet.coordinatorUrl(),
            fleet.executor() == FleetSettings.ExecutorKind.ECHO
                ? null
                : SplShim.install(ctx.config().home(), ctx.url()));
    Executor executor =
        switch (fleet.executor()) {
          case SHELL -> {
            // A subtask may ask for a worktree of the worker's repository (workspace=worktree).
            worktrees =
                WorktreeExecutor.onRequest(
                    ctx.clock(),
                    fleet.repo() == null ? null : Path.of(fleet.repo()),
                    ctx.config().home(),
                    shell(access));
            yield worktrees;
          }
          case COMMAND ->
              shellExecutor =
                  new ShellExecutor(
                      ctx.clock(),
                      ctx.config().token(),
                      processGroups,
                      CommandTemplate.parse("command template", fleet.commandTemplate()),
                      access);
          case WORKTREE -> {
            if (fleet.repo() == null) {
              throw new IllegalArgumentException(
                  "a worktree worker needs its git repository (--repo PATH)");
            }
            worktrees =
                new WorktreeExecutor(
                    ctx.clock(), Path.of(fleet.repo()), ctx.config().home(), shell(access));
            yield worktrees;
          }
          case ECHO -> null;
        };
    EchoExecutor echo = new EchoExecutor(fleet.echoDelay(), ctx.config().echoMode(), ctx.clock());
    // Every executor runs a child that asked for the echo executor (executor=echo) through it.
    this.dispatcher =
        new Dispatcher(
            fleet.slots(),
            fleet.executor() == FleetSettings.ExecutorKind.ECHO
                ? echo
                : new EchoOnRequest(echo, executor),
            ctx.clock());
    this.recordClock = ctx.recordClock();
    this.events =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = daemonThread("spl-worker").newThread(runnable);
              eventThread = thread;
              return thread;
            });
    this.ticks = Executors.newSingleThreadScheduledExecutor(daemonThread("spl-worker-tick"));
    this.heartbeats = new HeartbeatSender(ctx, dispatcher);
    this.confirmer =
        new AttemptConfirmer(
            ctx.did(),
            ctx.startedAtMillis(),
            ctx.config().token(),
            fleet.coordinatorUrl(),
            ctx.tlsTrust());
  }

  @Override
  public void start() {
    // Children of a previous life that outlived it are stopped before anything runs again.
    int leftovers = processGroups.stopLeftovers(ProcessGroups.STOP_GRACE);
    if (leftovers > 0) {
      LOG.warn("stopped {} child process group(s) left by the worker's previous run", leftovers);
    }
    if (worktrees != null) {
      int worktreesLeft = worktrees.removeLeftovers();
      if (worktreesLeft > 0) {
        LOG.warn("removed {} worktree(s) left by the worker's previous run", worktreesLeft);
      }
    }
    // Told as soon as a record is readable, before its fsync: the confirmation and the start of an
    // attempt overlap it, and the attempt's result is a later write to the same log.
    unsubscribe =
        ctx.records()
            .subscribeWritten(
                (created, appender) -> {
                  // The worker's own results are applied by the thread that writes them.
                  if (appender == eventThread) {
                    return;
                  }
                  List<StoredRecord> relevant =
                      created.stream().filter(WorkerRuntime::concerns).toList();
                  if (!relevant.isEmpty()) {
                    events.execute(() -> applyAll(relevant));
                  }
                });
    events.execute(this::recover);
    ticks.scheduleWithFixedDelay(
        () -> {
          try {
            events.execute(this::settle);
          } catch (RejectedExecutionException stopping) {
            // The worker is closing.
          }
        },
        TICK_MILLIS,
        TICK_MILLIS,
        TimeUnit.MILLISECONDS);
    heartbeats.start();
  }

  private ShellExecutor shell(ChildAccess access) {
    shellExecutor =
        new ShellExecutor(ctx.clock(), ctx.config().token(), processGroups, null, access);
    return shellExecutor;
  }

  /**
   * Why {@code credential} does not let a child run {@code spl} in this worker, or null when it
   * does: this worker must have issued it (its DID, signed with its key) for an attempt that runs
   * here now.
   */
  public String childCredentialProblem(ChildCredential credential) {
    if (!credential.worker().equals(ctx.did())
        || !credential.isSignedBy(ctx.trust().key().publicKey())) {
      return "the child credential was not issued by this worker";
    }
    if (shellExecutor == null
        || !shellExecutor.runs(credential.childThread(), credential.attempt())) {
      return credential.describe() + " does not run on this worker now";
    }
    return null;
  }

  /** Active and free slots, for tests and status views. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /**
   * How many attempts this worker has asked the attempt fence about since it started: none for
   * those its coordinator confirmed with their delivery and that started within the confirmation's
   * age.
   */
  public long attemptsAsked() {
    return confirmer.attemptsAsked();
  }

  /** Attempts received that have not started (held, or waiting for a slot), as last decided. */
  public int waiting() {
    return waiting;
  }

  private static boolean concerns(StoredRecord stored) {
    Record record = stored.record();
    String topic = record.topic();
    return (record.act() == Act.INTEND && FanoutRecords.CHILD.equals(topic))
        || (record.act() == Act.LEARN && FanoutRecords.CANCEL.equals(topic))
        || (record.act() == Act.KNOW && FanoutRecords.CHILD_RESULT.equals(topic))
        || ThreadIds.FLEET_CONTROL.equals(record.thread())
        || ThreadIds.ENGINE_CONFIG.equals(record.thread());
  }

  /** Replays the stored results, cancels and INTENDs through the fold, then acts. */
  private void recover() {
    replay(FanoutRecords.CHILD_RESULT, Act.KNOW);
    replay(FanoutRecords.CANCEL, Act.LEARN);
    replay(FanoutRecords.CHILD, Act.INTEND);
    int recovered = fold.waitingCount();
    settle();
    if (recovered > 0) {
      LOG.info("re-queued {} children that had no result when the worker stopped", recovered);
    }
    fold.skippedRecords().forEach(skipped -> LOG.warn("skipped a child record: {}", skipped));
  }

  private void replay(String topic, Act act) {
    long after = 0;
    while (true) {
      List<StoredRecord> page =
          ctx.records().query(new RecordQuery(null, topic, act, after, REPLAY_PAGE));
      if (page.isEmpty()) {
        return;
      }
      page.forEach(this::applyOne);
      after = page.get(page.size() - 1).seq();
    }
  }

  private void applyAll(List<StoredRecord> created) {
    int skippedBefore = fold.skippedRecords().size();
    created.forEach(this::applyOne);
    fold.skippedRecords().stream()
        .skip(skippedBefore)
        .forEach(skipped -> LOG.warn("skipped a child record: {}", skipped));
    settle();
  }

  /**
   * The INTENDs of a delivery whose coordinator confirmed their attempts for this worker's life
   * {@code workerStartedAt}, {@code ageMillis} before it sent them ({@link
   * dev.spl.core.auth.DeliveryConfirmation}, checked by the route), told before they are appended:
   * the fold takes each as confirmed that long ago when it applies it as new. A confirmation for an
   * earlier life of this worker, or one already too old to start on, counts for nothing.
   */
  public void confirmedOnDelivery(Set<String> intendIds, long workerStartedAt, long ageMillis) {
    if (workerStartedAt != ctx.startedAtMillis()
        || intendIds.isEmpty()
        || ageMillis > WorkerFold.CONFIRMATION_MAX_AGE_MILLIS) {
      return;
    }
    long confirmedAt = ctx.clock().millis() - ageMillis;
    for (String id : intendIds) {
      deliveredConfirmations.put(id, confirmedAt);
    }
  }

  /**
   * Forgets delivered confirmations no INTEND took (it was a duplicate, or its append failed) once
   * they are too old to start on anyway.
   */
  private void forgetStaleConfirmations() {
    if (deliveredConfirmations.isEmpty()) {
      return;
    }
    long oldest = ctx.clock().millis() - WorkerFold.CONFIRMATION_MAX_AGE_MILLIS;
    deliveredConfirmations.values().removeIf(at -> at < oldest);
  }

  private void applyOne(StoredRecord stored) {
    try {
      Long confirmedAt =
          deliveredConfirmations.isEmpty() ? null : deliveredConfirmations.remove(stored.id());
      if (confirmedAt == null) {
        fold.apply(stored);
      } else {
        fold.applyDelivered(stored, confirmedAt);
      }
    } catch (RuntimeException e) {
      LOG.error("could not fold record {} on the worker", stored.id(), e);
    }
  }

  /**
   * Records what finished, then carries out the fold's decisions until it has nothing more to do
   * now (an attempt that ends inside its start frees its slot at once), then records what finished
   * meanwhile: one write for a burst of children that finished together.
   */
  private void settle() {
    settleScheduled.set(false);
    forgetStaleConfirmations();
    try {
      flushFinished();
      decideAndAct();
      flushFinished();
    } catch (RuntimeException e) {
      LOG.error("the worker's pass failed; the next one tries again", e);
    }
    waiting = fold.waitingCount();
  }

  private void decideAndAct() {
    while (!closing) {
      List<WorkerAction> actions =
          fold.decide(
              ctx.clock().millis(),
              ctx.control().get(),
              ctx.spawnPolicy(),
              draining ? 0 : dispatcher.freeSlots());
      boolean started = false;
      List<WorkerAction.Confirm> confirms = new ArrayList<>();
      for (WorkerAction action : actions) {
        if (action instanceof WorkerAction.Confirm confirm) {
          confirms.add(confirm);
        } else if (action instanceof WorkerAction.Start start) {
          Attempt attempt =
              new Attempt(start.key(), start.childThread(), start.intendId(), start.intent());
          dispatcher.submit(jobOf(attempt), outcome -> finished(attempt, outcome));
          started = true;
        } else if (action instanceof WorkerAction.ReportCancelled cancelled) {
          finished(
              new Attempt(
                  cancelled.key(),
                  cancelled.childThread(),
                  cancelled.intendId(),
                  cancelled.intent()),
              ChildOutcome.cancelledBeforeItStarted(cancelled.reason(), ctx.clock().millis()));
        } else if (action instanceof WorkerAction.Stop stop) {
          dispatcher.cancel(stop.key(), stop.reason());
        }
      }
      if (!confirms.isEmpty()) {
        confirmer.ask(confirms, answers -> onEvents(() -> answered(answers)));
      }
      if (!started) {
        return;
      }
    }
  }

  /** The coordinator's answers about attempts the fold asked to confirm: the fence's input. */
  private void answered(AttemptConfirmer.Answers answers) {
    long now = ctx.clock().millis();
    answers
        .standings()
        .forEach(
            (key, standing) -> {
              if (fold.answer(key, standing, now)
                  && (standing == AttemptStanding.SUPERSEDED || standing == AttemptStanding.DONE)) {
                LOG.info("not running {}: the coordinator says it is {}", key, standing.wire());
              }
            });
    answers.unanswered().forEach(key -> fold.unanswered(key, now));
    settle();
  }

  private void onEvents(Runnable task) {
    try {
      events.execute(task);
    } catch (RejectedExecutionException closing) {
      // The worker is closing: nothing more starts.
    }
  }

  private ChildJob jobOf(Attempt attempt) {
    ChildIntent intent = attempt.intent();
    Long timeout = intent.timeoutSecs();
    return new ChildJob(
        attempt.childThread(),
        attempt.intendId(),
        intent.attempt(),
        intent.goal(),
        intent.budget(),
        timeout == null ? null : (int) Math.min(timeout, Integer.MAX_VALUE),
        intent.run(),
        intent.fanout(),
        intent.parentThread(),
        intent.index(),
        intent.namespace(),
        // Most children have no inputs: their JSON is known without writing it.
        intent.inputs().isEmpty() ? "[]" : intent.inputsJson().toString(),
        workDir(workRoot, attempt.childThread(), intent.index()),
        intent.hint(),
        ChildJob.Shard.of(intent),
        intent.fanin() == null ? null : dev.spl.core.CanonicalJson.string(intent.fanin()),
        intent.worktree(),
        null,
        intent.executor());
  }

  /**
   * The folder a child runs in: under the worker's {@code work/}, named by the first 16 hex digits
   * of its thread and its index, so each child of each fan-out has its own.
   */
  static Path workDir(Path workRoot, String childThread, int index) {
    return workRoot.resolve(childThread.substring(3, 19) + "-" + index);
  }

  /**
   * Queues the outcome of one attempt for the next write. Outcomes arrive on executor threads (or,
   * for children that end at once, on the worker's own thread); they are written in batches by that
   * one thread, so a burst of results costs one append and one delivery request, not one per child.
   */
  private void finished(Attempt attempt, ChildOutcome outcome) {
    if (closing) {
      // The worker is stopping: this attempt has no result and runs again after the restart.
      return;
    }
    finished.add(new Finished(attempt, outcome));
    if (Thread.currentThread() == eventThread) {
      // Finished as it started (an executor that needs no thread): the pass that started it goes
      // on, and may start the next attempt its fan-out's limit held back.
      fold.runEnded(attempt.key());
    } else if (settleScheduled.compareAndSet(false, true)) {
      try {
        events.execute(this::settle);
      } catch (RejectedExecutionException e) {
        settleScheduled.set(false);
        LOG.warn("the worker stopped before the result of {} was recorded", attempt.key());
      }
    }
  }

  /** The two records of one result and the delivery of its {@code fanout_child_done}. */
  private record Report(String key, Record result, Record done, OutboxEntry delivery) {}

  private Report reportOf(Finished ended) {
    Attempt attempt = ended.attempt();
    ChildOutcome outcome = ended.outcome();
    ChildIntent intent = attempt.intent();
    String did = ctx.did();
    String interruptedBy = fold.interruptionOf(attempt.key(), outcome.verdict());
    ChildOutput output = outcome.output().withWorker(did);
    ChildResult result =
        new ChildResult(
            intent.namespace(),
            attempt.intendId(),
            intent.attempt(),
            outcome.verdict(),
            outcome.costUsd(),
            outcome.wallTimeSecs(),
            outcome.summary(),
            outcome.exitCode(),
            interruptedBy,
            outcome.value(),
            output);
    Record resultRecord =
        new Record(
            attempt.childThread(),
            did,
            Act.KNOW,
            result.toBody(),
            recordClock.next(),
            List.of(attempt.intendId()));
    ChildDone done =
        new ChildDone(
            intent.namespace(),
            intent.fanout(),
            intent.index(),
            intent.attempt(),
            attempt.childThread(),
            did,
            outcome.verdict(),
            outcome.costUsd(),
            outcome.wallTimeSecs(),
            outcome.summary(),
            outcome.startedAtMillis(),
            outcome.finishedAtMillis(),
            interruptedBy,
            outcome.exitCode(),
            outcome.value(),
            output);
    Record doneRecord =
        new Record(
            intent.parentThread(), did, Act.KNOW, done.toBody(), recordClock.next(), List.of());
    String coordinator =
        intent.coordinator() != null ? intent.coordinator() : fleet.coordinatorUrl();
    return new Report(
        attempt.key(), resultRecord, doneRecord, new OutboxEntry(coordinator, doneRecord.id()));
  }

  /** Writes every finished attempt: all in one append, or each on its own if that append fails. */
  private void flushFinished() {
    List<Report> batch = new ArrayList<>();
    for (Finished ended = finished.poll(); ended != null; ended = finished.poll()) {
      batch.add(reportOf(ended));
    }
    if (batch.isEmpty()) {
      return;
    }
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
    // The fold learns of its own results from what was written, not by parsing them back.
    for (Report report : batch) {
      fold.resultRecorded(report.key());
    }
  }

  /**
   * Drains: tells the coordinator, starts nothing more, lets running children finish for a short
   * while, then stops what is left without recording results (those children run again after a
   * restart).
   */
  @Override
  public void close() {
    if (unsubscribe == null || closing) {
      return;
    }
    heartbeats.draining();
    draining = true;
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
    confirmer.close();
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
