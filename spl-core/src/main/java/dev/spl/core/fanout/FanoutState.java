package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fold of one fan-out: its children's lifecycles, the join counters, and the decisions that
 * follow from them. Pure: records in, state and actions out; time comes in as {@code nowMillis}.
 *
 * <h2>Contract with the reconciler</h2>
 *
 * <ol>
 *   <li>Apply every record of the parent thread that names this fan-out, in log order, with {@link
 *       #apply}. Live processing and replay go through the same method.
 *   <li>Call {@link #decide} only after applying everything appended so far.
 *   <li>Append the records for all actions of one {@code decide} ({@link FanoutRecords#drafts}),
 *       hand the spawned child INTENDs to the outbox, and apply the appended records before the
 *       next {@code decide}.
 * </ol>
 *
 * <p>{@code decide} does not change the state, so calling it twice without applying anything in
 * between returns the same actions; what stops a spawn from being decided again is applying its
 * {@code fanout_spawned} record, which moves the child out of {@code PENDING_SPAWN}. If an append
 * fails, the next {@code decide} simply returns the same actions again.
 *
 * <p>Per completion the fold does O(1) work plus O(successors) for dependents, and {@code decide}
 * does O(1) work plus the spawns it returns, as long as the join predicate reads only counters.
 */
public final class FanoutState {
  private final FanoutRef ref;
  private final JoinPredicate predicate;
  private final List<SubtaskSpec> specs;
  private final Target[] targets;
  private final Child[] children;
  private final int[][] successors;
  private final int maxAttempts;
  private final long createdAtMillis;
  private final String replaces;
  private final ChildrenView childrenView = new View();

  private int pendingCount;
  private int activeCount;
  private int cancellingCount;
  private int completedCount;
  private int acceptedCount;
  private int failedCount;
  private int spawnedCount;
  private final BitSet ready = new BitSet();
  private int readyCount;
  private final Map<String, BitSet> activeByWorker = new HashMap<>();
  private long roundRobinSpawns;
  private int ignoredRecords;
  private boolean joinComplete;
  private String joinVerdict;
  private long joinCompletedAtMillis;

  private long version;
  private long outcomeVersion = -1;
  private JoinOutcome outcome;
  private final ArrayDeque<Child> recheck = new ArrayDeque<>();

  /**
   * A fan-out as its parent INTEND describes it. The descriptors are validated again here, so a
   * parent written without the CLI's checks cannot produce a fold that breaks later.
   */
  public FanoutState(
      FanoutRef ref,
      List<SubtaskSpec> specs,
      JoinPredicate predicate,
      int maxAttempts,
      long createdAtMillis,
      String replaces) {
    FanoutValidation.validate(specs);
    if (maxAttempts < 1) {
      throw new InvalidFanoutException(
          -1, "max_attempts", "expected a whole number >= 1 but found " + maxAttempts);
    }
    this.ref = ref;
    this.specs = List.copyOf(specs);
    this.predicate = predicate;
    this.maxAttempts = maxAttempts;
    this.createdAtMillis = createdAtMillis;
    this.replaces = replaces;
    int n = specs.size();
    this.targets = new Target[n];
    this.children = new Child[n];
    int[] successorCounts = new int[n];
    for (int i = 0; i < n; i++) {
      SubtaskSpec spec = specs.get(i);
      targets[i] = Target.parse(i, spec.target());
      Child child = new Child(i);
      child.unacceptedDeps = spec.depends().size();
      children[i] = child;
      for (int dependency : spec.depends()) {
        successorCounts[dependency]++;
      }
    }
    this.successors = new int[n][];
    for (int i = 0; i < n; i++) {
      successors[i] = new int[successorCounts[i]];
      successorCounts[i] = 0;
    }
    for (int i = 0; i < n; i++) {
      for (int dependency : specs.get(i).depends()) {
        successors[dependency][successorCounts[dependency]++] = i;
      }
    }
    pendingCount = n;
    for (Child child : children) {
      updateReady(child);
    }
  }

  /** Compiles the join string and builds the fold. */
  public static FanoutState create(
      FanoutRef ref,
      List<SubtaskSpec> specs,
      String join,
      JoinCompiler compiler,
      int maxAttempts,
      long createdAtMillis,
      String replaces) {
    FanoutValidation.validate(specs);
    JoinPredicate predicate = Joins.compile(join, specs.size(), compiler);
    return new FanoutState(ref, specs, predicate, maxAttempts, createdAtMillis, replaces);
  }

  // ---------------------------------------------------------------------------------------------
  // Applying records

  /**
   * Applies one record of this fan-out. Returns whether the state changed; records that change
   * nothing (a stale attempt's result, a duplicate, a spawn already applied) are counted in {@link
   * JoinStatus#ignoredRecords()}.
   */
  public boolean apply(StoredRecord stored) {
    ObjectNode body = stored.record().body();
    String topic = stored.record().topic();
    if (topic == null || !ref.id().equals(body.path("fanout").asText(null))) {
      return false;
    }
    boolean changed =
        switch (topic) {
          case FanoutRecords.SPAWNED -> applySpawned(body);
          case FanoutRecords.CHILD_DONE -> applyChildDone(body);
          case FanoutRecords.RETRY -> applyRetry(body);
          case FanoutRecords.CANCEL_SENT -> applyCancelSent(body);
          case FanoutRecords.JOIN_COMPLETE -> applyJoinComplete(body);
          default -> false;
        };
    settle();
    if (!changed) {
      ignoredRecords++;
    }
    return changed;
  }

  private boolean applySpawned(ObjectNode body) {
    boolean changed = false;
    for (JsonNode entry : body.path("spawns")) {
      Child child = childAt(entry.path("index"));
      if (child == null
          || child.state != ChildState.PENDING_SPAWN
          || entry.path("attempt").asInt(-1) != child.attempt) {
        continue;
      }
      child.worker = entry.path("worker").asText(null);
      child.resolvedTarget = entry.path("target").asText(null);
      String thread = entry.path("child_thread").asText(null);
      if (thread != null) {
        child.thread = thread;
      }
      child.spawned = true;
      if (child.interruptedBy != null) {
        child.interruptedBy = null;
        child.summary = "";
      }
      spawnedCount++;
      if (targets[child.index].kind() == Target.Kind.ROUND_ROBIN) {
        roundRobinSpawns++;
      }
      transition(child, ChildState.IN_PROGRESS, null);
      changed = true;
    }
    return changed;
  }

  private boolean applyChildDone(ObjectNode body) {
    Child child = childAt(body.path("index"));
    if (child == null
        || child.state.terminal()
        || body.path("attempt").asInt(-1) != child.attempt) {
      // Only the first result of the current attempt counts: results of attempts that were
      // reassigned or retried, and duplicates, are kept in the log but change nothing.
      return false;
    }
    Verdict verdict = Verdict.fromWire(body.path("verdict").asText(""));
    if (verdict == Verdict.CANCELLED
        && child.state == ChildState.IN_PROGRESS
        && !joinComplete
        && FanoutRecords.INTERRUPTED_BY_HARD_FREEZE.equals(
            body.path(FanoutRecords.INTERRUPTED_BY).asText(null))) {
      interrupt(child, FanoutRecords.INTERRUPTED_BY_HARD_FREEZE);
      return true;
    }
    JsonNode cost = body.path("cost_usd");
    child.costUsd = cost.isNumber() ? cost.decimalValue() : BigDecimal.ZERO;
    child.wallTimeSecs = body.path("wall_time_secs").asDouble(0);
    child.summary = body.path("summary").asText("");
    String worker = body.path("worker").asText(null);
    if (worker != null) {
      child.worker = worker;
    }
    transition(child, ChildState.DONE, verdict);
    return true;
  }

  private boolean applyRetry(ObjectNode body) {
    Child child = childAt(body.path("index"));
    if (child == null || joinComplete) {
      return false;
    }
    JsonNode attempt = body.path("attempt");
    if (attempt.isNumber() && attempt.asInt() != child.attempt) {
      return false;
    }
    String reason = body.path("reason").asText(FanoutRecords.REASON_MANUAL);
    boolean lost = reason.equals(FanoutRecords.REASON_WORKER_LOST);
    if (lost ? child.state != ChildState.IN_PROGRESS : child.state != ChildState.DONE) {
      return false;
    }
    child.attempt++;
    child.autoAttempts = lost ? child.autoAttempts + 1 : 1;
    child.lastRetryReason = reason;
    String hint = body.path("hint").asText(null);
    if (hint != null || !lost) {
      child.hint = hint;
    }
    transition(child, ChildState.PENDING_SPAWN, null);
    if (child.spawned) {
      spawnedCount--;
    }
    child.spawned = false;
    child.resolvedTarget = null;
    child.costUsd = BigDecimal.ZERO;
    child.wallTimeSecs = 0;
    child.summary = "";
    child.cancelReason = null;
    return true;
  }

  /**
   * A hard freeze stopped the running attempt: it did not finish, so it gets no verdict and goes
   * back to pending spawn as the next attempt, which the reconciler holds while the namespace stays
   * frozen. It does not count against {@code max_attempts} (that limit is about workers being lost,
   * and an interruption says nothing about the child), and it keeps its hint and its last retry
   * reason, so a child that already went elsewhere after losing its pinned worker still may.
   * Cancels the coordinator asked for are not interruptions: a cancelling child's result is
   * terminal whatever the worker says, and so is any result after the join completed.
   */
  private void interrupt(Child child, String by) {
    int stopped = child.attempt;
    child.attempt++;
    transition(child, ChildState.PENDING_SPAWN, null);
    if (child.spawned) {
      spawnedCount--;
    }
    child.spawned = false;
    child.resolvedTarget = null;
    child.costUsd = BigDecimal.ZERO;
    child.wallTimeSecs = 0;
    child.interruptedBy = by;
    child.summary =
        "attempt "
            + stopped
            + " was interrupted by a "
            + by.replace('_', ' ')
            + "; attempt "
            + child.attempt
            + " spawns once the namespace is unfrozen";
  }

  private boolean applyCancelSent(ObjectNode body) {
    String reason = body.path("reason").asText("");
    boolean changed = false;
    for (JsonNode index : body.path("indices")) {
      Child child = childAt(index);
      if (child == null) {
        continue;
      }
      if (child.state == ChildState.PENDING_SPAWN) {
        child.cancelReason = reason;
        child.interruptedBy = null;
        child.summary = "cancelled before it was spawned (" + reason + ")";
        transition(child, ChildState.DONE, Verdict.CANCELLED);
        changed = true;
      } else if (child.state == ChildState.IN_PROGRESS) {
        child.cancelReason = reason;
        transition(child, ChildState.CANCELLING, null);
        changed = true;
      }
    }
    return changed;
  }

  private boolean applyJoinComplete(ObjectNode body) {
    if (joinComplete) {
      return false;
    }
    joinComplete = true;
    joinVerdict = body.path("verdict").asText("");
    joinCompletedAtMillis = body.path("completed_at").asLong(0);
    version++;
    return true;
  }

  private Child childAt(JsonNode index) {
    if (!index.canConvertToInt()) {
      return null;
    }
    int i = index.asInt(-1);
    return i >= 0 && i < children.length ? children[i] : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle bookkeeping

  private void transition(Child child, ChildState to, Verdict verdict) {
    ChildState from = child.state;
    if (!from.canMoveTo(to)) {
      throw new IllegalStateException(
          "subtask " + child.index + ": no transition from " + from + " to " + to);
    }
    boolean wasAccepted = child.accepted();
    boolean wasFailed = child.failedTerminal();
    count(child, -1);
    if (from.active() && !to.active()) {
      BitSet onWorker = activeByWorker.get(child.worker);
      if (onWorker != null) {
        onWorker.clear(child.index);
        if (onWorker.isEmpty()) {
          activeByWorker.remove(child.worker);
        }
      }
    }
    child.state = to;
    child.verdict = to.terminal() ? verdict : null;
    if (to.active() && !from.active() && child.worker != null) {
      activeByWorker.computeIfAbsent(child.worker, w -> new BitSet()).set(child.index);
    }
    count(child, +1);
    updateReady(child);
    version++;
    boolean isAccepted = child.accepted();
    boolean isFailed = child.failedTerminal();
    if (wasAccepted != isAccepted || wasFailed != isFailed) {
      int acceptedDelta = (wasAccepted ? 1 : 0) - (isAccepted ? 1 : 0);
      int failedDelta = (isFailed ? 1 : 0) - (wasFailed ? 1 : 0);
      for (int successor : successors[child.index]) {
        Child next = children[successor];
        next.unacceptedDeps += acceptedDelta;
        next.failedDeps += failedDelta;
        recheck.add(next);
      }
    }
  }

  /** Propagates skips (and un-skips after a retry) through dependents without recursion. */
  private void settle() {
    Child child;
    while ((child = recheck.poll()) != null) {
      if (child.state == ChildState.PENDING_SPAWN && child.failedDeps > 0) {
        child.summary = "skipped: a subtask it depends on did not accept";
        transition(child, ChildState.SKIPPED, Verdict.SKIPPED);
      } else if (child.state == ChildState.SKIPPED && child.failedDeps == 0) {
        child.summary = "";
        transition(child, ChildState.PENDING_SPAWN, null);
      } else {
        updateReady(child);
      }
    }
  }

  private void count(Child child, int sign) {
    switch (child.state) {
      case PENDING_SPAWN -> pendingCount += sign;
      case IN_PROGRESS -> activeCount += sign;
      case CANCELLING -> {
        activeCount += sign;
        cancellingCount += sign;
      }
      case DONE, SKIPPED -> {
        completedCount += sign;
        if (child.verdict == Verdict.ACCEPT) {
          acceptedCount += sign;
        } else {
          failedCount += sign;
        }
      }
    }
  }

  private void updateReady(Child child) {
    boolean shouldBeReady = child.state == ChildState.PENDING_SPAWN && child.unacceptedDeps == 0;
    if (shouldBeReady != ready.get(child.index)) {
      ready.set(child.index, shouldBeReady);
      readyCount += shouldBeReady ? 1 : -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions

  /**
   * What to do now, given the workers. Does not change the state (see the class comment for the
   * contract). Order: if the join is decided, cancel what still runs and complete the join;
   * otherwise reassign or give up children of lost workers, then spawn every ready subtask whose
   * target resolves to a live worker.
   */
  public List<FanoutAction> decide(long nowMillis, WorkerDirectory directory) {
    List<FanoutAction> actions = new ArrayList<>();
    if (joinComplete) {
      addLeftoverCancel(
          actions,
          "reject".equals(joinVerdict)
              ? FanoutRecords.CANCEL_JOIN_IMPOSSIBLE
              : FanoutRecords.CANCEL_JOIN_SATISFIED);
      return actions;
    }
    JoinOutcome decided = outcome();
    if (decided != JoinOutcome.UNDECIDED) {
      addLeftoverCancel(
          actions,
          decided == JoinOutcome.SATISFIED
              ? FanoutRecords.CANCEL_JOIN_SATISFIED
              : FanoutRecords.CANCEL_JOIN_IMPOSSIBLE);
      actions.add(completeJoin(decided, nowMillis));
      return actions;
    }
    decideLostWorkers(actions, directory, nowMillis);
    decideSpawns(actions, directory);
    return actions;
  }

  /** The join predicate's current outcome, re-evaluated only when a child changed. */
  public JoinOutcome outcome() {
    if (outcomeVersion != version) {
      outcome = predicate.evaluate(counters(), childrenView);
      outcomeVersion = version;
    }
    return outcome;
  }

  private void addLeftoverCancel(List<FanoutAction> actions, String reason) {
    if (pendingCount + activeCount - cancellingCount == 0) {
      return;
    }
    List<FanoutAction.CancelledChild> cancelled = new ArrayList<>();
    for (Child child : children) {
      if (child.state == ChildState.PENDING_SPAWN || child.state == ChildState.IN_PROGRESS) {
        cancelled.add(
            new FanoutAction.CancelledChild(
                child.index,
                child.attempt,
                threadOf(child),
                child.state == ChildState.IN_PROGRESS ? child.worker : null));
      }
    }
    actions.add(new FanoutAction.Cancel(ref, List.copyOf(cancelled), reason));
  }

  private FanoutAction.CompleteJoin completeJoin(JoinOutcome decided, long nowMillis) {
    List<ChildView> views = new ArrayList<>(children.length);
    int completed = 0;
    int accepted = 0;
    BigDecimal cost = BigDecimal.ZERO;
    boolean ownFailure = false;
    for (Child child : children) {
      cost = cost.add(child.costUsd);
      if (child.state.terminal()) {
        completed++;
        if (child.verdict == Verdict.ACCEPT) {
          accepted++;
        } else if (!(child.verdict == Verdict.CANCELLED
            && FanoutRecords.CANCEL_JOIN_SATISFIED.equals(child.cancelReason))) {
          ownFailure = true;
        }
        views.add(viewOf(child));
      } else {
        views.add(
            new ChildView(
                child.index,
                threadOf(child),
                child.worker == null ? "" : child.worker,
                Verdict.CANCELLED.wire(),
                child.costUsd,
                0,
                "cancelled: the join completed before it finished"));
      }
    }
    String verdict =
        decided == JoinOutcome.IMPOSSIBLE ? "reject" : ownFailure ? "partial" : "accept";
    return new FanoutAction.CompleteJoin(
        ref,
        verdict,
        decided,
        List.copyOf(views),
        new FanoutAction.JoinTotals(
            children.length, completed, accepted, completed - accepted, cost),
        nowMillis);
  }

  private void decideLostWorkers(
      List<FanoutAction> actions, WorkerDirectory directory, long nowMillis) {
    if (activeCount == 0 || directory.lost().isEmpty()) {
      return;
    }
    for (WorkerInfo lost : directory.lost()) {
      BitSet onWorker = activeByWorker.get(lost.did());
      if (onWorker == null) {
        continue;
      }
      for (int i = onWorker.nextSetBit(0); i >= 0; i = onWorker.nextSetBit(i + 1)) {
        Child child = children[i];
        if (child.state == ChildState.CANCELLING) {
          actions.add(
              new FanoutAction.GiveUp(
                  ref,
                  i,
                  child.attempt,
                  threadOf(child),
                  lost.did(),
                  Verdict.CANCELLED,
                  "worker " + lost.did() + " was lost while the child was being cancelled",
                  nowMillis));
        } else if (child.autoAttempts < maxAttempts) {
          actions.add(new FanoutAction.Reassign(ref, i, child.attempt, lost.did()));
        } else {
          actions.add(
              new FanoutAction.GiveUp(
                  ref,
                  i,
                  child.attempt,
                  threadOf(child),
                  lost.did(),
                  Verdict.FAILED,
                  "worker "
                      + lost.did()
                      + " was lost (silent past its lease) on attempt "
                      + child.attempt
                      + "; max_attempts "
                      + maxAttempts
                      + " is used up",
                  nowMillis));
        }
      }
    }
  }

  private void decideSpawns(List<FanoutAction> actions, WorkerDirectory directory) {
    List<WorkerInfo> live = directory.live();
    if (readyCount == 0 || live.isEmpty()) {
      return;
    }
    int[] load = new int[live.size()];
    for (int w = 0; w < load.length; w++) {
      load[w] = live.get(w).active();
    }
    Map<String, Integer> byDid = null;
    Map<String, Integer> byAlias = null;
    long roundRobin = roundRobinSpawns;
    for (int i = ready.nextSetBit(0); i >= 0; i = ready.nextSetBit(i + 1)) {
      Child child = children[i];
      Target target = targets[i];
      int chosen;
      switch (target.kind()) {
        case SPECIFIC, ALIAS -> {
          if (byDid == null) {
            byDid = new HashMap<>();
            byAlias = new HashMap<>();
            for (int w = 0; w < live.size(); w++) {
              byDid.put(live.get(w).did(), w);
              if (live.get(w).alias() != null) {
                byAlias.put(live.get(w).alias(), w);
              }
            }
          }
          Integer pinned =
              (target.kind() == Target.Kind.SPECIFIC ? byDid : byAlias).get(target.value());
          if (pinned != null) {
            chosen = pinned;
          } else if (FanoutRecords.REASON_WORKER_LOST.equals(child.lastRetryReason)) {
            // The pinned worker is gone and this child already lost a run to it: finishing the
            // work on another live worker beats waiting for one that may never return.
            chosen = leastLoaded(load);
          } else {
            continue;
          }
        }
        case LEAST_LOADED -> chosen = leastLoaded(load);
        default -> chosen = (int) Math.floorMod(roundRobin++, (long) live.size());
      }
      load[chosen]++;
      WorkerInfo worker = live.get(chosen);
      String childThread = threadOf(child);
      actions.add(
          new FanoutAction.Spawn(
              ref,
              i,
              child.attempt,
              childThread,
              worker,
              "specific:" + worker.did(),
              childIntent(child, directory.coordinator())));
    }
  }

  private static int leastLoaded(int[] load) {
    int best = 0;
    for (int w = 1; w < load.length; w++) {
      if (load[w] < load[best]) {
        best = w;
      }
    }
    return best;
  }

  private ObjectNode childIntent(Child child, String coordinator) {
    SubtaskSpec spec = specs.get(child.index);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.CHILD);
    body.put("namespace", ref.namespace());
    body.put("fanout", ref.id());
    body.put("parent_thread", ref.thread());
    if (coordinator != null) {
      body.put("coordinator", coordinator);
    }
    body.put("index", child.index);
    body.put("attempt", child.attempt);
    body.put("goal", spec.goal());
    if (spec.budget() != null) {
      body.put("budget", spec.budget());
    }
    if (spec.timeoutSecs() != null) {
      body.put("timeout", spec.timeoutSecs());
    }
    if (spec.run() != null) {
      body.put("run", spec.run());
    }
    ArrayNode inputs = body.putArray("inputs");
    for (int dependency : spec.depends()) {
      Child predecessor = children[dependency];
      ObjectNode input = inputs.addObject();
      input.put("index", dependency);
      input.put("verdict", predecessor.verdict == null ? "" : predecessor.verdict.wire());
      input.put("summary", predecessor.summary);
    }
    if (child.hint != null) {
      body.put("hint", child.hint);
    }
    return body;
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  public JoinCounters counters() {
    return new JoinCounters(
        children.length, completedCount, acceptedCount, failedCount, activeCount);
  }

  public JoinStatus joinStatus() {
    List<JoinStatus.SubtaskStatus> lines = new ArrayList<>(children.length);
    for (Child child : children) {
      SubtaskSpec spec = specs.get(child.index);
      boolean terminal = child.state.terminal();
      lines.add(
          new JoinStatus.SubtaskStatus(
              child.index,
              spec.goal(),
              targets[child.index].toString(),
              child.resolvedTarget,
              child.state,
              terminal ? child.verdict.wire() : child.state.label(),
              child.attempt,
              child.worker,
              threadOf(child),
              terminal ? child.costUsd : null,
              terminal ? child.wallTimeSecs : null,
              child.summary,
              child.interruptedBy));
    }
    return new JoinStatus(
        ref,
        children.length,
        spawnedCount,
        completedCount,
        predicate.text(),
        joinComplete,
        joinVerdict,
        counters(),
        ignoredRecords,
        List.copyOf(lines));
  }

  /**
   * The speedup report. {@code measuredSerialWallSecs} is the wall of the same work run serially
   * (from {@code --vs-serial}), or null.
   */
  public SpeedupReport speedup(Double measuredSerialWallSecs) {
    int n = children.length;
    List<Double> walls = new ArrayList<>(n);
    double[] wall = new double[n];
    int withResults = 0;
    double serial = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (Child child : children) {
      boolean ran = child.state == ChildState.DONE && child.spawned;
      wall[child.index] = ran ? child.wallTimeSecs : 0;
      walls.add(ran ? child.wallTimeSecs : null);
      if (ran) {
        withResults++;
      }
      serial += wall[child.index];
      cost = cost.add(child.costUsd);
    }
    // Longest path through the dependency graph, visiting subtasks in topological order: when a
    // subtask is taken from the queue, all its predecessors have finished.
    double[] start = new double[n];
    double[] finish = new double[n];
    int[] via = new int[n];
    int[] waiting = new int[n];
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      waiting[i] = specs.get(i).depends().size();
      via[i] = -1;
      if (waiting[i] == 0) {
        queue.add(i);
      }
    }
    int last = -1;
    while (!queue.isEmpty()) {
      int i = queue.poll();
      finish[i] = start[i] + wall[i];
      if (last < 0 || finish[i] > finish[last]) {
        last = i;
      }
      for (int successor : successors[i]) {
        if (via[successor] < 0 || finish[i] > start[successor]) {
          start[successor] = finish[i];
          via[successor] = i;
        }
        if (--waiting[successor] == 0) {
          queue.add(successor);
        }
      }
    }
    List<Integer> path = new ArrayList<>();
    for (int i = last; i >= 0; i = via[i]) {
      path.add(0, i);
    }
    double parallel = last < 0 ? 0 : finish[last];
    Double measuredSpeedup =
        measuredSerialWallSecs == null || parallel == 0 ? null : measuredSerialWallSecs / parallel;
    return new SpeedupReport(
        ref,
        n,
        withResults,
        java.util.Collections.unmodifiableList(walls),
        parallel,
        List.copyOf(path),
        cost,
        serial,
        parallel == 0 ? 0 : serial / parallel,
        measuredSerialWallSecs,
        measuredSpeedup);
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  public FanoutRef ref() {
    return ref;
  }

  public int width() {
    return children.length;
  }

  public String join() {
    return predicate.text();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public long createdAtMillis() {
    return createdAtMillis;
  }

  /** The id of the fan-out this one replaces, or null. */
  public String replaces() {
    return replaces;
  }

  public List<SubtaskSpec> specs() {
    return specs;
  }

  public boolean joinComplete() {
    return joinComplete;
  }

  /** {@code accept}, {@code reject} or {@code partial} once the join completed, else null. */
  public String joinVerdict() {
    return joinVerdict;
  }

  public long joinCompletedAtMillis() {
    return joinCompletedAtMillis;
  }

  public ChildState childState(int index) {
    return children[index].state;
  }

  public int attempt(int index) {
    return children[index].attempt;
  }

  /** The DID of the worker of the child's current attempt, or null. */
  public String worker(int index) {
    return children[index].worker;
  }

  /**
   * What interrupted the child's previous attempt ({@code hard_freeze}) while its current attempt
   * waits to spawn, else null.
   */
  public String interruptedBy(int index) {
    return children[index].interruptedBy;
  }

  /** The child's verdict for its current attempt, or null while it has none. */
  public Verdict verdict(int index) {
    return children[index].verdict;
  }

  /** The subtasks {@code index} depends on that ended without accept. */
  public List<Integer> failedDependencies(int index) {
    List<Integer> failed = new ArrayList<>();
    for (int dependency : specs.get(index).depends()) {
      if (children[dependency].failedTerminal()) {
        failed.add(dependency);
      }
    }
    return failed;
  }

  /** A retry request body for subtask {@code index}, after checking that it may be retried. */
  public ObjectNode manualRetryBody(int index, String hint) {
    FanoutValidation.validateRetry(this, index);
    return FanoutRecords.retryBody(
        ref, index, children[index].attempt, hint, FanoutRecords.REASON_MANUAL);
  }

  private String threadOf(Child child) {
    if (child.thread == null) {
      child.thread =
          ThreadIds.derive(ref.id(), String.valueOf(child.index), specs.get(child.index).goal());
    }
    return child.thread;
  }

  private ChildView viewOf(Child child) {
    String verdict =
        switch (child.state) {
          case DONE, SKIPPED -> child.verdict.wire();
          case PENDING_SPAWN -> "pending";
          case IN_PROGRESS, CANCELLING -> "running";
        };
    return new ChildView(
        child.index,
        threadOf(child),
        child.worker == null ? "" : child.worker,
        verdict,
        child.costUsd,
        child.wallTimeSecs,
        child.summary);
  }

  private final class View implements ChildrenView {
    @Override
    public int size() {
      return children.length;
    }

    @Override
    public ChildView get(int index) {
      return viewOf(children[index]);
    }
  }

  private static final class Child {
    final int index;
    ChildState state = ChildState.PENDING_SPAWN;
    Verdict verdict;
    int attempt = 1;
    int autoAttempts = 1;
    int unacceptedDeps;
    int failedDeps;
    boolean spawned;
    String thread;
    String worker;
    String resolvedTarget;
    String hint;
    String lastRetryReason;
    String cancelReason;
    // Set while the child waits to re-spawn after an interruption (a hard freeze), else null.
    String interruptedBy;
    BigDecimal costUsd = BigDecimal.ZERO;
    double wallTimeSecs;
    String summary = "";

    Child(int index) {
      this.index = index;
    }

    boolean accepted() {
      return state == ChildState.DONE && verdict == Verdict.ACCEPT;
    }

    boolean failedTerminal() {
      return state.terminal() && verdict != Verdict.ACCEPT;
    }
  }
}
