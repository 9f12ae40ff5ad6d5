package dev.spl.daemon.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.join.CelJoinCompiler;
import dev.spl.core.Act;
import dev.spl.core.AppendResult;
import dev.spl.core.HashedRecord;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildCancel;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fleet.Health;
import dev.spl.daemon.component.DaemonComponent;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.fleet.ControlDeliveries;
import dev.spl.daemon.fleet.FleetRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's loop: one thread that folds the log into fan-out states ({@link Fanouts}),
 * decides, and appends the decided records together with their outbox deliveries in one atomic
 * write per pass. It is fed by the record service's listener and by a tick; on start it replays the
 * whole log through the same code as live records, so a restarted coordinator resumes every fan-out
 * and spawns nothing twice.
 *
 * <p>The tick also keeps the registry current: the coordinator's own heartbeat every interval and
 * {@code instance_transition} records when an instance changes status. Control records (freezes,
 * emergency stops, permission rules) appended here are sent on to every reachable worker.
 */
public final class Reconciler implements DaemonComponent {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  static final long TICK_MILLIS = 200;

  /** Builds the join and routing compilers now, so the first fan-out does not wait for them. */
  public void prepareCompilers() {
    compiler.prepare();
  }

  /** A wait that overran by less than this is load, not a coordinator that did not run. */
  private static final long MIN_STOPPED_MILLIS = 1_000;

  private static final int MAX_PASSES_PER_ROUND = 16;
  private static final Object STOP = new Object();
  // Put on the queue after a read of readFirst, so that an idle loop wakes for it.
  private static final Object READ_FIRST = new Object();

  private final DaemonContext ctx;
  private final FleetRegistry fleet;
  private volatile SpawnConfirmations confirmations;
  private final SpawnPolicy policy;
  private final ControlDeliveries control;
  private final Fanouts fanouts;
  private final JoinCompiler compiler;
  private final long leaseMillis;
  private final long heartbeatMillis;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<Runnable> readsFirst = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final MergeRunner merges;
  private volatile boolean running;
  private volatile boolean replayed;
  private Runnable unsubscribe = () -> {};
  private long replayedUpTo;
  private long lastSelfBeat = Long.MIN_VALUE;
  // What the last round logged, so a hold or a failing write is logged when it starts or changes.
  private Map<String, String> holdsLogged = Map.of();
  private Map<String, Map<String, String>> failuresLogged = Map.of();

  private volatile long foldedSeq;

  public Reconciler(DaemonContext ctx, FleetRegistry fleet) {
    this(ctx, fleet, new CelJoinCompiler());
  }

  Reconciler(DaemonContext ctx, FleetRegistry fleet, JoinCompiler compiler) {
    this.ctx = ctx;
    this.fleet = fleet;
    this.policy = ctx.spawnPolicy();
    this.compiler = compiler;
    this.control = new ControlDeliveries(ctx.records());
    this.fanouts =
        new Fanouts(
            compiler, new StoreFanoutLog(ctx.records().store()), ctx.config().maxChildren());
    this.leaseMillis = ctx.config().fleet().lease().toMillis();
    this.heartbeatMillis = ctx.config().fleet().heartbeatInterval().toMillis();
    this.merges = new MergeRunner(ctx);
    this.thread = new Thread(this::run, "spl-reconciler");
    this.thread.setDaemon(true);
  }

  @Override
  public void start() {
    running = true;
    // Subscribe before the replay reads the log: records appended meanwhile wait in the queue and
    // those the replay already saw are skipped by seq.
    // Told as soon as a record is readable: the fold's reaction overlaps the append's fsync, and
    // all it does with the record is a later write to the same log or an answer to a reader.
    unsubscribe = ctx.records().subscribeWritten(this::enqueue);
    thread.start();
  }

  private void enqueue(List<StoredRecord> appended, Thread appender) {
    // The loop applies what it appends itself right away (the fold's contract), so it ignores the
    // notification of its own appends.
    if (appender != thread) {
      queue.add(appended);
    }
  }

  /**
   * When this loop was created; a restarted coordinator has another, so readers of fan-out versions
   * ({@link FanoutReads}) know to start over.
   */
  /**
   * The highest seq the fold has taken: the metrics' reconciler lag is the log's last seq minus it.
   */
  public long foldedSeq() {
    return foldedSeq;
  }

