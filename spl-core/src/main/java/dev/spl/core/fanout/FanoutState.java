package dev.spl.core.fanout;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fold of one fan-out: its children's lifecycles, the join counters, and the decisions that
 * follow from them. Pure: records in, state and actions out; time comes in as {@code nowMillis}.
 * Where spawns go is {@link Placement}'s; what the commands show is {@link JoinStatus#of} and
 * {@link SpeedupReport#of}.
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
 * fails, the next {@code decide} simply returns the same actions again. A spawn the {@link
 * SpawnPolicy} refuses is returned as a {@link FanoutAction.Hold} and decided again next time.
 *
 * <p>Per completion the fold does O(1) work plus O(successors) for dependents, and {@code decide}
 * does O(1) work plus the spawns it returns, as long as the join predicate reads only counters.
 */
public final class FanoutState {
  private final FanoutRef ref;
  private final FanoutParent parent;
  private final JoinPredicate predicate;
  private final List<SubtaskSpec> specs;
  private final Target[] targets;
  private final FoldedChild[] children;
  private final int[][] successors;
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
  private CancelRequest cancelRequest;
  // When the coordinator received the first spawn and the last result that counted, or -1.
  private long firstSpawnAtMillis = -1;
  private long lastResultAtMillis = -1;

  private long version;
  private long outcomeVersion = -1;
  private JoinOutcome outcome;
  private final ArrayDeque<FoldedChild> recheck = new ArrayDeque<>();

  /**
   * A fan-out as its parent INTEND describes it. The descriptors are validated again here, so a
   * parent written without the CLI's checks cannot produce a fold that breaks later.
   */
  public FanoutState(
      FanoutRef ref, FanoutParent parent, List<SubtaskSpec> specs, JoinPredicate predicate) {
    FanoutValidation.validate(specs);
    if (parent.maxAttempts() < 1) {
      throw new InvalidFanoutException(
          -1, "max_attempts", "expected a whole number >= 1 but found " + parent.maxAttempts());
    }
    this.ref = ref;
    this.parent = parent;
    this.specs = List.copyOf(specs);
    this.predicate = predicate;
    int n = specs.size();
    this.targets = new Target[n];
    this.children = new FoldedChild[n];
    int[] successorCounts = new int[n];
    for (int i = 0; i < n; i++) {
      SubtaskSpec spec = specs.get(i);
      targets[i] = Target.parse(i, spec.target());
      FoldedChild child = new FoldedChild(i);
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
    for (FoldedChild child : children) {
      updateReady(child);
    }
  }

  /** Compiles the parent's join and builds the fold. */
  public static FanoutState create(
      FanoutRef ref, FanoutParent parent, List<SubtaskSpec> specs, JoinCompiler compiler) {
    FanoutValidation.validate(specs);
    JoinPredicate predicate = Joins.compile(parent.join(), specs.size(), compiler);
    return new FanoutState(ref, parent, specs, predicate);
  }

  // ---------------------------------------------------------------------------------------------
  // Applying records

  /**
   * Applies one record of this fan-out. Returns whether the state changed; records that change
   * nothing (a stale attempt's result, a duplicate, a spawn already applied) and fan-out records
   * whose body is malformed are counted in {@link JoinStatus#ignoredRecords()}.
   */
  public boolean apply(StoredRecord stored) {
    Optional<FanoutEvent> event;
    try {
      event = FanoutEvent.of(stored.record());
    } catch (InvalidRecordException malformed) {
      ignoredRecords++;
      return false;
    }
    return event.isPresent() && apply(event.get(), stored.receivedAtMillis());
  }

  /**
   * Applies one event read from a record of this fan-out that its store received at {@code
   * receivedAtMillis}; see {@link #apply(StoredRecord)}.
   */
  boolean apply(FanoutEvent event, long receivedAtMillis) {
    if (!ref.id().equals(event.fanout())) {
      return false;
    }
    boolean changed;
    if (event instanceof Spawned spawned) {
      changed = applySpawned(spawned);
      if (changed && firstSpawnAtMillis < 0) {
        firstSpawnAtMillis = receivedAtMillis;
      }
    } else if (event instanceof ChildDone done) {
      boolean beforeJoin = !joinComplete;
      changed = applyChildDone(done);
      if (changed && beforeJoin) {
        lastResultAtMillis = Math.max(lastResultAtMillis, receivedAtMillis);
      }
    } else if (event instanceof RetrySubtask retry) {
      changed = applyRetry(retry);
    } else if (event instanceof CancelRequest cancel) {
      changed = applyCancelRequest(cancel);
    } else if (event instanceof CancelSent cancel) {
      changed = applyCancelSent(cancel);
    } else {
      changed = applyJoinComplete((JoinComplete) event);
    }
    settle();
    if (!changed) {
      ignoredRecords++;
    }
    return changed;
  }

  private boolean applySpawned(Spawned spawned) {
    boolean changed = false;
    for (Spawned.Entry entry : spawned.spawns()) {
      FoldedChild child = childAt(entry.index());
      if (child == null
          || child.state != ChildState.PENDING_SPAWN
          || entry.attempt() != child.attempt) {
        continue;
      }
      child.worker = entry.worker();
      child.resolvedTarget = entry.target();
      child.thread = entry.childThread();
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

  private boolean applyChildDone(ChildDone done) {
    FoldedChild child = childAt(done.index());
    if (child == null || child.state.terminal() || done.attempt() != child.attempt) {
      // Only the first result of the current attempt counts: results of attempts that were
      // reassigned or retried, and duplicates, are kept in the log but change nothing.
      return false;
    }
    if (done.verdict() == Verdict.CANCELLED
        && child.state == ChildState.IN_PROGRESS
        && !joinComplete
        && FanoutRecords.INTERRUPTED_BY_HARD_FREEZE.equals(done.interruptedBy())) {
      interrupt(child, FanoutRecords.INTERRUPTED_BY_HARD_FREEZE);
      return true;
    }
    child.costUsd = done.costUsd();
    child.wallTimeSecs = done.wallTimeSecs();
    child.summary = done.summary();
    child.exitCode = done.exitCode();
    if (done.worker() != null) {
      child.worker = done.worker();
    }
    transition(child, ChildState.DONE, done.verdict());
    return true;
  }

  private boolean applyRetry(RetrySubtask retry) {
    FoldedChild child = childAt(retry.index());
    if (child == null || joinComplete || retry.attempt() != child.attempt) {
      return false;
    }
    boolean lost = retry.workerLost();
    if (lost ? child.state != ChildState.IN_PROGRESS : child.state != ChildState.DONE) {
      return false;
    }
    child.attempt++;
    child.autoAttempts = lost ? child.autoAttempts + 1 : 1;
    child.lastRetryReason = retry.reason();
    if (retry.hint() != null || !lost) {
      child.hint = retry.hint();
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
    child.exitCode = null;
    child.cancelReason = null;
    return true;
  }

  /** The first request counts; one after the join completed changes nothing. */
  private boolean applyCancelRequest(CancelRequest cancel) {
    if (joinComplete || cancelRequest != null) {
      return false;
    }
    cancelRequest = cancel;
    version++;
    return true;
  }

  /**
   * A hard freeze stopped the running attempt: it did not finish, so it gets no verdict and goes
   * back to pending spawn as the next attempt, which the spawn policy holds while the namespace
   * stays frozen. It does not count against {@code max_attempts} (that limit is about workers being
   * lost, and an interruption says nothing about the child), and it keeps its hint and its last
   * retry reason, so a child that already went elsewhere after losing its pinned worker still may.
   * Cancels the coordinator asked for are not interruptions: a cancelling child's result is
   * terminal whatever the worker says, and so is any result after the join completed.
   */
  private void interrupt(FoldedChild child, String by) {
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

  private boolean applyCancelSent(CancelSent cancel) {
    boolean changed = false;
    for (int index : cancel.indices()) {
      FoldedChild child = childAt(index);
      if (child == null) {
        continue;
      }
      if (child.state == ChildState.PENDING_SPAWN) {
        child.cancelReason = cancel.reason();
        child.interruptedBy = null;
        child.summary = "cancelled before it was spawned (" + cancel.reason() + ")";
        transition(child, ChildState.DONE, Verdict.CANCELLED);
        changed = true;
      } else if (child.state == ChildState.IN_PROGRESS) {
        child.cancelReason = cancel.reason();
        transition(child, ChildState.CANCELLING, null);
        changed = true;
      }
    }
    return changed;
  }

  private boolean applyJoinComplete(JoinComplete join) {
    if (joinComplete) {
      return false;
    }
    joinComplete = true;
    joinVerdict = join.verdict();
    joinCompletedAtMillis = join.completedAtMillis();
    version++;
    return true;
  }

  private FoldedChild childAt(int index) {
    return index >= 0 && index < children.length ? children[index] : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle bookkeeping

  private void transition(FoldedChild child, ChildState to, Verdict verdict) {
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
    child.changedAt = version;
    boolean isAccepted = child.accepted();
    boolean isFailed = child.failedTerminal();
    if (wasAccepted != isAccepted || wasFailed != isFailed) {
      int acceptedDelta = (wasAccepted ? 1 : 0) - (isAccepted ? 1 : 0);
      int failedDelta = (isFailed ? 1 : 0) - (wasFailed ? 1 : 0);
      for (int successor : successors[child.index]) {
        FoldedChild next = children[successor];
        next.unacceptedDeps += acceptedDelta;
        next.failedDeps += failedDelta;
        recheck.add(next);
      }
    }
  }

  /** Propagates skips (and un-skips after a retry) through dependents without recursion. */
  private void settle() {
    FoldedChild child;
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

  private void count(FoldedChild child, int sign) {
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

  private void updateReady(FoldedChild child) {
    boolean shouldBeReady = child.state == ChildState.PENDING_SPAWN && child.unacceptedDeps == 0;
    if (shouldBeReady != ready.get(child.index)) {
      ready.set(child.index, shouldBeReady);
      readyCount += shouldBeReady ? 1 : -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions

  /**
   * What to do now, given the workers and the spawn policy. Does not change the state (see the
   * class comment for the contract). Order: if a user cancelled the fan-out, cancel every child
   * still pending or running and complete the join as {@code cancelled}; if the join is decided,
   * cancel what still runs and complete the join; otherwise reassign or give up children of lost
   * workers, then spawn every ready subtask whose target resolves to a live worker and whose child
   * INTEND {@code policy} lets through; the others are returned as {@link FanoutAction.Hold}.
   */
  public List<FanoutAction> decide(long nowMillis, WorkerDirectory directory, SpawnPolicy policy) {
    List<FanoutAction> actions = new ArrayList<>();
    if (joinComplete) {
      addLeftoverCancel(actions, leftoverCancelReason());
      return actions;
    }
    if (cancelRequest != null) {
      addLeftoverCancel(actions, FanoutRecords.CANCEL_REQUESTED);
      actions.add(completeJoin(JoinComplete.CANCELLED, nowMillis));
      return actions;
    }
    JoinOutcome decided = outcome();
    if (decided != JoinOutcome.UNDECIDED) {
      addLeftoverCancel(
          actions,
          decided == JoinOutcome.SATISFIED
              ? FanoutRecords.CANCEL_JOIN_SATISFIED
              : FanoutRecords.CANCEL_JOIN_IMPOSSIBLE);
      actions.add(completeJoin(verdictOf(decided), nowMillis));
      return actions;
    }
    decideLostWorkers(actions, directory, nowMillis);
    decideSpawns(actions, directory, policy);
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
    for (FoldedChild child : children) {
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

  private String leftoverCancelReason() {
    return switch (joinVerdict) {
      case JoinComplete.REJECT -> FanoutRecords.CANCEL_JOIN_IMPOSSIBLE;
      case JoinComplete.CANCELLED -> FanoutRecords.CANCEL_REQUESTED;
      default -> FanoutRecords.CANCEL_JOIN_SATISFIED;
    };
  }

  /**
   * {@code reject} when the join became impossible; else {@code accept}, or {@code partial} when a
   * child failed on its own account (children cancelled because the join was satisfied do not).
   */
  private String verdictOf(JoinOutcome decided) {
    if (decided == JoinOutcome.IMPOSSIBLE) {
      return JoinComplete.REJECT;
    }
    for (FoldedChild child : children) {
      if (child.state.terminal()
          && child.verdict != Verdict.ACCEPT
          && !(child.verdict == Verdict.CANCELLED
              && FanoutRecords.CANCEL_JOIN_SATISFIED.equals(child.cancelReason))) {
        return JoinComplete.PARTIAL;
      }
    }
    return JoinComplete.ACCEPT;
  }

  private FanoutAction.CompleteJoin completeJoin(String verdict, long nowMillis) {
    List<ChildView> views = new ArrayList<>(children.length);
    int completed = 0;
    int accepted = 0;
    BigDecimal cost = BigDecimal.ZERO;
    String unfinished =
        JoinComplete.CANCELLED.equals(verdict)
            ? "cancelled: the fan-out was cancelled"
                + (cancelRequest.reason() == null ? "" : " (" + cancelRequest.reason() + ")")
            : "cancelled: the join completed before it finished";
    for (FoldedChild child : children) {
      cost = cost.add(child.costUsd);
      if (child.state.terminal()) {
        completed++;
        if (child.verdict == Verdict.ACCEPT) {
          accepted++;
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
                unfinished));
      }
    }
    return new FanoutAction.CompleteJoin(
        ref,
        verdict,
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
        FoldedChild child = children[i];
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
        } else if (child.autoAttempts < parent.maxAttempts()) {
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
                      + parent.maxAttempts()
                      + " is used up",
                  nowMillis));
        }
      }
    }
  }

  private void decideSpawns(
      List<FanoutAction> actions, WorkerDirectory directory, SpawnPolicy policy) {
    if (readyCount == 0) {
      return;
    }
    Placement placement = new Placement(directory, roundRobinSpawns);
    if (placement.noLiveWorker()) {
      return;
    }
    for (int i = ready.nextSetBit(0); i >= 0; i = ready.nextSetBit(i + 1)) {
      FoldedChild child = children[i];
      Placement.Choice choice = placement.choose(targets[i], child.lostItsWorker());
      if (choice.none()) {
        continue;
      }
      WorkerInfo worker = placement.worker(choice);
      String childThread = threadOf(child);
      ChildIntent intent = childIntent(child, directory.coordinator(), worker.did());
      FanoutRecords.Draft draft = new FanoutRecords.Draft(childThread, Act.INTEND, intent.toBody());
      Optional<String> refusal = policy.refusal(draft);
      if (refusal.isPresent()) {
        actions.add(new FanoutAction.Hold(ref, i, child.attempt, refusal.get()));
        continue;
      }
      placement.take(choice);
      actions.add(
          new FanoutAction.Spawn(
              ref,
              i,
              child.attempt,
              childThread,
              worker,
              "specific:" + worker.did(),
              draft.body()));
    }
  }

  private ChildIntent childIntent(FoldedChild child, String coordinator, String worker) {
    SubtaskSpec spec = specs.get(child.index);
    List<ChildIntent.Input> inputs = new ArrayList<>(spec.depends().size());
    for (int dependency : spec.depends()) {
      FoldedChild predecessor = children[dependency];
      inputs.add(
          new ChildIntent.Input(
              dependency,
              predecessor.verdict == null ? "" : predecessor.verdict.wire(),
              predecessor.summary));
    }
    return new ChildIntent(
        ref.namespace(),
        ref.id(),
        ref.thread(),
        coordinator,
        worker,
        child.index,
        child.attempt,
        spec.goal(),
        spec.budget(),
        spec.timeoutSecs(),
        spec.run(),
        inputs,
        child.hint);
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  public JoinCounters counters() {
    return new JoinCounters(
        children.length, completedCount, acceptedCount, failedCount, activeCount);
  }

  /** Children whose current attempt has been spawned. */
  public int spawnedCount() {
    return spawnedCount;
  }

  /** Children with a verdict for their current attempt (including skipped and cancelled). */
  public int completedCount() {
    return completedCount;
  }

  /**
   * A number that grows with every change of a child or of the join: a reader that saw {@code
   * version()} = V finds what changed since with {@link #changedAt(int)} > V.
   */
  public long version() {
    return version;
  }

  /** The {@link #version()} at the last change of child {@code index} (0 when it never changed). */
  public long changedAt(int index) {
    return children[index].changedAt;
  }

  /** Records applied to this fan-out that changed nothing; see {@link #apply(StoredRecord)}. */
  public int ignoredRecords() {
    return ignoredRecords;
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  public FanoutRef ref() {
    return ref;
  }

  /** The parent INTEND's body, as read. */
  public FanoutParent parent() {
    return parent;
  }

  public int width() {
    return children.length;
  }

  public String join() {
    return predicate.text();
  }

  public int maxAttempts() {
    return parent.maxAttempts();
  }

  public long createdAtMillis() {
    return parent.createdAtMillis();
  }

  /** The id of the fan-out this one replaces, or null. */
  public String replaces() {
    return parent.replaces();
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

  /** Whether a user asked to cancel the fan-out ({@link CancelRequest}). */
  public boolean cancelRequested() {
    return cancelRequest != null;
  }

  /**
   * The measured wall of the fan-out: from the coordinator receiving its first spawn to receiving
   * the last child result that counted before the join completed, in seconds; null until both
   * exist. Both times come from one store, the coordinator's, so no two clocks are compared.
   */
  public Double measuredWallSecs() {
    if (firstSpawnAtMillis < 0 || lastResultAtMillis < 0) {
      return null;
    }
    return Math.max(0, lastResultAtMillis - firstSpawnAtMillis) / 1000.0;
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

  /**
   * A cancel request body for the whole fan-out, after checking that it may be cancelled: its join
   * has not completed and it was not cancelled already.
   */
  public CancelRequest cancel(String reason) {
    FanoutValidation.validateCancel(this);
    return new CancelRequest(ref.namespace(), ref.id(), reason);
  }

  /** A retry request body for subtask {@code index}, after checking that it may be retried. */
  public RetrySubtask manualRetry(int index, String hint) {
    FanoutValidation.validateRetry(this, index);
    return new RetrySubtask(
        ref.namespace(),
        ref.id(),
        index,
        children[index].attempt,
        hint,
        FanoutRecords.REASON_MANUAL);
  }

  // ---------------------------------------------------------------------------------------------
  // For the reports of this package

  FoldedChild child(int index) {
    return children[index];
  }

  Target target(int index) {
    return targets[index];
  }

  int[] successorsOf(int index) {
    return successors[index];
  }

  String threadOf(FoldedChild child) {
    if (child.thread == null) {
      child.thread =
          ThreadIds.derive(ref.id(), String.valueOf(child.index), specs.get(child.index).goal());
    }
    return child.thread;
  }

  ChildView viewOf(FoldedChild child) {
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
}
