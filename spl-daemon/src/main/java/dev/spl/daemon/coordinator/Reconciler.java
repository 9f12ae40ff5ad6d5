package dev.spl.daemon.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.join.CelJoinCompiler;
import dev.spl.core.Act;
import dev.spl.core.AppendResult;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonComponent;
import dev.spl.daemon.DaemonContext;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.fleet.ControlDeliveries;
import dev.spl.daemon.fleet.FleetRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
  private static final int MAX_PASSES_PER_ROUND = 16;
  private static final Object STOP = new Object();

  private final DaemonContext ctx;
  private final FleetRegistry fleet;
  private final ControlGate gate;
  private final ControlDeliveries control;
  private final Fanouts fanouts;
  private final long startedAtMillis;
  private final long leaseMillis;
  private final long heartbeatMillis;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running;
  private volatile boolean replayed;
  private Runnable unsubscribe = () -> {};
  private long replayedUpTo;
  private long lastSelfBeat = Long.MIN_VALUE;

  public Reconciler(
      DaemonContext ctx, FleetRegistry fleet, ControlGate gate, long startedAtMillis) {
    this(ctx, fleet, gate, startedAtMillis, new CelJoinCompiler());
  }

  Reconciler(
      DaemonContext ctx,
      FleetRegistry fleet,
      ControlGate gate,
      long startedAtMillis,
      JoinCompiler compiler) {
    this.ctx = ctx;
    this.fleet = fleet;
    this.gate = gate;
    this.control = new ControlDeliveries(ctx.records());
    this.fanouts = new Fanouts(compiler);
    this.startedAtMillis = startedAtMillis;
    this.leaseMillis = ctx.config().fleet().lease().toMillis();
    this.heartbeatMillis = ctx.config().fleet().heartbeatInterval().toMillis();
    this.thread = new Thread(this::run, "spl-reconciler");
    this.thread.setDaemon(true);
  }

  @Override
  public void start() {
    running = true;
    // Subscribe before the replay reads the log: records appended meanwhile wait in the queue and
    // those the replay already saw are skipped by seq.
    unsubscribe = ctx.records().subscribe(this::enqueue);
    thread.start();
  }

  private void enqueue(List<StoredRecord> appended) {
    // The loop applies what it appends itself right away (the fold's contract), so it ignores the
    // notification of its own appends.
    if (Thread.currentThread() != thread) {
      queue.add(appended);
    }
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
    long nextTick = ctx.clock().millis() + TICK_MILLIS;
    while (running) {
      List<StoredRecord> appended = new ArrayList<>();
      List<Runnable> tasks = new ArrayList<>();
      try {
        Object first =
            queue.poll(Math.max(0, nextTick - ctx.clock().millis()), TimeUnit.MILLISECONDS);
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
      boolean tick = ctx.clock().millis() >= nextTick;
      if (tick) {
        nextTick = ctx.clock().millis() + TICK_MILLIS;
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
      return fanouts.apply(stored);
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

  private void beatSelf(Health health) {
    long now = ctx.clock().millis();
    lastSelfBeat = now;
    Heartbeat heartbeat =
        new Heartbeat(
            ctx.did(),
            ctx.config().fleet().alias() == null ? "" : ctx.config().fleet().alias(),
            Role.COORDINATOR,
            ctx.url(),
            Daemon.VERSION,
            startedAtMillis,
            Math.max(0, (now - startedAtMillis) / 1000),
            0,
            0,
            0,
            health,
            now);
    fleet.receiveOwn(heartbeat);
  }

  /** Decides and carries out until the fan-outs have nothing more to do right now. */
  private void decideRound() {
    for (int pass = 0; pass < MAX_PASSES_PER_ROUND; pass++) {
      WorkerDirectory directory = fleet.directory(ctx.url(), leaseMillis);
      List<FanoutAction> actions = allowed(fanouts.decide(ctx.clock().millis(), directory));
      if (actions.isEmpty() || !carryOut(actions)) {
        return;
      }
    }
  }

  /**
   * Leaves out spawns the permission rules would refuse: their children stay pending and spawn once
   * the namespace is unfrozen.
   */
  private List<FanoutAction> allowed(List<FanoutAction> actions) {
    ControlSnapshot snapshot = gate.snapshot();
    if (!snapshot.emergency().active() && snapshot.freezes().isEmpty()) {
      return actions;
    }
    List<FanoutAction> allowed = new ArrayList<>(actions.size());
    for (FanoutAction action : actions) {
      if (action instanceof FanoutAction.Spawn spawn
          && gate.refusesWorkIn(spawn.fanout().namespace())) {
        continue;
      }
      allowed.add(action);
    }
    return allowed;
  }

  /**
   * Appends the records of {@code actions} with their deliveries in one write and folds them. When
   * that write fails, each fan-out is tried on its own so one cannot hold up the others. Returns
   * whether anything was appended.
   */
  private boolean carryOut(List<FanoutAction> actions) {
    try {
      append(actions);
      return true;
    } catch (RuntimeException e) {
      Map<String, List<FanoutAction>> byFanout = new LinkedHashMap<>();
      for (FanoutAction action : actions) {
        byFanout.computeIfAbsent(action.fanout().id(), id -> new ArrayList<>()).add(action);
      }
      if (byFanout.size() == 1) {
        LOG.warn(
            "fan-out {}: carrying out decisions failed: {}",
            actions.get(0).fanout().id(),
            e.getMessage());
        return false;
      }
      boolean any = false;
      for (var entry : byFanout.entrySet()) {
        try {
          append(entry.getValue());
          any = true;
        } catch (RuntimeException perFanout) {
          LOG.warn(
              "fan-out {}: carrying out decisions failed: {}",
              entry.getKey(),
              perFanout.getMessage());
        }
      }
      return any;
    }
  }

  private void append(List<FanoutAction> actions) {
    String did = ctx.did();
    List<Record> records = new ArrayList<>();
    List<OutboxEntry> deliveries = new ArrayList<>();
    for (FanoutRecords.Draft draft :
        FanoutRecords.drafts(actions, FanoutRecords.DEFAULT_SPAWNS_PER_RECORD)) {
      String fanoutId = draft.body().path("fanout").asText();
      records.add(
          new Record(
              draft.thread(),
              did,
              draft.act(),
              draft.body(),
              ctx.recordClock().next(),
              List.of(fanoutId)));
    }
    for (FanoutAction action : actions) {
      if (action instanceof FanoutAction.Spawn spawn) {
        Record intent =
            new Record(
                spawn.childThread(),
                did,
                Act.INTEND,
                spawn.childIntent(),
                ctx.recordClock().next(),
                List.of());
        records.add(intent);
        deliveries.add(new OutboxEntry(spawn.worker().endpoint(), intent.id()));
      } else if (action instanceof FanoutAction.Cancel cancel) {
        for (FanoutAction.CancelledChild child : cancel.children()) {
          if (child.worker() == null) {
            continue;
          }
          Record cancelRecord =
              new Record(
                  child.childThread(),
                  did,
                  Act.LEARN,
                  cancelBody(cancel.fanout(), child, cancel.reason()),
                  ctx.recordClock().next(),
                  List.of());
          records.add(cancelRecord);
          fleet
              .endpointOf(child.worker())
              .ifPresent(endpoint -> deliveries.add(new OutboxEntry(endpoint, cancelRecord.id())));
        }
      }
    }
    List<AppendResult> results = ctx.records().appendAll(records, deliveries);
    for (AppendResult result : results) {
      if (result.created()) {
        applyOne(result.stored());
      }
    }
  }

  static ObjectNode cancelBody(FanoutRef ref, FanoutAction.CancelledChild child, String reason) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", "fanout_cancel");
    body.put("namespace", ref.namespace());
    body.put("fanout", ref.id());
    body.put("index", child.index());
    body.put("attempt", child.attempt());
    body.put("reason", reason);
    return body;
  }

  /**
   * The fan-out part of {@code GET /v1/fleet/status}, computed on the loop's thread: the number of
   * open fan-outs and, for each, its width and how many children were spawned and completed.
   */
  public CompletableFuture<ObjectNode> fanoutSummary() {
    CompletableFuture<ObjectNode> result = new CompletableFuture<>();
    if (!running) {
      result.completeExceptionally(new IllegalStateException("the reconciler is not running"));
      return result;
    }
    queue.add(
        (Runnable)
            () -> {
              try {
                result.complete(summary());
              } catch (RuntimeException e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /** Runs {@code reader} on the fan-out fold on the loop's thread. */
  public <T> CompletableFuture<T> read(java.util.function.Function<Fanouts, T> reader) {
    CompletableFuture<T> result = new CompletableFuture<>();
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

  private ObjectNode summary() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("open", fanouts.openCount());
    ArrayNode pending = node.putArray("pending");
    for (FanoutState state : fanouts.all()) {
      if (state.joinComplete()) {
        continue;
      }
      JoinStatus status = state.joinStatus();
      ObjectNode entry = pending.addObject();
      entry.put("fanout", state.ref().id());
      entry.put("thread", state.ref().thread());
      entry.put("namespace", state.ref().namespace());
      entry.put("join", state.join());
      entry.put("width", state.width());
      entry.put("spawned", status.spawned());
      entry.put("completed", status.completed());
      entry.put("frozen", gate.refusesWorkIn(state.ref().namespace()));
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
  }
}