  public long epoch() {
    return ctx.startedAtMillis();
  }

  /** Whether the start-up replay of the log has finished. */
  public boolean replayed() {
    return replayed;
  }

  private void run() {
    try {
      replay();
    } catch (RuntimeException e) {
      LOG.error("replaying the log failed part-way; continuing with what was folded", e);
    }
    replayed = true;
    guarded("the coordinator's heartbeat", () -> beatSelf(Health.HEALTHY));
    // A control record appended just before a crash may never have been sent on: send them all
    // again (a no-op where they already are).
    guarded(
        "re-sending control records", () -> control.sendAllTo(fleet.reachableWorkerEndpoints()));
    // Ticks come on real time; what a tick decides reads the daemon's clock.
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    long nextTick = System.nanoTime() + tickNanos;
    while (running) {
      List<StoredRecord> appended = new ArrayList<>();
      List<Runnable> tasks = new ArrayList<>();
      try {
        long waitNanos = Math.max(0, nextTick - System.nanoTime());
        long waitFrom = System.nanoTime();
        Object first = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
        noticeIfItDidNotRun(System.nanoTime() - waitFrom - waitNanos);
        if (first == STOP) {
          break;
        }
        List<Object> items = new ArrayList<>();
        if (first != null) {
          items.add(first);
          queue.drainTo(items);
        }
        for (Object item : items) {
          if (item instanceof List<?> list) {
            list.forEach(r -> appended.add((StoredRecord) r));
          } else if (item instanceof Runnable task) {
            tasks.add(task);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      boolean changed = applyLive(appended);
      answerReadsFirst();
      boolean tick = System.nanoTime() - nextTick >= 0;
      if (tick) {
        nextTick = System.nanoTime() + tickNanos;
        guarded("the registry tick", this::tick);
      }
      if (changed || tick) {
        guarded("deciding fan-outs", this::decideRound);
      }
      for (Runnable task : tasks) {
        guarded("a status request", task);
      }
    }
  }

  /**
   * Real time, not the daemon's clock: a wait for work that ended much later than asked means the
   * coordinator did not run (a paused process or container, a suspended machine), so it could not
   * hear or answer anyone, and the workers' silence in that stretch is not theirs. Checked before
   * anything is decided on what the stretch looks like.
   */
  private void noticeIfItDidNotRun(long overslept) {
    if (overslept > TimeUnit.MILLISECONDS.toNanos(Math.max(heartbeatMillis, MIN_STOPPED_MILLIS))) {
      LOG.info(
          "the coordinator did not run for {} ms; workers' silence counts again from now",
          TimeUnit.NANOSECONDS.toMillis(overslept));
      fleet.resumedListening();
    }
  }

  private void replay() {
    long after = 0;
    long applied = 0;
    while (true) {
      List<StoredRecord> page = ctx.records().query(RecordQuery.all(after, RecordQuery.MAX_LIMIT));
      if (page.isEmpty()) {
        break;
      }
      for (StoredRecord stored : page) {
        applyOne(stored);
      }
      applied += page.size();
      after = page.get(page.size() - 1).seq();
    }
    replayedUpTo = after;
    foldedSeq = after;
    LOG.info(
        "replayed {} records: {} fan-outs, {} open",
        applied,
        fanouts.all().size(),
        fanouts.openCount());
  }

  private boolean applyLive(List<StoredRecord> appended) {
    if (appended.isEmpty()) {
      return false;
    }
    appended.sort(Comparator.comparingLong(StoredRecord::seq));
    boolean changed = false;
    List<String> fleetWide = new ArrayList<>();
    for (StoredRecord stored : appended) {
      if (stored.seq() <= replayedUpTo) {
        continue;
      }
      changed |= applyOne(stored);
      foldedSeq = Math.max(foldedSeq, stored.seq());
      if (ControlDeliveries.isFleetWide(stored.record())) {
        fleetWide.add(stored.id());
      }
    }
    if (!fleetWide.isEmpty()) {
      guarded(
          "sending control records to workers",
          () -> control.send(fleetWide, fleet.reachableWorkerEndpoints()));
    }
    return changed;
  }

  private boolean applyOne(StoredRecord stored) {
    try {
      long skipped = fanouts.skippedCount();
      boolean changed = fanouts.apply(stored);
      if (fanouts.skippedCount() > skipped) {
        LOG.warn("a fan-out record is malformed and changes nothing: {}", fanouts.lastSkipped());
      }
      return changed;
    } catch (RuntimeException e) {
      LOG.error("folding record {} failed; it is skipped", stored.id(), e);
      return false;
    }
  }

  private void tick() {
    long now = ctx.clock().millis();
    if (now - lastSelfBeat >= heartbeatMillis) {
      beatSelf(Health.HEALTHY);
    }
    fleet.recordTransitions(ctx.did(), ctx.recordClock());
  }

  /** The coordinator lists itself in its registry: no slots, as it runs no children. */
  private void beatSelf(Health health) {
    lastSelfBeat = ctx.clock().millis();
    fleet.receiveOwn(ctx.heartbeat(health, 0, 0, 0));
  }

  /**
   * Decides and carries out until the fan-outs have nothing more to do right now. Spawns the spawn
   * policy holds write nothing; a decision whose write fails is left out of the rest of the round
   * and decided again on the next one.
   */
  private void decideRound() {
    Map<String, Map<String, String>> failed = new LinkedHashMap<>();
    Map<String, String> held = new LinkedHashMap<>();
    for (int pass = 0; pass < MAX_PASSES_PER_ROUND; pass++) {
      if (pass > 0) {
        answerReadsFirst();
      }
      WorkerDirectory directory = fleet.directory(ctx.url(), leaseMillis);
      List<FanoutAction> actions = new ArrayList<>();
      for (FanoutAction action : fanouts.decide(ctx.clock().millis(), directory, policy)) {
        if (action instanceof FanoutAction.Hold hold) {
          held.putIfAbsent(hold.fanout().id(), hold.refusal());
        } else if (action instanceof FanoutAction.Merge merge) {
          merges.submit(merge.job());
        } else if (!failed.containsKey(action.fanout().id())
            || !failed.get(action.fanout().id()).containsKey(keyOf(action))) {
          actions.add(action);
        }
      }
      if (actions.isEmpty() || !carryOut(actions, failed)) {
        break;
      }
    }
    logHolds(held);
    logFailures(failed);
  }

  /**
   * Logs a fan-out's held spawns when they start being held or the reason changes, not per tick.
   */
  private void logHolds(Map<String, String> held) {
    for (var entry : held.entrySet()) {
      if (!entry.getValue().equals(holdsLogged.get(entry.getKey()))) {
        LOG.info(
            "fan-out {}: spawns are held until the permission check lets them through: {}",
            entry.getKey(),
            entry.getValue());
      }
    }
    holdsLogged = held;
  }

  /** Warns about decisions that could not be written when that changes, not on every tick. */
  private void logFailures(Map<String, Map<String, String>> failed) {
    for (var entry : failed.entrySet()) {
      Map<String, String> before = failuresLogged.get(entry.getKey());
      String first = entry.getValue().values().iterator().next();
      if (before == null || !before.keySet().equals(entry.getValue().keySet())) {
        LOG.warn(
            "fan-out {}: {} decision(s) could not be carried out and are decided again on every"
                + " tick: {}",
            entry.getKey(),
            entry.getValue().size(),
            first);
      } else {
        LOG.debug("fan-out {}: still failing: {}", entry.getKey(), first);
      }
    }
    failuresLogged = failed;
  }

  /**
   * Appends the records of {@code actions} with their deliveries in one write and folds them. When
   * that write fails, each fan-out is tried on its own, then each decision of a fan-out that still
   * fails, so a refused write holds up no other decision. Failed decisions are added to {@code
   * failed} by fan-out. Returns whether anything was appended.
   */
  private boolean carryOut(List<FanoutAction> actions, Map<String, Map<String, String>> failed) {
    try {
      append(actions);
      return true;
    } catch (RuntimeException e) {
      if (actions.size() == 1) {
        fail(actions.get(0), e, failed);
        return false;
      }
    }
    Map<String, List<FanoutAction>> byFanout = new LinkedHashMap<>();
    for (FanoutAction action : actions) {
      byFanout.computeIfAbsent(action.fanout().id(), id -> new ArrayList<>()).add(action);
    }
    boolean any = false;
    for (List<FanoutAction> ofFanout : byFanout.values()) {
      if (byFanout.size() > 1) {
        try {
          append(ofFanout);
          any = true;
          continue;
        } catch (RuntimeException e) {
          if (ofFanout.size() == 1) {
            fail(ofFanout.get(0), e, failed);
            continue;
          }
        }
      }
      for (FanoutAction action : ofFanout) {
        try {
          append(List.of(action));
          any = true;
        } catch (RuntimeException e) {
          fail(action, e, failed);
        }
      }
    }
    return any;
  }

  private static void fail(
      FanoutAction action, RuntimeException e, Map<String, Map<String, String>> failed) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    failed
        .computeIfAbsent(action.fanout().id(), id -> new LinkedHashMap<>())
        .put(keyOf(action), keyOf(action) + ": " + message);
  }

  /** Names a decision within its fan-out, the same on every pass that decides it. */
  static String keyOf(FanoutAction action) {
    if (action instanceof FanoutAction.Spawn spawn) {
      return "spawn of subtask " + spawn.index() + " attempt " + spawn.attempt();
    } else if (action instanceof FanoutAction.Cancel cancel) {
      return "cancel (" + cancel.reason() + ")";
    } else if (action instanceof FanoutAction.Reassign reassign) {
      return "reassigning subtask " + reassign.index() + " attempt " + reassign.abandonedAttempt();
    } else if (action instanceof FanoutAction.GiveUp giveUp) {
      return "giving up subtask " + giveUp.index() + " attempt " + giveUp.attempt();
    } else if (action instanceof FanoutAction.CompleteJoin) {
      return "completing the join";
    }
    return action.getClass().getSimpleName();
  }

  private void append(List<FanoutAction> actions) {
    String did = ctx.did();
    // Hashed once: the ids name the deliveries, and the store takes the same bytes.
    List<HashedRecord> records = new ArrayList<>();
    List<OutboxEntry> deliveries = new ArrayList<>();
    // Each spawned-on worker's life, looked up once per write.
    Map<String, OptionalLong> lives = new HashMap<>();
    for (FanoutRecords.Draft draft :
        FanoutRecords.drafts(actions, FanoutRecords.DEFAULT_SPAWNS_PER_RECORD)) {
      records.add(
          HashedRecord.of(
              new Record(
                  draft.thread(),
                  did,
                  draft.act(),
                  draft.body(),
                  ctx.recordClock().next(),
                  draft.parents())));
    }
    for (FanoutAction action : actions) {
      if (action instanceof FanoutAction.Spawn spawn) {
        HashedRecord intent =
            HashedRecord.of(
                new Record(
                    spawn.childThread(),
                    did,
                    Act.INTEND,
                    spawn.childIntent(),
                    ctx.recordClock().next(),
                    List.of()));
        records.add(intent);
        deliveries.add(new OutboxEntry(spawn.worker().endpoint(), intent.id()));
        confirmSpawn(intent.id(), spawn.worker().did(), lives);
      } else if (action instanceof FanoutAction.Cancel cancel) {
        FanoutRef ref = cancel.fanout();
        for (FanoutAction.CancelledChild child : cancel.children()) {
          if (child.worker() == null) {
            continue;
          }
          HashedRecord cancelRecord =
              HashedRecord.of(
                  new Record(
                      child.childThread(),
                      did,
                      Act.LEARN,
                      new ChildCancel(
                              ref.namespace(),
                              ref.id(),
                              child.index(),
                              child.attempt(),
                              cancel.reason())
                          .toBody(),
                      ctx.recordClock().next(),
                      List.of()));
          records.add(cancelRecord);
          fleet
              .endpointOf(child.worker())
              .ifPresent(endpoint -> deliveries.add(new OutboxEntry(endpoint, cancelRecord.id())));
        }
      }
    }
    List<AppendResult> results = ctx.records().appendAllHashed(records, deliveries);
    for (AppendResult result : results) {
      if (result.created()) {
        applyOne(result.stored());
      }
    }
  }

  /**
   * Tells the outbox that the loop spawned {@code intendId} on {@code worker}, before it is written
   * (so its first send finds it), for the life of that worker the registry knows now.
   */
  private void confirmSpawn(String intendId, String worker, Map<String, OptionalLong> lives) {
    SpawnConfirmations to = confirmations;
    if (to == null) {
      return;
    }
    OptionalLong life = lives.computeIfAbsent(worker, fleet::startedAtOf);
    if (life.isPresent()) {
      to.spawned(intendId, worker, life.getAsLong());
    }
  }

  /**
   * Holds each spawn for {@code to}, so that its INTEND goes out confirmed (see {@link
   * SpawnConfirmations}). Set before {@link #start}.
   */
  public void confirmSpawnsWith(SpawnConfirmations to) {
    confirmations = to;
  }

  /**
   * The fan-out part of {@code GET /v1/fleet/status}, computed on the loop's thread: the number of
   * open fan-outs and, for each, its width and how many children were spawned and completed.
   */
  public CompletableFuture<ObjectNode> fanoutSummary() {
    return read(fold -> summary());
  }

  /**
   * Runs {@code reader} on the fan-out fold on the loop's thread. The answer fails with {@link
   * NotRunning} when the loop has stopped, and with what {@code reader} throws.
   */
  public <T> CompletableFuture<T> read(java.util.function.Function<Fanouts, T> reader) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (!running) {
      result.completeExceptionally(new NotRunning());
      return result;
    }
    queue.add(
        (Runnable)
            () -> {
              try {
                result.complete(reader.apply(fanouts));
              } catch (RuntimeException e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /**
   * As {@link #read}, for a reader whose asker holds something while it waits: a worker's attempt
   * fence, whose slot stays empty until the answer comes. Such reads are answered at the loop's
   * next chance: after the records it has taken are folded, before that round's decisions and
   * between the passes of a round, not after a whole round as other reads are. The answer is of the
   * fold as the loop has it then, as for any read.
   */
  public <T> CompletableFuture<T> readFirst(java.util.function.Function<Fanouts, T> reader) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (!running) {
      result.completeExceptionally(new NotRunning());
      return result;
    }
    readsFirst.add(
        () -> {
          try {
            result.complete(reader.apply(fanouts));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    queue.add(READ_FIRST);
    return result;
  }

  private void answerReadsFirst() {
    for (Runnable read = readsFirst.poll(); read != null; read = readsFirst.poll()) {
      guarded("a status request", read);
    }
  }

  /** The loop has stopped (or not started): nothing reads its fold any more. */
  public static final class NotRunning extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotRunning() {
      super("the reconciler is not running");
    }
  }

  private ObjectNode summary() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("open", fanouts.openCount());
    node.put("max_children", fanouts.maxChildren());
    node.put("max_fanout_depth", ctx.config().maxFanoutDepth());
    ArrayNode pending = node.putArray("pending");
    for (FanoutState state : fanouts.open()) {
      ObjectNode entry = pending.addObject();
      entry.put("fanout", state.ref().id());
      entry.put("thread", state.ref().thread());
      entry.put("namespace", state.ref().namespace());
      entry.put("join", state.join());
      entry.put("width", state.width());
      entry.put("spawned", state.spawnedCount());
      entry.put("completed", state.completedCount());
      entry.put("running", state.runningCount());
      entry.put("queued", state.queuedCount());
      if (state.options().maxConcurrency() > 0) {
        entry.put("max_concurrency", state.options().maxConcurrency());
      }
      entry.put("policy", state.options().policy().wire());
      entry.put("frozen", FanoutReads.frozen(state, policy));
    }
    return node;
  }

  private static void guarded(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.error("{} failed; the loop continues", what, e);
    }
  }

  /** For tests and benchmarks: a value read from the fold, waiting at most a few seconds. */
  public <T> T readNow(java.util.function.Function<Fanouts, T> reader) {
    try {
      return read(reader).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("reading the fan-out fold failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    queue.add(STOP);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    unsubscribe.run();
    merges.close();
  }
}
