package dev.spl.core.fanout;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fold of one fan-out: its children's lifecycles, the join counters, and the decisions that
 * follow from them. Pure: records in, state and actions out; time comes in as {@code nowMillis} and
 * as the {@code received_at} of the records the coordinator's store received. Where spawns go is
 * {@link Placement}'s; what the commands show is {@link JoinStatus#of} and {@link
 * SpeedupReport#of}.
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
 * <h2>Compact state</h2>
 *
 * <p>Each child is a row of primitive columns (lifecycle, verdict, attempt, retries, flags, an
 * index into the fan-out's small table of workers, wall time as a float, cost in micro-dollars, the
 * version of its last change, the log position of its result): about 40 bytes, 48 with automatic
 * retries. A data fan-out ({@link DataLoop}) keeps nothing else per child: its descriptors are made
 * from the template and its items when a child is spawned or shown, and the summaries its workers
 * reported stay in their records, read through {@link FanoutLog}. A fan-out of listed subtasks also
 * keeps its descriptors and summaries, which its dependencies and its CEL joins over {@code
 * children} need.
 *
 * <p>Per completion the fold does O(1) work plus O(successors) for dependents, and {@code decide}
 * does O(1) work plus the spawns it returns (at most {@link #SPAWNS_PER_DECIDE}), as long as the
 * join predicate reads only counters, or reads the children through a {@link
 * JoinPredicate.ChildFold}, which is told only of the children that changed.
 */
public final class FanoutState {
  /** The most spawns (and holds) one {@code decide} returns for one fan-out; the rest come next. */
  public static final int SPAWNS_PER_DECIDE = 1_000;

  private static final int[] NO_SUCCESSORS = new int[0];
  private static final int NO_EXIT_CODE = Integer.MIN_VALUE;
  private static final ChildState[] STATES = ChildState.values();
  private static final Verdict[] VERDICTS = Verdict.values();

  // Flags of a child.
  private static final int SPAWNED = 1;
  private static final int LOST_ITS_WORKER = 1 << 1;
  private static final int INTERRUPTED = 1 << 2;
  private static final int RETRIED = 1 << 3;
  private static final int CANCEL_REASON_SHIFT = 4;
  private static final int CANCEL_REASON_MASK = 0b111 << CANCEL_REASON_SHIFT;
  // Its command exited with an accept and it fanned out itself: it waits for that fan-in.
  private static final int WAITING_FOR_NESTED = 1 << 7;
  // Cancel reasons by code; 0 is none.
  private static final String[] CANCEL_REASONS = {
    null,
    FanoutRecords.CANCEL_JOIN_SATISFIED,
    FanoutRecords.CANCEL_JOIN_IMPOSSIBLE,
    FanoutRecords.CANCEL_FAIL_FAST,
    FanoutRecords.CANCEL_REQUESTED,
    FanoutRecords.CANCEL_BUDGET,
    "another reason"
  };

  private final FanoutRef ref;
  private final FanoutParent parent;
  private final FanoutOptions options;
  private final JoinPredicate predicate;
  private final int width;
  private final ChildrenView childrenView = new View();
  // A join folded child by child (JoinPredicate.childFold): the children changed since it last saw
  // them. Both null for every other join.
  private JoinPredicate.ChildFold childFold;
  private BitSet staleForFold;
  private final FanoutLog log;
  private final Reductions reductions;

  // Stages after the join (--then): run one at a time once the fan-in is decided. A stage's
  // records use index width + k, beyond every child's.
  private JoinPredicate thenIf;
  private FaninDecided decided;
  private int stage;
  private ChildState stageState = ChildState.PENDING_SPAWN;
  private String stageWorker;
  private Verdict stageVerdict;
  private final List<Long> stageResults = new ArrayList<>();

  // The merge queue at the join (--merge): each child's last step, and where the integration
  // branch stands (null: at the base).
  private final Map<Integer, MergeStep> mergeSteps = new java.util.TreeMap<>();
  private String integrationHead;
  // Children retried with --rebase: the integration branch's commit their current attempt starts
  // from, instead of the base.
  private final Map<Integer, String> rebasedOnto = new HashMap<>();
  // Every commit the recorded steps moved the integration branch to: what a retry may start from.
  private final java.util.Set<String> integrationHeads = new java.util.HashSet<>();
  // How many times a retry with --rebase reopened a completed join.
  private int reopenedJoins;

  // Listed subtasks: descriptors, targets, the dependency graph, the workers' summaries.
  private final List<SubtaskSpec> specs;
  private final Target[] targets;
  private final int[][] successors;
  private final int[] unacceptedDeps;
  private final int[] failedDeps;
  private final String[] summaries;
  private final int[] exitCodes; // NO_EXIT_CODE when the result had none

  // Data fan-outs: the loop, where its items are, and the one target of every child.
  private final DataLoop loop;
  private final DataLoop.ItemChunks chunks;
  private final Target dataTarget;

  // One row per child.
  private final byte[] lifecycle;
  private final byte[] verdict; // 0 = none, else Verdict ordinal + 1
  private final int[] attempt;
  private final byte[] lostRuns; // runs since the last manual retry, against max_attempts
  private final byte[] retries; // automatic retries used
  private final byte[] flags;
  private final char[] worker; // 0 = none, else index + 1 in workerDids
  private final float[] wall;
  private final long[] costMicros;
  private final long[] changedAt;
  private final long[] resultSeq; // seq of the fanout_child_done that gave the verdict, else 0
  private final long[] notBefore; // automatic retries only: no spawn before this time
  private final Map<Integer, String> hints = new HashMap<>();

  // The routing condition of each distinct cel: target, compiled once per fan-out.
  private final Map<String, RoutePredicate> routes = new HashMap<>();
  // Why routed children ready to spawn found no worker, as last seen by decide: what join-status
  // shows, not part of the state (like wakeAtMillis).
  private final Map<Integer, String> waitingHints = new java.util.TreeMap<>();
  // The fleet-wide routing rules, and what they give each child as of their version.
  private RoutingRules routingRules;
  private long routingRulesVersion = -1;
  private final Map<Integer, RoutePredicate> childRoutes = new HashMap<>();
  private final Map<Integer, String> childRouteTexts = new HashMap<>();

  // Straggler hedging (--hedge-after): when each child's current attempt was spawned (the
  // received_at of its fanout_spawned), the run times of accepted children (for the p95), the
  // children running two attempts now, the attempts to cancel because the other one decided, and
  // the hedged children's attempts whose result (and cost) has not arrived yet.
  private long[] spawnedAtMillis;
  private final List<Long> acceptedRunMillis = new ArrayList<>();
  private long[] sortedRunMillis = new long[0];
  private final Map<Integer, Hedge> hedges = new HashMap<>();
  private final BitSet hedgedChildren = new BitSet();
  private final Map<Integer, NewerAttempt> hedgeLosers = new HashMap<>();
  private final Map<Long, Unreported> unreportedHedgeAttempts = new HashMap<>();
  private long hedgeWakeAtMillis = Long.MAX_VALUE;

  private final List<String> workerDids = new ArrayList<>();
  private final Map<String, Integer> workerIndex = new HashMap<>();

  private int pendingCount;
  private int activeCount;
  private int cancellingCount;
  private int completedCount;
  private int acceptedCount;
  private int failedCount;
  private int cancelledCount;
  private int spawnedCount;
  private int retriedCount;
  private long retriesTotal;
  private long costTotalMicros;
  // Every result's cost, retried attempts' included: what a total budget counts.
  private long spentMicros;
  // Null without --total-budget.
  private final BudgetGate budgetGate;
  private final BitSet ready = new BitSet();
  private int readyCount;
  private final Map<Integer, BitSet> activeByWorker = new HashMap<>();
  // With --max-concurrency: the limit each active child's INTEND carries (ChildIntent.maxRunning),
  // 0 for none; what each worker may run of the fan-out follows from them (see Shares).
  private final Map<Integer, Integer> runLimits = new HashMap<>();
  // Newer attempts still spawned when a late accept completed their child, by child index, until
  // the fanout_cancel_sent that stops them is applied.
  private final Map<Integer, NewerAttempt> supersededToCancel = new HashMap<>();
  private long roundRobinSpawns;
  private int ignoredRecords;
  private boolean joinComplete;
  private String joinVerdict;
  private long joinCompletedAtMillis;
  private CancelRequest cancelRequest;
  // When the coordinator received the first spawn and the last result that counted, or -1.
  private long firstSpawnAtMillis = -1;
  private long lastResultAtMillis = -1;
  // When a waiting retry becomes due, as last seen by decide: a scheduling hint for Fanouts.
  private long wakeAtMillis = Long.MAX_VALUE;

  private long version;
  private long outcomeVersion = -1;
  private JoinOutcome outcome;
  private final ArrayDeque<Integer> recheck = new ArrayDeque<>();

  /**
   * A fan-out of listed subtasks as its parent INTEND describes it. The descriptors are validated
   * again here, so a parent written without the CLI's checks cannot produce a fold that breaks
   * later.
   */
  public FanoutState(
      FanoutRef ref, FanoutParent parent, List<SubtaskSpec> specs, JoinPredicate predicate) {
    this(ref, parent, specs, predicate, FanoutLog.NONE);
  }

  /**
   * A fan-out of listed subtasks whose {@code log} reads its children's results again when its
   * reducers must start over (an accepted child retried by hand).
   */
  public FanoutState(
      FanoutRef ref,
      FanoutParent parent,
      List<SubtaskSpec> specs,
      JoinPredicate predicate,
      FanoutLog log) {
    FanoutValidation.validate(specs);
    FanoutValidation.validateWorkspaces(specs, parent.worktree());
    requireMaxAttempts(parent);
    this.ref = ref;
    this.parent = parent;
    this.options = parent.options();
    this.budgetGate =
        options.totalBudgetUsd() == null ? null : new BudgetGate(micros(options.totalBudgetUsd()));
    this.predicate = predicate;
    this.log = log;
    this.reductions = new Reductions(parent.fanin().reducers());
    this.specs = List.copyOf(specs);
    this.loop = null;
    this.chunks = null;
    this.dataTarget = null;
    int n = specs.size();
    this.width = n;
    this.targets = new Target[n];
    this.unacceptedDeps = new int[n];
    this.failedDeps = new int[n];
    this.summaries = new String[n];
    this.exitCodes = new int[n];
    Arrays.fill(exitCodes, NO_EXIT_CODE);
    int[] successorCounts = new int[n];
    for (int i = 0; i < n; i++) {
      SubtaskSpec spec = specs.get(i);
      targets[i] = Target.parse(i, spec.target());
      noteRoute(targets[i]);
      unacceptedDeps[i] = spec.depends().size();
      for (int dependency : spec.depends()) {
        successorCounts[dependency]++;
      }
    }
    this.successors = new int[n][];
    for (int i = 0; i < n; i++) {
      successors[i] = successorCounts[i] == 0 ? NO_SUCCESSORS : new int[successorCounts[i]];
      successorCounts[i] = 0;
    }
    for (int i = 0; i < n; i++) {
      for (int dependency : specs.get(i).depends()) {
        successors[dependency][successorCounts[dependency]++] = i;
      }
    }
    this.lifecycle = new byte[n];
    this.verdict = new byte[n];
    this.attempt = new int[n];
    this.lostRuns = new byte[n];
    this.retries = new byte[n];
    this.flags = new byte[n];
    this.worker = new char[n];
    this.wall = new float[n];
    this.costMicros = new long[n];
    this.changedAt = new long[n];
    this.resultSeq = new long[n];
    this.notBefore = options.maxRetries() > 0 ? new long[n] : null;
    initRows();
    this.childFold = predicate.childFold(n).orElse(null);
    if (childFold != null) {
      // Every child is folded once as it starts (pending), then again each time it changes.
      staleForFold = new BitSet(n);
      staleForFold.set(0, n);
    }
  }

  /**
   * A data fan-out: its children are the shards of {@code parent.loop()}, whose items (for an item
   * loop) are in {@code chunks}; {@code log} reads what the fold does not keep.
   */
  public FanoutState(
      FanoutRef ref,
      FanoutParent parent,
      DataLoop.ItemChunks chunks,
      JoinPredicate predicate,
      FanoutLog log) {
    requireMaxAttempts(parent);
    if (parent.loop() == null) {
      throw new InvalidFanoutException(-1, "loop", "a data fan-out needs a loop");
    }
    FanoutValidation.validateDataJoin(predicate);
    this.ref = ref;
    this.parent = parent;
    this.options = parent.options();
    this.budgetGate =
        options.totalBudgetUsd() == null ? null : new BudgetGate(micros(options.totalBudgetUsd()));
    this.predicate = predicate;
    this.log = log;
    this.reductions = new Reductions(parent.fanin().reducers());
    this.loop = parent.loop();
    this.chunks = chunks;
    this.dataTarget = Target.parse(-1, loop.template().target());
    noteRoute(dataTarget);
    this.specs = List.of();
    this.targets = null;
    this.successors = null;
    this.unacceptedDeps = null;
    this.failedDeps = null;
    this.summaries = null;
    this.exitCodes = null;
    int n = loop.width();
    this.width = n;
    this.lifecycle = new byte[n];
    this.verdict = new byte[n];
    this.attempt = new int[n];
    this.lostRuns = new byte[n];
    this.retries = new byte[n];
    this.flags = new byte[n];
    this.worker = new char[n];
    this.wall = new float[n];
    this.costMicros = new long[n];
    this.changedAt = new long[n];
    this.resultSeq = new long[n];
    this.notBefore = options.maxRetries() > 0 ? new long[n] : null;
    initRows();
  }

  private void initRows() {
    for (SubtaskSpec stage : parent.fanin().stages()) {
      noteRoute(Target.parse(-1, stage.target()));
    }
    spawnedAtMillis = options.hedgeAfter() == null ? null : new long[width];
    Arrays.fill(attempt, 1);
    Arrays.fill(lostRuns, (byte) 1);
    pendingCount = width;
    if (unacceptedDeps == null) {
      ready.set(0, width);
      readyCount = width;
    } else {
      for (int i = 0; i < width; i++) {
        updateReady(i);
      }
    }
  }

  private static void requireMaxAttempts(FanoutParent parent) {
    if (parent.maxAttempts() < 1 || parent.maxAttempts() > FanoutParent.MAX_ATTEMPTS) {
      throw new InvalidFanoutException(
          -1,
          "max_attempts",
          "expected a whole number from 1 to "
              + FanoutParent.MAX_ATTEMPTS
              + " but found "
              + parent.maxAttempts());
    }
  }

  /** Compiles the parent's join and builds the fold of a fan-out of listed subtasks. */
  public static FanoutState create(
      FanoutRef ref, FanoutParent parent, List<SubtaskSpec> specs, JoinCompiler compiler) {
    return create(ref, parent, specs, compiler, FanoutLog.NONE);
  }

  /** As {@link #create(FanoutRef, FanoutParent, List, JoinCompiler)}, reading results from log. */
  public static FanoutState create(
      FanoutRef ref,
      FanoutParent parent,
      List<SubtaskSpec> specs,
      JoinCompiler compiler,
      FanoutLog log) {
    FanoutValidation.validate(specs);
    JoinPredicate predicate = Joins.compile(parent.join(), specs.size(), compiler);
    return new FanoutState(ref, parent, specs, predicate, log)
        .withThenIf(compiler)
        .withRoutes(compiler.routes());
  }

  /** Compiles the parent's join and builds the fold of a data fan-out. */
  public static FanoutState createData(
      FanoutRef ref,
      FanoutParent parent,
      DataLoop.ItemChunks chunks,
      JoinCompiler compiler,
      FanoutLog log) {
    JoinPredicate predicate = Joins.compile(parent.join(), parent.loop().width(), compiler);
    return new FanoutState(ref, parent, chunks, predicate, log)
        .withThenIf(compiler)
        .withRoutes(compiler.routes());
  }

  /**
   * A {@code cel:} target's condition waits for {@link #withRoutes}; until then nothing matches.
   */
  private void noteRoute(Target target) {
    if (target.kind() == Target.Kind.CEL) {
      routes.putIfAbsent(target.value(), RoutePredicate.uncompiled(target.value()));
    }
  }

  /**
   * Compiles each distinct {@code cel:} target once. A condition that does not compile is refused
   * naming the first subtask that has it (-1 for a template or a stage).
   */
  private FanoutState withRoutes(RouteCompiler compiler) {
    for (String text : List.copyOf(routes.keySet())) {
      try {
        routes.put(text, compiler.compile(text));
      } catch (InvalidFanoutException e) {
        throw new InvalidFanoutException(firstWithRoute(text), "target", e.problem());
      }
    }
    return this;
  }

  private int firstWithRoute(String text) {
    if (targets != null) {
      for (int i = 0; i < targets.length; i++) {
        if (targets[i].kind() == Target.Kind.CEL && targets[i].value().equals(text)) {
          return i;
        }
      }
    }
    return -1;
  }

  /** Whether any child (or stage) has a routing condition, its own or the fleet's. */
  public boolean routed() {
    return !routes.isEmpty() || (routingRules != null && !routingRules.isEmpty());
  }

  /** The fleet-wide routing rules its children are placed by too ({@link Fanouts} sets them). */
  void useRoutingRules(RoutingRules rules) {
    this.routingRules = rules;
  }

  /** The routing condition of a target alone (a stage's), or null when any worker will do. */
  private RoutePredicate routeOf(Target target) {
    return target.kind() == Target.Kind.CEL ? routes.get(target.value()) : null;
  }

  /**
   * The routing condition child {@code i} must be placed by: its {@code cel:} target and the
   * fleet-wide routing rules whose match holds for it, all of them; null when any worker will do.
   * Worked out once per child and rules version.
   */
  private RoutePredicate routeOf(int i) {
    RoutePredicate own = routeOf(target(i));
    if (routingRules == null || routingRules.isEmpty()) {
      return own;
    }
    if (routingRulesVersion != routingRules.version()) {
      childRoutes.clear();
      childRouteTexts.clear();
      routingRulesVersion = routingRules.version();
    }
    if (childRoutes.containsKey(i)) {
      return childRoutes.get(i);
    }
    List<RoutePredicate> all = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    if (own != null) {
      all.add(own);
      texts.add(target(i).toString());
    }
    for (RoutingRules.Compiled rule : routingRules.inForce()) {
      if (rule.match().matches(ref.namespace(), i, subtaskOf(i))) {
        all.add(rule.route());
        texts.add("routing rule '" + rule.rule().name() + "' (" + rule.rule().route() + ")");
      }
    }
    RoutePredicate route = all.isEmpty() ? null : RoutePredicate.allOf(all);
    childRoutes.put(i, route);
    childRouteTexts.put(i, String.join(" and ", texts));
    return route;
  }

  /**
   * The descriptor a routing rule's match reads: a listed subtask's, or a data fan-out's template.
   */
  private SubtaskSpec subtaskOf(int i) {
    if (loop == null) {
      return specs.get(i);
    }
    ChildTemplate template = loop.template();
    return new SubtaskSpec(
        template.goal(),
        template.target(),
        template.budget(),
        template.timeoutSecs(),
        List.of(),
        template.run(),
        null,
        null,
        template.executor());
  }

  /**
   * Why child {@code index}, ready to spawn, is not placed on any of the workers of {@code
   * directory}: no live worker, or none its routing condition holds for; null when it can be
   * placed, or is not waiting to spawn.
   */
  public String waitingFor(int index, WorkerDirectory directory) {
    if (!inRange(index) || state(index) != ChildState.PENDING_SPAWN || !ready.get(index)) {
      return null;
    }
    Placement placement = new Placement(directory, roundRobinSpawns);
    if (placement.noLiveWorker()) {
      return "no live worker";
    }
    return unplaced(placement, index);
  }

  /** Why routed child {@code i} finds no worker in {@code placement}, or null when not routed. */
  private String unplaced(Placement placement, int i) {
    RoutePredicate route = routeOf(i);
    if (route == null) {
      return null;
    }
    String what = childRouteTexts.getOrDefault(i, target(i).toString());
    return placement.anyMatches(route)
        ? "the live workers that match " + what + " are taken (a pinned worker that does not match)"
        : "no live worker matches " + what;
  }

  /**
   * Why child {@code index} waits to spawn as the coordinator's last decision saw it (a routed
   * child no live worker matched), or null.
   */
  public String waitingFor(int index) {
    return inRange(index) && state(index) == ChildState.PENDING_SPAWN
        ? waitingHints.get(index)
        : null;
  }

  /** The reasons routed children wait to spawn, as {@link #waitingFor(int)} gives them, grouped. */
  public List<JoinStatus.Waiting> waiting() {
    Map<String, JoinStatus.Waiting> byReason = new java.util.LinkedHashMap<>();
    for (var hint : waitingHints.entrySet()) {
      if (state(hint.getKey()) != ChildState.PENDING_SPAWN) {
        continue;
      }
      byReason.merge(
          hint.getValue(),
          new JoinStatus.Waiting(hint.getValue(), 1, hint.getKey()),
          (a, b) -> new JoinStatus.Waiting(a.reason(), a.subtasks() + 1, a.firstIndex()));
    }
    return List.copyOf(byReason.values());
  }

  /** Compiles the parent's {@code then_if}, which decides whether the stages after the join run. */
  private FanoutState withThenIf(JoinCompiler compiler) {
    String text = parent.fanin().thenIf();
    if (text != null) {
      try {
        thenIf = compiler.compile(text);
      } catch (InvalidFanoutException e) {
        throw new InvalidFanoutException(
            -1,
            "then_if",
            e.getMessage().startsWith("join: ") ? e.getMessage().substring(6) : e.getMessage());
      }
    }
    return this;
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
    return event.isPresent() && apply(event.get(), stored.receivedAtMillis(), stored.seq());
  }

  /**
   * Applies one event read from a record of this fan-out that the store received at {@code
   * receivedAtMillis} and holds at {@code seq}; see {@link #apply(StoredRecord)}.
   */
  boolean apply(FanoutEvent event, long receivedAtMillis, long seq) {
    if (!ref.id().equals(event.fanout())) {
      return false;
    }
    boolean changed;
    if (event instanceof Spawned spawned) {
      changed = applySpawned(spawned, receivedAtMillis);
      if (changed && firstSpawnAtMillis < 0) {
        firstSpawnAtMillis = receivedAtMillis;
      }
    } else if (event instanceof ChildDone done) {
      boolean beforeJoin = !joinComplete;
      changed = applyChildDone(done, receivedAtMillis, seq);
      if (changed && beforeJoin) {
        lastResultAtMillis = Math.max(lastResultAtMillis, receivedAtMillis);
      }
    } else if (event instanceof RetrySubtask retry) {
      changed = applyRetry(retry);
    } else if (event instanceof CancelRequest cancel) {
      changed = applyCancelRequest(cancel);
    } else if (event instanceof CancelSent cancel) {
      changed = applyCancelSent(cancel);
    } else if (event instanceof FaninDecided fanin) {
      changed = applyFaninDecided(fanin);
    } else if (event instanceof MergeStep step) {
      changed = applyMergeStep(step);
    } else {
      changed = applyJoinComplete((JoinComplete) event);
    }
    settle();
    if (!changed) {
      ignoredRecords++;
    }
    return changed;
  }

  /**
   * A step of the merge queue: counts only for the current attempt of an accepted child that has no
   * step for it yet, taken from where the integration branch stands (a step decided again after a
   * restart, or sent twice, changes nothing). A conflict or a failed check becomes the child's
   * verdict, and the join is evaluated again with it.
   */
  private boolean applyMergeStep(MergeStep step) {
    int i = step.index();
    if (mergeSpec() == null
        || joinComplete
        || !inRange(i)
        || !accepted(i)
        || step.attempt() != attempt[i]
        || !step.from().equals(integrationHead())) {
      return false;
    }
    MergeStep before = mergeSteps.get(i);
    if (before != null && before.attempt() == step.attempt()) {
      return false;
    }
    mergeSteps.put(i, step);
    if (step.outcome() == MergeQueue.Outcome.INTEGRATED) {
      integrationHead = step.head();
      integrationHeads.add(step.head());
      version++;
    } else {
      reverdict(i, step.outcome().verdict());
      if (!reductions.isEmpty()) {
        reduceAgain();
      }
    }
    return true;
  }

  /**
   * A retry with {@code --rebase} of a child the merge queue reported {@code conflict} or {@code
   * check_failed}: the next attempt starts from the integration branch's commit the retry names,
   * which must be the base or a commit a recorded step moved the branch to (the queue may have
   * moved it on since the request was made). A join that completed is reopened (no longer complete,
   * its verdict gone), the fan-in waits for the new attempt, the merge queue integrates it like any
   * accepted child, and the join is completed again by a later {@code fanout_join_complete}; the
   * later record is the one that counts. A stale request (another attempt, the branch moved since)
   * changes nothing, so a replay of the log gives the same state.
   */
  private boolean applyRebaseRetry(RetrySubtask retry) {
    int i = retry.index();
    if (!inRange(i)
        || retry.attempt() != attempt[i]
        || rebaseProblem(i) != null
        || !(retry.onto().equals(parent.worktree().base())
            || integrationHeads.contains(retry.onto()))) {
      return false;
    }
    if (joinComplete) {
      joinComplete = false;
      joinVerdict = null;
      joinCompletedAtMillis = 0;
      reopenedJoins++;
    }
    mergeSteps.remove(i);
    lostRuns[i] = 1;
    flags[i] &= ~LOST_ITS_WORKER;
    markRetried(i);
    if (notBefore != null) {
      notBefore[i] = 0;
    }
    if (retry.hint() == null) {
      hints.remove(i);
    } else {
      hints.put(i, retry.hint());
    }
    nextAttempt(i);
    rebasedOnto.put(i, retry.onto());
    return true;
  }

  /**
   * Why child {@code index} cannot be retried on top of the integration branch now, or null when it
   * can: the fan-out needs a merge queue (and no stages after its join, nor a cancel), and the
   * queue's last step for the child's current attempt must have given it {@code conflict} or {@code
   * check_failed}.
   */
  public String rebaseProblem(int index) {
    if (mergeSpec() == null) {
      return "--rebase: the fan-out has no merge queue (fan it out with --repo PATH --merge MODE)";
    }
    if (!parent.fanin().stages().isEmpty()) {
      return "--rebase: the fan-out has stages after its join (--then), which ran on its first"
          + " fan-in";
    }
    if (cancelRequest != null) {
      return "--rebase: the fan-out was cancelled";
    }
    MergeStep step = mergeSteps.get(index);
    if (state(index) != ChildState.DONE || step == null || step.attempt() != attempt[index]) {
      Verdict shown = verdictOf(index);
      return "--rebase: expected a child the merge queue reported conflict or check_failed, but"
          + " the merge queue has not reported it (attempt "
          + attempt[index]
          + ", "
          + (shown == null ? state(index).name().toLowerCase(java.util.Locale.ROOT) : shown.wire())
          + ")";
    }
    if (step.outcome() == MergeQueue.Outcome.INTEGRATED) {
      return "--rebase: it is integrated already (attempt "
          + step.attempt()
          + ", at "
          + step.head()
          + ")";
    }
    return null;
  }

  /** How many times a retry with {@code --rebase} reopened this fan-out's completed join. */
  public int reopenedJoins() {
    return reopenedJoins;
  }

  /**
   * The commit child {@code index}'s current attempt starts from: the integration branch's commit
   * its retry with {@code --rebase} named, else the fan-out's base.
   */
  public String childBase(int index) {
    return rebasedOnto.getOrDefault(index, parent.worktree().base());
  }

  /** Changes the verdict of a finished child (the merge queue's), keeping every count in step. */
  private void reverdict(int i, Verdict newVerdict) {
    boolean wasAccepted = accepted(i);
    boolean wasFailed = failedTerminal(i);
    count(i, -1);
    verdict[i] = (byte) (newVerdict.ordinal() + 1);
    count(i, +1);
    version++;
    changedAt[i] = version;
    markStaleForFold(i);
    if (successors != null && (wasAccepted != accepted(i) || wasFailed != failedTerminal(i))) {
      int acceptedDelta = (wasAccepted ? 1 : 0) - (accepted(i) ? 1 : 0);
      int failedDelta = (failedTerminal(i) ? 1 : 0) - (wasFailed ? 1 : 0);
      for (int successor : successors[i]) {
        unacceptedDeps[successor] += acceptedDelta;
        failedDeps[successor] += failedDelta;
        recheck.add(successor);
      }
    }
  }

  /** The fan-out's merge queue ({@code --merge}), or null without one. */
  public MergeQueue.Spec mergeSpec() {
    return parent.worktree() == null ? null : parent.worktree().merge();
  }

  /** The integration branch's commit as the recorded steps leave it: the base before the first. */
  public String integrationHead() {
    return integrationHead != null ? integrationHead : parent.worktree().base();
  }

  /** The merge queue's last step for each child that has one, in index order. */
  public List<MergeStep> mergeSteps() {
    return List.copyOf(mergeSteps.values());
  }

  /**
   * The next step of the merge queue once the join holds: the lowest accepted child whose current
   * attempt's result names a branch and that has no step for that attempt, or null when none is
   * left.
   */
  private MergeQueue.Job nextMergeJob() {
    MergeQueue.Spec spec = mergeSpec();
    if (spec == null) {
      return null;
    }
    List<MergeQueue.Candidate> accepted = new ArrayList<>();
    Map<Integer, Integer> stepped = new HashMap<>();
    for (MergeStep step : mergeSteps.values()) {
      stepped.put(step.index(), step.attempt());
    }
    for (int i = 0; i < width; i++) {
      if (!accepted(i) || resultSeq[i] == 0) {
        continue;
      }
      Integer done = stepped.get(i);
      if (done != null && done == attempt[i]) {
        continue;
      }
      ChildDone counted = log.childDone(resultSeq[i]).orElse(null);
      var result = counted == null ? null : counted.output().result();
      var git = result == null ? null : result.get("git");
      if (git == null || !git.path("branch").isTextual() || !git.path("head").isTextual()) {
        continue;
      }
      // The worker wrote them and git gets them as arguments: only the branch this fan-out named
      // for that attempt, at a full commit id.
      if (!git.get("branch").textValue().equals(parent.worktree().childBranch(i, counted.attempt()))
          || !Worktrees.isCommit(git.get("head").textValue())) {
        continue;
      }
      accepted.add(
          new MergeQueue.Candidate(
              i, attempt[i], git.get("branch").textValue(), git.get("head").textValue()));
    }
    MergeQueue.Candidate next = MergeQueue.next(accepted, stepped);
    if (next == null) {
      return null;
    }
    return new MergeQueue.Job(
        ref,
        next.index(),
        next.attempt(),
        next.branch(),
        next.head(),
        childBase(next.index()),
        integrationHead(),
        parent.worktree().integrationBranch(),
        spec,
        parent.worktree().remote());
  }

  /**
   * The merge queue as it stands (what the join record keeps once it completed): the integration
   * branch, its commit, the mode, each stepped child's outcome and how many are integrated; null
   * without a merge queue.
   */
  public com.fasterxml.jackson.databind.node.ObjectNode mergeJson() {
    MergeQueue.Spec spec = mergeSpec();
    if (spec == null) {
      return null;
    }
    var node = dev.spl.core.Json.MAPPER.createObjectNode();
    node.put("branch", parent.worktree().integrationBranch());
    node.put("head", integrationHead());
    node.put("mode", spec.mode().wire());
    int integrated = 0;
    var children = node.putArray("children");
    for (MergeStep step : mergeSteps.values()) {
      children.add(step.toSummary());
      if (step.outcome() == MergeQueue.Outcome.INTEGRATED && accepted(step.index())) {
        integrated++;
      }
    }
    node.put("integrated", integrated);
    return node;
  }

  private boolean applyFaninDecided(FaninDecided fanin) {
    if (joinComplete || decided != null || parent.fanin().stages().isEmpty()) {
      return false;
    }
    decided = fanin;
    version++;
    return true;
  }

  private boolean applySpawned(Spawned spawned, long receivedAtMillis) {
    boolean changed = false;
    for (Spawned.Entry entry : spawned.spawns()) {
      int i = entry.index();
      if (entry.hedge()) {
        changed |= applyHedgeSpawned(entry, receivedAtMillis);
        continue;
      }
      if (i == width + stage && decided != null && !joinComplete) {
        if (stageState == ChildState.PENDING_SPAWN && entry.attempt() == 1) {
          stageState = ChildState.IN_PROGRESS;
          stageWorker = entry.worker();
          version++;
          changed = true;
        }
        continue;
      }
      if (!inRange(i) || state(i) != ChildState.PENDING_SPAWN || entry.attempt() != attempt[i]) {
        continue;
      }
      worker[i] = workerCode(entry.worker());
      flags[i] = (byte) ((flags[i] | SPAWNED) & ~INTERRUPTED);
      spawnedCount++;
      if (target(i).kind() == Target.Kind.ROUND_ROBIN) {
        roundRobinSpawns++;
      }
      transition(i, ChildState.IN_PROGRESS, null);
      if (options.maxConcurrency() > 0) {
        runLimits.put(i, entry.maxRunning());
      }
      if (spawnedAtMillis != null) {
        spawnedAtMillis[i] = receivedAtMillis;
      }
      changed = true;
    }
    return changed;
  }

  /**
   * A hedge: attempt + 1 of a running child, started on another worker beside the running attempt.
   * Counts once per child, only with {@code --hedge-after}, only while the child runs the attempt
   * before it, and never on the worker that runs it.
   */
  private boolean applyHedgeSpawned(Spawned.Entry entry, long receivedAtMillis) {
    int i = entry.index();
    if (options.hedgeAfter() == null
        || !inRange(i)
        || state(i) != ChildState.IN_PROGRESS
        || joinComplete
        || entry.attempt() != attempt[i] + 1
        || hedgedChildren.get(i)
        || hedges.containsKey(i)
        || worker[i] == 0
        || workerCode(entry.worker()) == worker[i]) {
      return false;
    }
    hedges.put(i, new Hedge(attempt[i], worker[i]));
    hedgedChildren.set(i);
    unreportedHedgeAttempts.put(attemptKey(i, attempt[i]), new Unreported(worker[i]));
    unreportedHedgeAttempts.put(
        attemptKey(i, attempt[i] + 1), new Unreported(workerCode(entry.worker())));
    attempt[i]++;
    moveActive(i, workerCode(entry.worker()));
    spawnedAtMillis[i] = receivedAtMillis;
    version++;
    changedAt[i] = version;
    return true;
  }

  /** A hedged child's two attempts: the one it ran first, and whether each still runs. */
  private static final class Hedge {
    final int originAttempt;
    final char originWorker;
    boolean originOpen = true;
    boolean hedgeOpen = true;

    Hedge(int originAttempt, char originWorker) {
      this.originAttempt = originAttempt;
      this.originWorker = originWorker;
    }
  }

  /**
   * How long the join waits, after an attempt decided a hedged child, for the other attempt's
   * result (it was cancelled, and reports what it spent), so the join's spent total holds both.
   */
  static final long HEDGE_COST_WAIT_MILLIS = 10_000;

  /** An attempt of a hedged child whose result has not arrived: its worker, how long to wait. */
  private static final class Unreported {
    final char worker;
    long waitUntilMillis = Long.MIN_VALUE;

    Unreported(char worker) {
      this.worker = worker;
    }
  }

  /**
   * Until when the join waits for the cost of decided hedged children's cancelled attempts: the
   * latest wait of those whose worker is not lost, or {@link Long#MIN_VALUE} for none.
   */
  private long hedgeCostsDueMillis(WorkerDirectory directory, long nowMillis) {
    long until = Long.MIN_VALUE;
    for (Unreported unreported : unreportedHedgeAttempts.values()) {
      if (unreported.waitUntilMillis <= nowMillis) {
        continue;
      }
      String did = workerDids.get(unreported.worker - 1);
      if (directory.lost().stream().noneMatch(lost -> lost.did().equals(did))) {
        until = Math.max(until, unreported.waitUntilMillis);
      }
    }
    return until;
  }

  private static long attemptKey(int i, int attempt) {
    return ((long) i << 32) | (attempt & 0xffffffffL);
  }

  /** The running child is now the business of another worker (its other attempt's). */
  private void moveActive(int i, char to) {
    if (worker[i] == to) {
      return;
    }
    BitSet from = activeByWorker.get((int) worker[i]);
    if (from != null) {
      from.clear(i);
      if (from.isEmpty()) {
        activeByWorker.remove((int) worker[i]);
      }
    }
    worker[i] = to;
    activeByWorker.computeIfAbsent((int) to, w -> new BitSet()).set(i);
  }

  /**
   * The result of one attempt of a hedged child. A result that is not an accept while the other
   * attempt still runs waits for that one (the child keeps running; when the hedge ended it is the
   * first attempt's again). An accept, or the result of the attempt that ended last, decides the
   * child: the other attempt, if it still runs, is cancelled ({@code hedge_lost}). Returns {@code
   * null} when the result decides the child (the caller completes it as the current attempt's),
   * else whether it changed the state.
   */
  private Boolean applyHedgedResult(int i, Hedge hedge, ChildDone done, long receivedAtMillis) {
    boolean fromOrigin = done.attempt() == hedge.originAttempt && hedge.originOpen;
    boolean fromHedge = done.attempt() == attempt[i] && hedge.hedgeOpen;
    if (!fromOrigin && !fromHedge) {
      return false;
    }
    boolean otherOpen = fromOrigin ? hedge.hedgeOpen : hedge.originOpen;
    if (fromOrigin) {
      hedge.originOpen = false;
    } else {
      hedge.hedgeOpen = false;
    }
    if (done.verdict() != Verdict.ACCEPT && otherOpen) {
      if (fromHedge) {
        moveActive(i, hedge.originWorker);
      }
      version++;
      changedAt[i] = version;
      return true;
    }
    hedges.remove(i);
    if (otherOpen) {
      NewerAttempt loser =
          fromOrigin
              ? new NewerAttempt(attempt[i], worker[i])
              : new NewerAttempt(hedge.originAttempt, hedge.originWorker);
      hedgeLosers.put(i, loser);
      Unreported cost = unreportedHedgeAttempts.get(attemptKey(i, loser.attempt()));
      if (cost != null) {
        cost.waitUntilMillis = receivedAtMillis + HEDGE_COST_WAIT_MILLIS;
      }
    }
    if (fromOrigin) {
      moveActive(i, hedge.originWorker);
    }
    return null;
  }

  /**
   * The time from spawn to accepted result of a child that was not hedged, on the coordinator's
   * clock, for the p95 hedging waits for: the same measure as a running child's time since its
   * spawn, so a child that waits for a slot is not taken for a straggler.
   */
  private void noteAcceptedRun(int i, long receivedAtMillis) {
    if (options.hedgeAfter() != null && options.hedgeAfter().p95() && !hedgedChildren.get(i)) {
      acceptedRunMillis.add(Math.max(0, receivedAtMillis - spawnedAtMillis[i]));
    }
  }

  /**
   * The p95 (nearest rank) of the times from spawn to accepted result of the children accepted
   * without a hedge, or -1 while fewer than {@link HedgeAfter#P95_MIN_SAMPLES} (or all the other
   * children, in a narrower fan-out) were accepted.
   */
  long hedgeP95Millis() {
    int needed = Math.max(1, Math.min(HedgeAfter.P95_MIN_SAMPLES, width - 1));
    if (acceptedRunMillis.size() < needed) {
      return -1;
    }
    if (sortedRunMillis.length != acceptedRunMillis.size()) {
      sortedRunMillis = acceptedRunMillis.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    int rank = (int) Math.ceil(0.95 * sortedRunMillis.length);
    return sortedRunMillis[Math.max(0, rank - 1)];
  }

  private boolean applyChildDone(ChildDone done, long receivedAtMillis, long seq) {
    int i = done.index();
    if (i >= width) {
      return applyStageDone(done, seq);
    }
    // Each attempt of a hedged child costs what it reports, whichever decides (and after).
    boolean hedgeCost =
        inRange(i)
            && !unreportedHedgeAttempts.isEmpty()
            && unreportedHedgeAttempts.remove(attemptKey(i, done.attempt())) != null;
    if (hedgeCost) {
      spentMicros += Math.max(0, micros(done.costUsd()));
    }
    boolean decidedByHedge = false;
    Hedge hedge = inRange(i) ? hedges.get(i) : null;
    if (hedge != null && !state(i).terminal() && !joinComplete) {
      Boolean waited = applyHedgedResult(i, hedge, done, receivedAtMillis);
      if (waited != null) {
        return waited || hedgeCost;
      }
      decidedByHedge = true;
    }
    if (!inRange(i)
        || state(i).terminal()
        || (!decidedByHedge
            && done.attempt() != attempt[i]
            && !lateAcceptOfAMovedAttempt(i, done))) {
      // Only the first result of the current attempt counts (or a late accept, below): results of
      // attempts that were retried, and duplicates, are kept in the log but change nothing.
      return hedgeCost;
    }
    ChildState from = state(i);
    boolean late = !decidedByHedge && done.attempt() != attempt[i];
    int newerAttempt = attempt[i];
    char newerWorker = worker[i];
    if (!hedgeCost) {
      spentMicros += Math.max(0, micros(done.costUsd()));
    }
    if (done.verdict() == Verdict.CANCELLED
        && from == ChildState.IN_PROGRESS
        && !joinComplete
        && FanoutRecords.INTERRUPTED_BY_HARD_FREEZE.equals(done.interruptedBy())) {
      if (done.worker() != null) {
        worker[i] = workerCode(done.worker());
      }
      interrupt(i);
      return true;
    }
    // A late accept comes from an earlier attempt's worker: the current attempt's worker keeps the
    // child in its active set until the transition below takes it out.
    if (done.worker() != null && !late) {
      worker[i] = workerCode(done.worker());
    }
    if (from == ChildState.IN_PROGRESS
        && !joinComplete
        && cancelRequest == null
        && retriable(done.verdict())
        && retries[i] < options.maxRetries()) {
      scheduleRetry(i, receivedAtMillis);
      return true;
    }
    setCost(i, micros(done.costUsd()));
    wall[i] = (float) done.wallTimeSecs();
    resultSeq[i] = seq;
    if (summaries != null) {
      summaries[i] = done.summary();
      exitCodes[i] = done.exitCode() == null ? NO_EXIT_CODE : done.exitCode();
    }
    transition(i, ChildState.DONE, done.verdict());
    if (late && from == ChildState.IN_PROGRESS && newerWorker != 0) {
      supersededToCancel.put(i, new NewerAttempt(newerAttempt, newerWorker));
    }
    if (done.worker() != null && late) {
      worker[i] = workerCode(done.worker());
    }
    if (done.verdict() == Verdict.ACCEPT && !reductions.isEmpty()) {
      reductions.add(i, done.output().result());
    }
    if (done.verdict() == Verdict.ACCEPT) {
      noteAcceptedRun(i, receivedAtMillis);
    }
    return true;
  }

  /**
   * Whether {@code done} accepts an earlier attempt of child {@code i} that was moved only because
   * its worker was thought lost (no manual or automatic retry since): that worker finished the work
   * after all, and the receiver checked that the attempt was spawned on the worker that signed the
   * result. Counting it means the child is done and a later attempt is never started, so slow
   * heartbeats do not make completed work run again.
   */
  private boolean lateAcceptOfAMovedAttempt(int i, ChildDone done) {
    int firstMovedAttempt = attempt[i] - lostRuns[i] + 1;
    return done.verdict() == Verdict.ACCEPT
        && (flags[i] & LOST_ITS_WORKER) != 0
        && done.attempt() >= firstMovedAttempt
        && done.attempt() < attempt[i];
  }

  /** The current stage's result: the next stage is due after an accept, else the chain ends. */
  private boolean applyStageDone(ChildDone done, long seq) {
    if (decided == null
        || joinComplete
        || done.index() != width + stage
        || done.attempt() != 1
        || stageState != ChildState.IN_PROGRESS) {
      return false;
    }
    stageResults.add(seq);
    stageVerdict = done.verdict();
    if (done.verdict() == Verdict.ACCEPT && stage + 1 < parent.fanin().stages().size()) {
      stage++;
      stageState = ChildState.PENDING_SPAWN;
      stageWorker = null;
    } else {
      stageState = ChildState.DONE;
    }
    version++;
    return true;
  }

  /** Verdicts an automatic retry may turn around: the work failed, not the join or the operator. */
  static boolean retriable(Verdict verdict) {
    return verdict == Verdict.REJECT || verdict == Verdict.FAILED || verdict == Verdict.TIMEOUT;
  }

  /**
   * The attempt failed and retries are left: the child goes back to pending spawn as the next
   * attempt, spawned no earlier than the time the coordinator received the result plus the back-off
   * for this retry. Its result is not counted: the join sees the child as pending.
   */
  private void scheduleRetry(int i, long receivedAtMillis) {
    retries[i]++;
    markRetried(i);
    notBefore[i] = receivedAtMillis + options.backoffMillis(retries[i]);
    nextAttempt(i);
    lostRuns[i] = 1;
  }

  private boolean applyRetry(RetrySubtask retry) {
    int i = retry.index();
    if (retry.rebase()) {
      return applyRebaseRetry(retry);
    }
    if (!inRange(i) || joinComplete || retry.attempt() != attempt[i]) {
      return false;
    }
    boolean lost = retry.workerLost();
    if (lost ? state(i) != ChildState.IN_PROGRESS : state(i) != ChildState.DONE) {
      return false;
    }
    Hedge hedge = hedges.get(i);
    if (lost && hedge != null) {
      if (hedge.hedgeOpen && hedge.originOpen) {
        // The hedge's worker is lost: the first attempt still runs, and the child with it.
        hedge.hedgeOpen = false;
        unreportedHedgeAttempts.remove(attemptKey(i, attempt[i]));
        moveActive(i, hedge.originWorker);
        version++;
        changedAt[i] = version;
        return true;
      }
      hedges.remove(i);
      unreportedHedgeAttempts.remove(attemptKey(i, hedge.originAttempt));
    }
    boolean wasAccepted = accepted(i);
    if (lost) {
      lostRuns[i] = (byte) Math.min(Byte.MAX_VALUE, lostRuns[i] + 1);
      flags[i] |= LOST_ITS_WORKER;
    } else {
      lostRuns[i] = 1;
      flags[i] &= ~LOST_ITS_WORKER;
      markRetried(i);
      if (notBefore != null) {
        notBefore[i] = 0;
      }
      rebasedOnto.remove(i);
    }
    if (retry.hint() != null || !lost) {
      if (retry.hint() == null) {
        hints.remove(i);
      } else {
        hints.put(i, retry.hint());
      }
    }
    nextAttempt(i);
    if (wasAccepted && !reductions.isEmpty()) {
      reduceAgain();
    }
    return true;
  }

  /**
   * Starts the reducers over from the results of the children accepted now, in index order: a child
   * whose accepted attempt was retried by hand no longer counts, and a min or max cannot take one
   * value out. Reads each result from the log; manual retries are rare.
   */
  private void reduceAgain() {
    reductions.reset();
    for (int j = 0; j < width; j++) {
      if (accepted(j) && resultSeq[j] != 0) {
        reductions.add(
            j, log.childDone(resultSeq[j]).map(done -> done.output().result()).orElse(null));
      }
    }
  }

  private void markRetried(int i) {
    retriesTotal++;
    if ((flags[i] & RETRIED) == 0) {
      flags[i] |= RETRIED;
      retriedCount++;
    }
  }

  /** Back to pending spawn as attempt + 1, with nothing of the attempt that ended. */
  private void nextAttempt(int i) {
    attempt[i]++;
    transition(i, ChildState.PENDING_SPAWN, null);
    if ((flags[i] & SPAWNED) != 0) {
      spawnedCount--;
    }
    flags[i] = (byte) (flags[i] & ~(SPAWNED | INTERRUPTED | CANCEL_REASON_MASK));
    setCost(i, 0);
    wall[i] = 0;
    resultSeq[i] = 0;
    if (summaries != null) {
      summaries[i] = null;
      exitCodes[i] = NO_EXIT_CODE;
    }
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
   * lost, and an interruption says nothing about the child), nor as a retry, and it keeps its hint
   * and its last retry reason, so a child that already went elsewhere after losing its pinned
   * worker still may. Cancels the coordinator asked for are not interruptions: a cancelling child's
   * result is terminal whatever the worker says, and so is any result after the join completed.
   */
  private void interrupt(int i) {
    nextAttempt(i);
    flags[i] |= INTERRUPTED;
  }

  private boolean applyCancelSent(CancelSent cancel) {
    if (FanoutRecords.CANCEL_HEDGE_LOST.equals(cancel.reason())) {
      // The children are decided already: the cancel stops their other attempt, no verdict.
      boolean changed = false;
      for (int i : cancel.indices()) {
        changed |= hedgeLosers.remove(i) != null;
      }
      return changed;
    }
    if (FanoutRecords.CANCEL_SUPERSEDED.equals(cancel.reason())) {
      // The children are done already: the cancel stops their newer attempts and is no verdict.
      boolean changed = false;
      for (int i : cancel.indices()) {
        changed |= supersededToCancel.remove(i) != null;
      }
      return changed;
    }
    boolean changed = false;
    int reason = cancelReasonCode(cancel.reason());
    for (int i : cancel.indices()) {
      if (!inRange(i)) {
        continue;
      }
      if (state(i) == ChildState.PENDING_SPAWN) {
        setCancelReason(i, reason);
        flags[i] &= ~INTERRUPTED;
        transition(i, ChildState.DONE, Verdict.CANCELLED);
        changed = true;
      } else if (state(i) == ChildState.IN_PROGRESS) {
        setCancelReason(i, reason);
        Hedge hedge = hedges.get(i);
        if (hedge != null && hedge.hedgeOpen && hedge.originOpen) {
          // The cancel went to the hedge (the current attempt); the first attempt is stopped too.
          hedge.originOpen = false;
          hedgeLosers.put(i, new NewerAttempt(hedge.originAttempt, hedge.originWorker));
        }
        transition(i, ChildState.CANCELLING, null);
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

  private boolean inRange(int index) {
    return index >= 0 && index < width;
  }

  private char workerCode(String did) {
    Integer known = workerIndex.get(did);
    if (known == null) {
      if (workerDids.size() >= Character.MAX_VALUE - 1) {
        // More distinct workers than a fleet has: the newest ones share the last slot.
        return (char) workerDids.size();
      }
      known = workerDids.size();
      workerDids.add(did);
      workerIndex.put(did, known);
    }
    return (char) (known + 1);
  }

  private void setCancelReason(int i, int code) {
    flags[i] = (byte) ((flags[i] & ~CANCEL_REASON_MASK) | (code << CANCEL_REASON_SHIFT));
  }

  private static int cancelReasonCode(String reason) {
    for (int code = 1; code < CANCEL_REASONS.length - 1; code++) {
      if (CANCEL_REASONS[code].equals(reason)) {
        return code;
      }
    }
    return CANCEL_REASONS.length - 1;
  }

  private void setCost(int i, long micros) {
    costTotalMicros += micros - costMicros[i];
    costMicros[i] = micros;
  }

  /** USD as whole micro-dollars (half even), saturating far beyond any budget. */
  static long micros(BigDecimal usd) {
    BigDecimal micros = usd.movePointRight(6).setScale(0, RoundingMode.HALF_EVEN);
    if (micros.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
      return Long.MAX_VALUE / 4;
    }
    if (micros.compareTo(BigDecimal.valueOf(Long.MIN_VALUE / 4)) < 0) {
      return Long.MIN_VALUE / 4;
    }
    return micros.longValue();
  }

  static BigDecimal usd(long micros) {
    BigDecimal value = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return value.scale() < 0 ? value.setScale(0) : value;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle bookkeeping

  private ChildState state(int i) {
    return STATES[lifecycle[i]];
  }

  private Verdict verdictOf(int i) {
    return verdict[i] == 0 ? null : VERDICTS[verdict[i] - 1];
  }

  private boolean accepted(int i) {
    return state(i) == ChildState.DONE && verdict[i] == Verdict.ACCEPT.ordinal() + 1;
  }

  private boolean failedTerminal(int i) {
    return state(i).terminal() && verdict[i] != Verdict.ACCEPT.ordinal() + 1;
  }

  private void transition(int i, ChildState to, Verdict newVerdict) {
    ChildState from = state(i);
    if (!from.canMoveTo(to)) {
      throw new IllegalStateException(
          "subtask " + i + ": no transition from " + from + " to " + to);
    }
    boolean wasAccepted = accepted(i);
    boolean wasFailed = failedTerminal(i);
    count(i, -1);
    flags[i] &= ~WAITING_FOR_NESTED;
    if (from.active() && !to.active()) {
      runLimits.remove(i);
      BitSet onWorker = activeByWorker.get((int) worker[i]);
      if (onWorker != null) {
        onWorker.clear(i);
        if (onWorker.isEmpty()) {
          activeByWorker.remove((int) worker[i]);
        }
      }
    }
    lifecycle[i] = (byte) to.ordinal();
    verdict[i] = to.terminal() && newVerdict != null ? (byte) (newVerdict.ordinal() + 1) : 0;
    if (to.active() && !from.active() && worker[i] != 0) {
      activeByWorker.computeIfAbsent((int) worker[i], w -> new BitSet()).set(i);
    }
    count(i, +1);
    updateReady(i);
    version++;
    changedAt[i] = version;
    markStaleForFold(i);
    if (successors != null) {
      boolean isAccepted = accepted(i);
      boolean isFailed = failedTerminal(i);
      if (wasAccepted != isAccepted || wasFailed != isFailed) {
        int acceptedDelta = (wasAccepted ? 1 : 0) - (isAccepted ? 1 : 0);
        int failedDelta = (isFailed ? 1 : 0) - (wasFailed ? 1 : 0);
        for (int successor : successors[i]) {
          unacceptedDeps[successor] += acceptedDelta;
          failedDeps[successor] += failedDelta;
          recheck.add(successor);
        }
      }
    }
  }

  /** Propagates skips (and un-skips after a retry) through dependents without recursion. */
  private void settle() {
    Integer next;
    while ((next = recheck.poll()) != null) {
      int i = next;
      if (state(i) == ChildState.PENDING_SPAWN && failedDeps[i] > 0) {
        transition(i, ChildState.SKIPPED, Verdict.SKIPPED);
      } else if (state(i) == ChildState.SKIPPED && failedDeps[i] == 0) {
        transition(i, ChildState.PENDING_SPAWN, null);
      } else {
        updateReady(i);
      }
    }
  }

  private void count(int i, int sign) {
    switch (state(i)) {
      case PENDING_SPAWN -> pendingCount += sign;
      case IN_PROGRESS -> activeCount += sign;
      case CANCELLING -> {
        activeCount += sign;
        cancellingCount += sign;
      }
      case DONE, SKIPPED -> {
        completedCount += sign;
        if (verdict[i] == Verdict.ACCEPT.ordinal() + 1) {
          acceptedCount += sign;
        } else {
          failedCount += sign;
          if (verdict[i] == Verdict.CANCELLED.ordinal() + 1) {
            cancelledCount += sign;
          }
        }
      }
    }
  }

  private void updateReady(int i) {
    boolean shouldBeReady =
        state(i) == ChildState.PENDING_SPAWN && (unacceptedDeps == null || unacceptedDeps[i] == 0);
    if (shouldBeReady != ready.get(i)) {
      ready.set(i, shouldBeReady);
      readyCount += shouldBeReady ? 1 : -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions

  /** How the fan-out ends, once it is decided. */
  private record Ending(JoinOutcome outcome, String verdict, String cancelReason) {}

  /**
   * What to do now, given the workers and the spawn policy. Does not change the state (see the
   * class comment for the contract). Order: if the fan-out is decided (by the join and the failure
   * policy), cancel what still runs or waits and complete the join; otherwise reassign or give up
   * children of lost workers, then spawn ready children in index order while the window ({@link
   * FanoutOptions#window()}) has room: those whose target resolves to a live worker, whose
   * automatic retry is due, and whose child INTEND {@code policy} lets through; the others are
   * returned as {@link FanoutAction.Hold}.
   */
  public List<FanoutAction> decide(long nowMillis, WorkerDirectory directory, SpawnPolicy policy) {
    List<FanoutAction> actions = new ArrayList<>();
    addSupersededCancel(actions);
    addHedgeLostCancel(actions);
    if (joinComplete) {
      addLeftoverCancel(actions, leftoverCancelReason());
      return actions;
    }
    if (cancelRequest != null) {
      addLeftoverCancel(actions, FanoutRecords.CANCEL_REQUESTED);
      actions.add(
          completeJoin(
              new Ending(JoinOutcome.IMPOSSIBLE, JoinComplete.CANCELLED, null), nowMillis));
      return actions;
    }
    if (decided != null) {
      decideStages(actions, directory, policy, nowMillis);
      return actions;
    }
    Ending ending = ending();
    if (ending != null
        && ending.outcome() == JoinOutcome.SATISFIED
        && mergeSpec() != null
        && pendingCount + activeCount > 0) {
      // A merge queue may turn an accept into a conflict, so children still to come are not
      // cancelled when the join holds: the queue starts once every child has finished.
      ending = null;
    }
    if (ending != null) {
      addLeftoverCancel(actions, ending.cancelReason());
      long costsDue =
          unreportedHedgeAttempts.isEmpty()
              ? Long.MIN_VALUE
              : hedgeCostsDueMillis(directory, nowMillis);
      if (costsDue > nowMillis) {
        hedgeWakeAtMillis = costsDue;
        return actions;
      }
      MergeQueue.Job job = ending.outcome() == JoinOutcome.SATISFIED ? nextMergeJob() : null;
      if (job != null) {
        actions.add(new FanoutAction.Merge(ref, job));
        return actions;
      }
      if (parent.fanin().stages().isEmpty()) {
        actions.add(completeJoin(ending, nowMillis));
      } else {
        actions.add(decideFanin(ending, nowMillis));
      }
      return actions;
    }
    if (budgetGate != null && budgetGate.exceeded(spentMicros)) {
      addBudgetCancel(actions);
      if (!actions.isEmpty()) {
        return actions;
      }
    }
    decideLostWorkers(actions, directory, nowMillis);
    decideSpawns(actions, directory, policy, nowMillis);
    decideHedges(actions, directory, policy, nowMillis);
    return actions;
  }

  /** Cancels the other attempt of each hedged child that one attempt decided. */
  private void addHedgeLostCancel(List<FanoutAction> actions) {
    addAttemptCancels(actions, hedgeLosers, FanoutRecords.CANCEL_HEDGE_LOST);
  }

  /** One cancel of the given attempt of each child, on the worker it was spawned on. */
  private void addAttemptCancels(
      List<FanoutAction> actions, Map<Integer, NewerAttempt> attempts, String reason) {
    if (attempts.isEmpty()) {
      return;
    }
    List<FanoutAction.CancelledChild> cancelled = new ArrayList<>();
    for (int i : attempts.keySet().stream().sorted().toList()) {
      NewerAttempt newer = attempts.get(i);
      cancelled.add(
          new FanoutAction.CancelledChild(
              i, newer.attempt(), thread(i), workerDids.get(newer.worker() - 1)));
    }
    actions.add(new FanoutAction.Cancel(ref, List.copyOf(cancelled), reason));
  }

  /**
   * Hedges stragglers ({@code --hedge-after}): each child running longer than the threshold since
   * its spawn (the siblings' p95 run time, or the fixed seconds), not hedged before, whose subtask
   * allows it ({@code hedge} not false), is spawned once more as attempt + 1 on another live worker
   * its target allows (never the one it runs on: a pinned child is never hedged), the least loaded.
   * A hedge counts against no window, but fits the total budget like a spawn.
   */
  private void decideHedges(
      List<FanoutAction> actions, WorkerDirectory directory, SpawnPolicy policy, long nowMillis) {
    hedgeWakeAtMillis = Long.MAX_VALUE;
    HedgeAfter after = options.hedgeAfter();
    if (after == null || activeCount - cancellingCount == 0) {
      return;
    }
    long threshold = after.p95() ? hedgeP95Millis() : after.millis();
    if (threshold < 0) {
      return;
    }
    Placement placement = null;
    long committed = budgetGate == null ? 0 : committedMicros();
    long wake = Long.MAX_VALUE;
    BitSet running = new BitSet();
    activeByWorker.values().forEach(running::or);
    for (int i = running.nextSetBit(0); i >= 0; i = running.nextSetBit(i + 1)) {
      if (state(i) != ChildState.IN_PROGRESS
          || hedgedChildren.get(i)
          || (flags[i] & WAITING_FOR_NESTED) != 0
          || (loop == null && Boolean.FALSE.equals(specs.get(i).hedge()))) {
        continue;
      }
      long due = spawnedAtMillis[i] + threshold;
      if (due > nowMillis) {
        wake = Math.min(wake, due);
        continue;
      }
      long childBudget = budgetGate == null ? 0 : budgetMicros(i);
      if (budgetGate != null
          && budgetGate.spawn(spentMicros, committed, childBudget) != BudgetGate.Spawn.GO) {
        continue;
      }
      if (placement == null) {
        placement = new Placement(directory, roundRobinSpawns);
      }
      Target target = target(i);
      Placement.Choice choice =
          placement.choose(
              target.kind() == Target.Kind.ROUND_ROBIN ? Target.LEAST_LOADED : target,
              false,
              routeOf(i),
              worker(i));
      if (choice.none()) {
        continue;
      }
      WorkerInfo chosen = placement.worker(choice);
      int hedgeAttempt = attempt[i] + 1;
      ChildIntent intent;
      try {
        intent = childIntent(i, hedgeAttempt, directory.coordinator(), chosen.did());
      } catch (InvalidFanoutException e) {
        continue;
      }
      FanoutRecords.Draft draft = new FanoutRecords.Draft(thread(i), Act.INTEND, intent.toBody());
      Optional<String> refusal = policy.refusal(draft);
      if (refusal.isPresent()) {
        actions.add(new FanoutAction.Hold(ref, i, hedgeAttempt, refusal.get()));
        continue;
      }
      placement.take(choice);
      committed += childBudget;
      actions.add(
          new FanoutAction.Spawn(
              ref,
              i,
              hedgeAttempt,
              thread(i),
              chosen,
              "specific:" + chosen.did(),
              draft.body(),
              true,
              0));
    }
    hedgeWakeAtMillis = wake;
  }

  /** Whether the child was started a second time beside its first attempt. */
  public boolean hedged(int index) {
    return hedgedChildren.get(index);
  }

  /** How many children were hedged. */
  public int hedgedCount() {
    return hedgedChildren.cardinality();
  }

  /**
   * Whether {@code attempt} of child {@code index} is the first attempt of a hedged child that
   * still runs on {@code worker} beside its hedge: it stays current until one of them decides.
   */
  public boolean runsBesideItsHedge(int index, int attempt, String worker) {
    Hedge hedge = hedges.get(index);
    return hedge != null
        && hedge.originOpen
        && hedge.originAttempt == attempt
        && workerDids.get(hedge.originWorker - 1).equals(worker)
        && state(index).active();
  }

  /** The attempt of a running child its worker runs now (the first one once its hedge ended). */
  private int runningAttempt(int i) {
    Hedge hedge = hedges.get(i);
    return hedge != null && !hedge.hedgeOpen ? hedge.originAttempt : attempt[i];
  }

  /**
   * Cancels the newer attempts that were spawned when a late accept completed their child (see
   * {@link #lateAcceptOfAMovedAttempt}), on the workers they were spawned on: one still waiting
   * there never starts, one running is stopped. Its result changes nothing, the child being done.
   */
  private void addSupersededCancel(List<FanoutAction> actions) {
    addAttemptCancels(actions, supersededToCancel, FanoutRecords.CANCEL_SUPERSEDED);
  }

  /** The attempt a late accept superseded, and the code of the worker it was spawned on. */
  private record NewerAttempt(int attempt, char worker) {}

  /** Cancels every child still pending or running (not yet cancelling): the budget is spent. */
  private void addBudgetCancel(List<FanoutAction> actions) {
    List<FanoutAction.CancelledChild> cancelled = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      ChildState state = state(i);
      if (state == ChildState.PENDING_SPAWN || state == ChildState.IN_PROGRESS) {
        cancelled.add(
            new FanoutAction.CancelledChild(
                i,
                runningAttempt(i),
                thread(i),
                state == ChildState.IN_PROGRESS ? worker(i) : null));
      }
    }
    if (!cancelled.isEmpty()) {
      actions.add(
          new FanoutAction.Cancel(ref, List.copyOf(cancelled), FanoutRecords.CANCEL_BUDGET));
    }
  }

  /** The budget of child {@code i} in micro-dollars; 0 without one. */
  private long budgetMicros(int i) {
    java.math.BigDecimal budget = loop != null ? loop.template().budget() : specs.get(i).budget();
    return budget == null ? 0 : micros(budget);
  }

  /** The budgets of the children running now (cancelling ones too: they may still spend). */
  private long committedMicros() {
    long committed = 0;
    if (activeCount == 0) {
      return 0;
    }
    for (int i = 0; i < width; i++) {
      ChildState state = state(i);
      if (state == ChildState.IN_PROGRESS || state == ChildState.CANCELLING) {
        committed += budgetMicros(i);
      }
    }
    // A hedged child running both attempts may spend twice.
    for (var hedge : hedges.entrySet()) {
      if (hedge.getValue().originOpen && hedge.getValue().hedgeOpen) {
        committed += budgetMicros(hedge.getKey());
      }
    }
    return committed;
  }

  /** What the fan-out has spent so far, in USD: the costs of all its children's results. */
  /** What the children's counted results cost together. */
  public BigDecimal totalCostUsd() {
    return usd(costTotalMicros);
  }

  public java.math.BigDecimal spentUsd() {
    return usd(spentMicros);
  }

  private String leftoverCancelReason() {
    return switch (joinVerdict) {
      case JoinComplete.REJECT ->
          options.policy() == FanoutPolicy.FAIL_FAST && failedCount > cancelledCount
              ? FanoutRecords.CANCEL_FAIL_FAST
              : FanoutRecords.CANCEL_JOIN_IMPOSSIBLE;
      case JoinComplete.CANCELLED -> FanoutRecords.CANCEL_REQUESTED;
      default -> FanoutRecords.CANCEL_JOIN_SATISFIED;
    };
  }

  /** The join predicate's current outcome, re-evaluated only when a child changed. */
  public JoinOutcome outcome() {
    if (outcomeVersion != version && childFold != null) {
      for (int i = staleForFold.nextSetBit(0); i >= 0; i = staleForFold.nextSetBit(i + 1)) {
        childFold.update(i, viewOf(i));
      }
      staleForFold.clear();
      outcome =
          childFold.evaluate(
              counters(), fanin(), predicate.readsReduced() ? reductions.values() : Map.of());
      outcomeVersion = version;
    } else if (outcomeVersion != version) {
      outcome =
          predicate.readsReduced()
              ? predicate.evaluate(counters(), childrenView, fanin(), reductions.values())
              : predicate.evaluate(counters(), childrenView, fanin());
      outcomeVersion = version;
    }
    return outcome;
  }

  /** The join and the failure policy together: how the fan-out ends now, or null. */
  private Ending ending() {
    if (options.policy() == FanoutPolicy.FAIL_FAST && failedCount > 0) {
      return new Ending(
          JoinOutcome.IMPOSSIBLE, JoinComplete.REJECT, FanoutRecords.CANCEL_FAIL_FAST);
    }
    JoinOutcome decided = outcome();
    if (decided == JoinOutcome.SATISFIED) {
      return new Ending(
          decided,
          ownFailures() > 0 ? JoinComplete.PARTIAL : JoinComplete.ACCEPT,
          FanoutRecords.CANCEL_JOIN_SATISFIED);
    }
    if (decided == JoinOutcome.UNDECIDED) {
      return null;
    }
    if (options.policy() == FanoutPolicy.ALLOW_PARTIAL) {
      if (pendingCount + activeCount > 0) {
        return null;
      }
      if (acceptedCount > 0 && holdsForTheSuccessful()) {
        return new Ending(
            JoinOutcome.SATISFIED, JoinComplete.PARTIAL, FanoutRecords.CANCEL_JOIN_SATISFIED);
      }
    }
    return new Ending(decided, JoinComplete.REJECT, FanoutRecords.CANCEL_JOIN_IMPOSSIBLE);
  }

  /**
   * Children that ended without accept on their own account: children cancelled because the join
   * was already satisfied do not count (they exist before the join record only when a write of the
   * cancels went through and the join's did not).
   */
  private int ownFailures() {
    if (cancelledCount == 0) {
      return failedCount;
    }
    int own = failedCount;
    int satisfied = cancelReasonCode(FanoutRecords.CANCEL_JOIN_SATISFIED);
    for (int i = 0; i < width; i++) {
      if (verdict[i] == Verdict.CANCELLED.ordinal() + 1
          && ((flags[i] & CANCEL_REASON_MASK) >> CANCEL_REASON_SHIFT) == satisfied) {
        own--;
      }
    }
    return own;
  }

  /** The join evaluated as if the fan-out were its accepted children only. */
  private boolean holdsForTheSuccessful() {
    int[] acceptedIndices = new int[acceptedCount];
    int k = 0;
    if (predicate.readsChildren()) {
      for (int i = 0; i < width && k < acceptedIndices.length; i++) {
        if (accepted(i)) {
          acceptedIndices[k++] = i;
        }
      }
    }
    ChildrenView successful =
        new ChildrenView() {
          @Override
          public int size() {
            return acceptedIndices.length;
          }

          @Override
          public ChildView get(int index) {
            return viewOf(acceptedIndices[index]);
          }
        };
    JoinCounters onlyThem = new JoinCounters(acceptedCount, acceptedCount, acceptedCount, 0, 0);
    JoinOutcome outcome =
        predicate.readsReduced()
            ? predicate.evaluate(onlyThem, successful, fanin(), reductions.values())
            : predicate.evaluate(onlyThem, successful, fanin());
    return outcome == JoinOutcome.SATISFIED;
  }

  private void addLeftoverCancel(List<FanoutAction> actions, String reason) {
    if (pendingCount + activeCount - cancellingCount == 0) {
      return;
    }
    List<FanoutAction.CancelledChild> cancelled = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      ChildState state = state(i);
      if (state == ChildState.PENDING_SPAWN || state == ChildState.IN_PROGRESS) {
        cancelled.add(
            new FanoutAction.CancelledChild(
                i,
                runningAttempt(i),
                thread(i),
                state == ChildState.IN_PROGRESS ? worker(i) : null));
      }
    }
    actions.add(new FanoutAction.Cancel(ref, List.copyOf(cancelled), reason));
  }

  /**
   * The fan-in is terminal and stages follow: what they are given, and whether {@code then_if} lets
   * them run, decided now from the fan-in as it ended and kept in the record.
   */
  private FanoutAction.DecideFanin decideFanin(Ending ending, long nowMillis) {
    Fanin fanin = endingFanin(ending);
    boolean run =
        thenIf == null
            || (thenIf.readsReduced()
                    ? thenIf.evaluate(counters(), childrenView, fanin, reductions.values())
                    : thenIf.evaluate(counters(), childrenView, fanin))
                == JoinOutcome.SATISFIED;
    return new FanoutAction.DecideFanin(
        ref,
        new FaninDecided(
            ref.namespace(), ref.id(), ending.verdict(), fanin, reducedJson(), run, nowMillis));
  }

  /**
   * Runs the stages one after the other: spawns the current one, gives it up when its worker is
   * lost, and completes the join when the chain ends (or {@code then_if} did not hold): with the
   * fan-in's verdict when no stage ran, else {@code accept} when every stage accepted and {@code
   * reject} when one did not.
   */
  private void decideStages(
      List<FanoutAction> actions, WorkerDirectory directory, SpawnPolicy policy, long nowMillis) {
    String reason =
        JoinComplete.REJECT.equals(decided.verdict())
            ? FanoutRecords.CANCEL_JOIN_IMPOSSIBLE
            : FanoutRecords.CANCEL_JOIN_SATISFIED;
    addLeftoverCancel(actions, reason);
    if (!decided.runStages() || stageState == ChildState.DONE) {
      String verdict =
          !decided.runStages()
              ? decided.verdict()
              : stageVerdict == Verdict.ACCEPT ? JoinComplete.ACCEPT : JoinComplete.REJECT;
      actions.add(
          completeJoin(
              new Ending(JoinOutcome.SATISFIED, verdict, reason), nowMillis, decided.fanin()));
      return;
    }
    int index = width + stage;
    String thread = stageThread(stage);
    if (stageState == ChildState.IN_PROGRESS) {
      for (WorkerInfo lost : directory.lost()) {
        if (lost.did().equals(stageWorker)) {
          actions.add(
              new FanoutAction.GiveUp(
                  ref,
                  index,
                  1,
                  thread,
                  lost.did(),
                  Verdict.FAILED,
                  "worker "
                      + lost.did()
                      + " was lost (silent past its lease) while it ran stage "
                      + (stage + 1),
                  nowMillis));
        }
      }
      return;
    }
    Placement placement = new Placement(directory, roundRobinSpawns);
    if (placement.noLiveWorker()) {
      return;
    }
    SubtaskSpec spec = parent.fanin().stages().get(stage);
    Target stageTarget = Target.parse(-1, spec.target());
    Placement.Choice choice = placement.choose(stageTarget, false, routeOf(stageTarget), null);
    if (choice.none()) {
      return;
    }
    WorkerInfo chosen = placement.worker(choice);
    ChildIntent intent =
        new ChildIntent(
            ref.namespace(),
            ref.id(),
            ref.thread(),
            directory.coordinator(),
            chosen.did(),
            index,
            1,
            spec.goal(),
            spec.budget(),
            spec.timeoutSecs(),
            spec.run(),
            List.of(),
            null,
            index,
            0,
            width,
            DataLoop.idempotencyKey(ref.id(), index, 0, width),
            null,
            null,
            stageFanin(),
            null,
            spec.executor(),
            0);
    FanoutRecords.Draft draft = new FanoutRecords.Draft(thread, Act.INTEND, intent.toBody());
    Optional<String> refusal = policy.refusal(draft);
    if (refusal.isPresent()) {
      actions.add(new FanoutAction.Hold(ref, index, 1, refusal.get()));
      return;
    }
    actions.add(
        new FanoutAction.Spawn(
            ref, index, 1, thread, chosen, "specific:" + chosen.did(), draft.body(), false, 0));
  }

  /** The most result references a stage is given; the rest are read with the results route. */
  static final int STAGE_REFS = 1000;

  /** How many children a stage's fan-in looks through for result references. */
  static final int STAGE_REF_SCAN = 10_000;

  /**
   * What a stage is given ({@code $SPL_FANIN_FILE}): the fan-in as it ended, the reducers' values,
   * the references of the first accepted children's files, and the earlier stages' results.
   */
  private com.fasterxml.jackson.databind.node.ObjectNode stageFanin() {
    var node = dev.spl.core.Json.MAPPER.createObjectNode();
    node.put("fanout", ref.id());
    node.put("thread", ref.thread());
    node.put("stage", stage + 1);
    node.put("stages", parent.fanin().stages().size());
    node.put("verdict", decided.verdict());
    node.setAll(JoinComplete.faninJson(decided.fanin()));
    node.put("n", width);
    if (decided.reduced() != null) {
      node.set("reduced", decided.reduced());
    }
    var refs = node.putArray("refs");
    boolean more = false;
    for (int i = 0; i < width; i++) {
      if (i >= STAGE_REF_SCAN) {
        more = true;
        break;
      }
      if (!accepted(i) || resultSeq[i] == 0) {
        continue;
      }
      ChildOutput output =
          log.childDone(resultSeq[i]).map(ChildDone::output).orElse(ChildOutput.NONE);
      for (ChildOutput.Ref r : output.refs()) {
        if (refs.size() == STAGE_REFS) {
          more = true;
          break;
        }
        refs.add(r.toJson().put("index", i));
      }
    }
    node.put("refs_complete", !more);
    var earlier = node.putArray("earlier_stages");
    for (int k = 0; k < stageResults.size(); k++) {
      int at = k;
      log.childDone(stageResults.get(k))
          .ifPresent(
              done ->
                  earlier
                      .addObject()
                      .put("stage", at + 1)
                      .put("verdict", done.verdict().wire())
                      .put("summary", done.summary())
                      .set(
                          "result",
                          done.output().result() == null
                              ? dev.spl.core.Json.MAPPER.nullNode()
                              : done.output().result()));
    }
    return node;
  }

  /** The thread of stage {@code k} (from 0) of this fan-out. */
  public String stageThread(int k) {
    return ThreadIds.derive(ref.id(), "then", String.valueOf(k));
  }

  /** The fan-in counts a join ending now records. */
  private Fanin endingFanin(Ending ending) {
    int unfinished = pendingCount + activeCount;
    return new Fanin(
        Fanin.statusOf(ending.verdict()),
        acceptedCount,
        failedCount - cancelledCount,
        cancelledCount + unfinished,
        retriedCount,
        retriesTotal);
  }

  private FanoutAction.CompleteJoin completeJoin(Ending ending, long nowMillis) {
    return completeJoin(ending, nowMillis, null);
  }

  private FanoutAction.CompleteJoin completeJoin(Ending ending, long nowMillis, Fanin given) {
    Fanin fanin = given != null ? given : endingFanin(ending);
    return new FanoutAction.CompleteJoin(
        ref,
        ending.verdict(),
        new FanoutAction.JoinTotals(
            width,
            completedCount,
            acceptedCount,
            completedCount - acceptedCount,
            usd(costTotalMicros),
            budgetGate == null && hedgedCount() == 0 ? null : usd(spentMicros),
            options.totalBudgetUsd(),
            hedgedCount()),
        nowMillis,
        fanin,
        reductions.isEmpty() ? null : Reductions.toJson(reductions.values()),
        mergeJson());
  }

  private void decideLostWorkers(
      List<FanoutAction> actions, WorkerDirectory directory, long nowMillis) {
    if (activeCount == 0 || directory.lost().isEmpty()) {
      return;
    }
    for (WorkerInfo lost : directory.lost()) {
      Integer code = workerIndex.get(lost.did());
      BitSet onWorker = code == null ? null : activeByWorker.get(code + 1);
      if (onWorker == null) {
        continue;
      }
      for (int i = onWorker.nextSetBit(0); i >= 0; i = onWorker.nextSetBit(i + 1)) {
        if (state(i) == ChildState.CANCELLING) {
          actions.add(
              new FanoutAction.GiveUp(
                  ref,
                  i,
                  attempt[i],
                  thread(i),
                  lost.did(),
                  Verdict.CANCELLED,
                  "worker " + lost.did() + " was lost while the child was being cancelled",
                  nowMillis));
        } else if (lostRuns[i] < parent.maxAttempts()) {
          actions.add(new FanoutAction.Reassign(ref, i, attempt[i], lost.did()));
        } else {
          actions.add(
              new FanoutAction.GiveUp(
                  ref,
                  i,
                  attempt[i],
                  thread(i),
                  lost.did(),
                  Verdict.FAILED,
                  "worker "
                      + lost.did()
                      + " was lost (silent past its lease) on attempt "
                      + attempt[i]
                      + "; max_attempts "
                      + parent.maxAttempts()
                      + " is used up",
                  nowMillis));
        }
      }
    }
  }

  private void decideSpawns(
      List<FanoutAction> actions, WorkerDirectory directory, SpawnPolicy policy, long nowMillis) {
    if (readyCount == 0) {
      return;
    }
    int room = options.window() - activeCount;
    if (room <= 0) {
      return;
    }
    Placement placement = new Placement(directory, roundRobinSpawns);
    if (placement.noLiveWorker()) {
      return;
    }
    Shares shares = options.maxConcurrency() > 0 ? new Shares(placement.live()) : null;
    boolean sharesFull = false;
    int budget = Math.min(room, SPAWNS_PER_DECIDE);
    long wake = Long.MAX_VALUE;
    boolean scannedAll = true;
    long committed = budgetGate == null ? 0 : committedMicros();
    List<FanoutAction.CancelledChild> overBudget = new ArrayList<>();
    for (int i = ready.nextSetBit(0); i >= 0; i = ready.nextSetBit(i + 1)) {
      if (budget == 0) {
        scannedAll = false;
        break;
      }
      if (notBefore != null && notBefore[i] > nowMillis) {
        wake = Math.min(wake, notBefore[i]);
        continue;
      }
      long childBudget = 0;
      if (budgetGate != null) {
        childBudget = budgetMicros(i);
        BudgetGate.Spawn gate = budgetGate.spawn(spentMicros, committed, childBudget);
        if (gate == BudgetGate.Spawn.STOP) {
          overBudget.add(new FanoutAction.CancelledChild(i, attempt[i], thread(i), null));
          continue;
        }
        if (gate == BudgetGate.Spawn.WAIT) {
          continue;
        }
      }
      Target target = target(i);
      RoutePredicate route = routeOf(i);
      boolean shared = shares != null && route == null && sharesTheCap(target);
      int limit = 0;
      Placement.Choice choice;
      if (shared) {
        if (sharesFull) {
          continue;
        }
        choice = placement.chooseOpen(target);
        while (!choice.none() && (limit = shares.limitFor(choice.worker())) == 0) {
          placement.close(choice.worker());
          choice = placement.chooseOpen(target);
        }
        if (choice.none()) {
          sharesFull = true;
          if (!shares.roomForUnlimited()) {
            scannedAll = false;
            break;
          }
          continue;
        }
      } else {
        if (shares != null && !shares.roomForUnlimited()) {
          continue;
        }
        choice = placement.choose(target, (flags[i] & LOST_ITS_WORKER) != 0, route, null);
        if (choice.none()) {
          String why = unplaced(placement, i);
          if (why != null) {
            waitingHints.put(i, why);
          }
          continue;
        }
      }
      waitingHints.remove(i);
      WorkerInfo chosen = placement.worker(choice);
      String childThread = thread(i);
      ChildIntent intent;
      try {
        intent = childIntent(i, attempt[i], directory.coordinator(), chosen.did());
        if (limit > 0) {
          intent = intent.withMaxRunning(limit);
        }
      } catch (InvalidFanoutException e) {
        budget--;
        actions.add(
            new FanoutAction.GiveUp(
                ref,
                i,
                attempt[i],
                childThread,
                null,
                Verdict.FAILED,
                "could not make the child from the template: " + e.getMessage(),
                nowMillis));
        continue;
      }
      FanoutRecords.Draft draft = new FanoutRecords.Draft(childThread, Act.INTEND, intent.toBody());
      budget--;
      Optional<String> refusal = policy.refusal(draft);
      if (refusal.isPresent()) {
        actions.add(new FanoutAction.Hold(ref, i, attempt[i], refusal.get()));
        continue;
      }
      placement.take(choice);
      if (shares != null) {
        shares.place(choice.worker(), limit);
      }
      committed += childBudget;
      actions.add(
          new FanoutAction.Spawn(
              ref,
              i,
              attempt[i],
              childThread,
              chosen,
              "specific:" + chosen.did(),
              draft.body(),
              false,
              limit));
    }
    if (!overBudget.isEmpty()) {
      actions.add(
          new FanoutAction.Cancel(ref, List.copyOf(overBudget), FanoutRecords.CANCEL_BUDGET));
    }
    if (scannedAll) {
      wakeAtMillis = wake;
    }
  }

  // Queued on a worker beyond its share's running children, at least: enough that a worker
  // running fast children does not run dry while its results go to the coordinator and the next
  // spawns come back (10,000 echo children, a cap of 8: with 4 queued per share 13.7 s, with 64
  // 5.9 s, with 200 4.5 s, uncapped 4.4 s).
  static final int QUEUED_PER_SHARE = 200;

  /**
   * Whether a child with {@code target} shares a capped fan-out's room by worker ({@link Shares}):
   * one any worker may run (round-robin or least-loaded, and no routing condition). A pinned or
   * routed child cannot follow a worker's share; it counts as one of the cap on its own.
   */
  private static boolean sharesTheCap(Target target) {
    return target.kind() == Target.Kind.ROUND_ROBIN || target.kind() == Target.Kind.LEAST_LOADED;
  }

  /**
   * How a fan-out with {@code --max-concurrency N} keeps at most N children running fleet wide
   * while its workers' queues stay full. Each worker's share of N is its part of N split evenly
   * over the live workers; a child spawned on it carries the share as its limit ({@link
   * ChildIntent#maxRunning}), and the worker starts it only while fewer attempts of the fan-out run
   * there than that. So the coordinator can spawn ahead to each worker, the share and as many again
   * or {@link #QUEUED_PER_SHARE}, whichever is more: the next ones wait in the worker's queue, and
   * start as soon as a slot of the share frees, without a round trip to the coordinator.
   *
   * <p>A worker may run as many as the largest limit among the fan-out's active children on it (its
   * hold); the holds, plus one for each active child without a limit (pinned, routed, or waiting
   * for its own fan-out), never pass N. When workers come or go, a share shrinks as soon as it is
   * given, and grows only as far as the others' holds leave room: the holds of children spawned
   * under the old shares fall as those finish. Worked out from the active children in each pass (at
   * most {@link FanoutOptions#window()} of them), so nothing of it needs keeping in step with the
   * state.
   */
  private final class Shares {
    private final int cap = options.maxConcurrency();
    private final int[] fair;
    private final int[] hold;
    private final int[] active;
    // The holds of every worker (live or not) plus the active children without a limit.
    private int committed;

    Shares(List<WorkerInfo> live) {
      int k = live.size();
      fair = new int[k];
      hold = new int[k];
      active = new int[k];
      Map<Integer, Integer> liveByCode = new HashMap<>();
      for (int w = 0; w < k; w++) {
        fair[w] = cap / k + (w < cap % k ? 1 : 0);
        Integer code = workerIndex.get(live.get(w).did());
        if (code != null) {
          liveByCode.put(code + 1, w);
        }
      }
      Map<Integer, Integer> holdByCode = new HashMap<>();
      int onWorkers = 0;
      for (Map.Entry<Integer, BitSet> entry : activeByWorker.entrySet()) {
        BitSet children = entry.getValue();
        onWorkers += children.cardinality();
        Integer liveIndex = liveByCode.get(entry.getKey());
        if (liveIndex != null) {
          active[liveIndex] += children.cardinality();
        }
        for (int i = children.nextSetBit(0); i >= 0; i = children.nextSetBit(i + 1)) {
          int limit = runLimits.getOrDefault(i, 0);
          Hedge hedge = hedges.get(i);
          if (hedge != null) {
            // The attempt with the limit runs on the worker it was spawned on; a hedge counts
            // against no window.
            if (hedge.originOpen && limit > 0) {
              holdByCode.merge((int) hedge.originWorker, limit, Math::max);
            }
          } else if (limit > 0) {
            holdByCode.merge(entry.getKey(), limit, Math::max);
          } else {
            committed++;
          }
        }
      }
      // Active children on no worker: waiting for the fan-out they made.
      committed += Math.max(0, activeCount - onWorkers);
      for (Map.Entry<Integer, Integer> held : holdByCode.entrySet()) {
        committed += held.getValue();
        Integer liveIndex = liveByCode.get(held.getKey());
        if (liveIndex != null) {
          hold[liveIndex] = held.getValue();
        }
      }
    }

    /**
     * The limit for one more child on live worker {@code w}: its share, as far as the other
     * workers' holds leave room; 0 when it has no room, or already has as many as it may queue.
     */
    int limitFor(int w) {
      int limit = Math.min(fair[w], cap - (committed - hold[w]));
      return limit >= 1 && active[w] < limit + Math.max(limit, QUEUED_PER_SHARE) ? limit : 0;
    }

    boolean roomForUnlimited() {
      return committed < cap;
    }

    /** Counts a child spawned on live worker {@code w} with {@code limit} (0: none). */
    void place(int w, int limit) {
      active[w]++;
      if (limit == 0) {
        committed++;
      } else if (limit > hold[w]) {
        committed += limit - hold[w];
        hold[w] = limit;
      }
    }
  }

  private ChildIntent childIntent(int i, int attemptNumber, String coordinator, String workerDid) {
    ChildIntent intent = plainChildIntent(i, attemptNumber, coordinator, workerDid);
    Worktrees.Spec worktree = parent.worktree();
    if (worktree == null) {
      return intent;
    }
    Worktrees.Child child = worktree.child(i, attemptNumber);
    String onto = rebasedOnto.get(i);
    boolean requested = loop == null && specs.get(i).workspace() != null;
    return intent.withWorktree(
        onto == null && !requested
            ? child
            : new Worktrees.Child(
                onto == null ? child.base() : onto,
                child.branch(),
                child.keepWorktree(),
                child.remote(),
                requested));
  }

  private ChildIntent plainChildIntent(
      int i, int attemptNumber, String coordinator, String workerDid) {
    if (loop != null) {
      DataLoop.Child child = loop.child(i, chunks);
      ChildTemplate template = loop.template();
      return new ChildIntent(
          ref.namespace(),
          ref.id(),
          ref.thread(),
          coordinator,
          workerDid,
          i,
          attemptNumber,
          child.goal(),
          template.budget(),
          template.timeoutSecs(),
          child.run(),
          List.of(),
          hints.get(i),
          i,
          child.iterFrom(),
          child.iterTo(),
          DataLoop.idempotencyKey(ref.id(), i, child.iterFrom(), child.iterTo()),
          child.items(),
          loop.kind(),
          null,
          null,
          template.executor(),
          0);
    }
    SubtaskSpec spec = specs.get(i);
    List<ChildIntent.Input> inputs = new ArrayList<>(spec.depends().size());
    for (int dependency : spec.depends()) {
      Verdict predecessor = verdictOf(dependency);
      inputs.add(
          new ChildIntent.Input(
              dependency, predecessor == null ? "" : predecessor.wire(), summary(dependency)));
    }
    return new ChildIntent(
        ref.namespace(),
        ref.id(),
        ref.thread(),
        coordinator,
        workerDid,
        i,
        attemptNumber,
        spec.goal(),
        spec.budget(),
        spec.timeoutSecs(),
        spec.run(),
        inputs,
        hints.get(i),
        i,
        i,
        i + 1L,
        DataLoop.idempotencyKey(ref.id(), i, i, i + 1L),
        null,
        null,
        null,
        null,
        spec.executor(),
        0);
  }

  /**
   * When a child waiting for an automatic retry becomes due, as the last {@code decide} that looked
   * at every ready child saw it; {@link Long#MAX_VALUE} when none waits. {@link Fanouts} decides
   * the fan-out again at that time even if no record arrives.
   */
  long wakeAtMillis() {
    return joinComplete ? Long.MAX_VALUE : Math.min(wakeAtMillis, hedgeWakeAtMillis);
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  public JoinCounters counters() {
    return new JoinCounters(width, completedCount, acceptedCount, failedCount, activeCount);
  }

  /** The fan-in as it stands: see {@link Fanin#status()}. */
  public Fanin fanin() {
    if (decided != null) {
      // Stages follow the join: the fan-in is the one decided before them, whatever they do.
      return decided.fanin();
    }
    String status;
    if (joinComplete) {
      status = Fanin.statusOf(joinVerdict);
    } else if (cancelRequest != null) {
      status = Fanin.CANCELLED;
    } else if (options.policy() == FanoutPolicy.FAIL_FAST && failedCount > 0) {
      status = Fanin.FAILED;
    } else if (pendingCount + activeCount > 0) {
      status = Fanin.RUNNING;
    } else if (failedCount == 0) {
      status = Fanin.COMPLETE;
    } else {
      status = options.policy() == FanoutPolicy.ALLOW_PARTIAL ? Fanin.PARTIAL : Fanin.FAILED;
    }
    return new Fanin(
        status,
        acceptedCount,
        failedCount - cancelledCount,
        cancelledCount,
        retriedCount,
        retriesTotal);
  }

  /**
   * Where the stages after the join stand: null before the fan-in is decided (or without stages),
   * else {@code skipped} (then_if did not hold), {@code stage K of N: pending|running}, or {@code
   * stage K of N: VERDICT} once the chain ended.
   */
  public String stagesStatus() {
    if (decided == null) {
      return null;
    }
    if (!decided.runStages()) {
      return "skipped (then_if did not hold)";
    }
    String where = "stage " + (stage + 1) + " of " + parent.fanin().stages().size() + ": ";
    String shown =
        switch (stageState) {
          case PENDING_SPAWN -> "pending";
          case IN_PROGRESS, CANCELLING -> "running";
          default -> stageVerdict == null ? "done" : stageVerdict.wire();
        };
    if (stageState == ChildState.DONE && !stageResults.isEmpty()) {
      String summary =
          log.childDone(stageResults.get(stageResults.size() - 1))
              .map(ChildDone::summary)
              .orElse("");
      if (!summary.isEmpty()) {
        String line = summary.strip().replace('\n', ' ');
        shown += " (" + (line.length() > 200 ? line.substring(0, 200) + "..." : line) + ")";
      }
    }
    return where + shown;
  }

  /** The reducers' values as they stand, by name (empty without reducers). */
  public Map<String, Reductions.Value> reduced() {
    return reductions.values();
  }

  /** The reducers' values as one JSON object ({@link Reductions#toJson}), or null without any. */
  public com.fasterxml.jackson.databind.node.ObjectNode reducedJson() {
    return reductions.isEmpty() ? null : Reductions.toJson(reductions.values());
  }

  /** Children whose current attempt has been spawned. */
  public int spawnedCount() {
    return spawnedCount;
  }

  /** Children with a verdict for their current attempt (including skipped and cancelled). */
  public int completedCount() {
    return completedCount;
  }

  /** Children waiting to be spawned: not yet spawned, waiting for a retry, or for dependencies. */
  public int queuedCount() {
    return pendingCount;
  }

  /** Children spawned and not finished (including those being cancelled). */
  public int runningCount() {
    return activeCount;
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
    return changedAt[index];
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

  public FanoutOptions options() {
    return options;
  }

  /** The loop of a data fan-out, or null for listed subtasks. */
  public DataLoop loop() {
    return loop;
  }

  public int width() {
    return width;
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

  /** The descriptors of a fan-out of listed subtasks; empty for a data fan-out. */
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

  /**
   * A cancel request body for the whole fan-out, after checking that it may be cancelled: its join
   * has not completed and it was not cancelled already.
   */
  public CancelRequest cancel(String reason) {
    FanoutValidation.validateCancel(this);
    return new CancelRequest(ref.namespace(), ref.id(), reason);
  }

  /**
   * The shell command's exit code of the result that gave the child its verdict, or null (kept for
   * listed subtasks, read from the result record for a data child).
   */
  public Integer exitCode(int index) {
    if (state(index) != ChildState.DONE) {
      return null;
    }
    if (exitCodes != null) {
      return exitCodes[index] == NO_EXIT_CODE ? null : exitCodes[index];
    }
    return resultSeq[index] == 0
        ? null
        : log.childDone(resultSeq[index]).map(ChildDone::exitCode).orElse(null);
  }

  /**
   * Child {@code index}'s command exited with an accept after it fanned out itself ({@link
   * Fanouts}): the child stays in progress, but no longer on its worker (a lost worker does not
   * move it), until the nested fan-in's result arrives as the child's own result. Returns whether
   * that changed anything: only the current attempt of a child in progress can wait.
   */
  boolean waitForNested(int index, int attemptNumber) {
    if (!inRange(index)
        || state(index) != ChildState.IN_PROGRESS
        || attempt[index] != attemptNumber
        || (flags[index] & WAITING_FOR_NESTED) != 0) {
      return false;
    }
    flags[index] |= WAITING_FOR_NESTED;
    BitSet onWorker = activeByWorker.get((int) worker[index]);
    if (onWorker != null) {
      onWorker.clear(index);
      if (onWorker.isEmpty()) {
        activeByWorker.remove((int) worker[index]);
      }
    }
    version++;
    changedAt[index] = version;
    markStaleForFold(index);
    return true;
  }

  /** Whether child {@code index} waits for the fan-out it made itself ({@link #waitForNested}). */
  public boolean waitingForNested(int index) {
    return inRange(index) && (flags[index] & WAITING_FOR_NESTED) != 0;
  }

  public ChildState childState(int index) {
    return state(index);
  }

  public int attempt(int index) {
    return attempt[index];
  }

  /** The DID of the worker of the child's current attempt, or null. */
  public String worker(int index) {
    return worker[index] == 0 ? null : workerDids.get(worker[index] - 1);
  }

  /**
   * What interrupted the child's previous attempt ({@code hard_freeze}) while its current attempt
   * waits to spawn, else null.
   */
  public String interruptedBy(int index) {
    return (flags[index] & INTERRUPTED) != 0 ? FanoutRecords.INTERRUPTED_BY_HARD_FREEZE : null;
  }

  /** The child's verdict for its current attempt, or null while it has none. */
  public Verdict verdict(int index) {
    return verdictOf(index);
  }

  /** Automatic retries the child has used. */
  public int retries(int index) {
    return retries[index];
  }

  /**
   * When a child waiting for an automatic retry may be spawned (epoch ms), or 0 when it does not
   * wait for one.
   */
  public long retryAtMillis(int index) {
    return notBefore == null || state(index) != ChildState.PENDING_SPAWN ? 0 : notBefore[index];
  }

  /** The log position of the {@code fanout_child_done} that gave the child its verdict, or 0. */
  public long resultSeq(int index) {
    return state(index) == ChildState.DONE ? resultSeq[index] : 0;
  }

  /** The first item position or range point of the child ({@code index} for a listed subtask). */
  public long iterFrom(int index) {
    return loop == null ? index : loop.iterFrom(index);
  }

  /** One past the child's last item position or range point. */
  public long iterTo(int index) {
    return loop == null ? index + 1L : loop.iterTo(index);
  }

  /** The child's idempotency key, the same for every attempt ({@link DataLoop#idempotencyKey}). */
  public String idempotencyKey(int index) {
    return DataLoop.idempotencyKey(ref.id(), index, iterFrom(index), iterTo(index));
  }

  /**
   * The child's goal: a listed subtask's, or a data child's made from the template (reading its
   * items; empty when they cannot be read).
   */
  public String goal(int index) {
    if (loop == null) {
      return specs.get(index).goal();
    }
    try {
      return loop.child(index, chunks).goal();
    } catch (InvalidFanoutException e) {
      return "";
    }
  }

  /** The descriptor of data child {@code index} (reading its items), for readers. */
  public DataLoop.Child dataChild(int index) {
    return loop.child(index, chunks);
  }

  /** The indices of the subtasks {@code index} depends on (none in a data fan-out). */
  public List<Integer> dependencies(int index) {
    return loop == null ? specs.get(index).depends() : List.of();
  }

  /** The subtasks {@code index} depends on that ended without accept. */
  public List<Integer> failedDependencies(int index) {
    List<Integer> failed = new ArrayList<>();
    for (int dependency : dependencies(index)) {
      if (failedTerminal(dependency)) {
        failed.add(dependency);
      }
    }
    return failed;
  }

  /** A retry request body for subtask {@code index}, after checking that it may be retried. */
  public RetrySubtask manualRetry(int index, String hint) {
    FanoutValidation.validateRetry(this, index);
    return new RetrySubtask(
        ref.namespace(), ref.id(), index, attempt[index], hint, FanoutRecords.REASON_MANUAL, null);
  }

  /**
   * A retry request body for subtask {@code index} on top of the integration branch where the
   * recorded steps leave it ({@code spl task retry --rebase}), after checking that it may be.
   */
  public RetrySubtask rebaseRetry(int index, String hint) {
    FanoutValidation.validateRebaseRetry(this, index);
    return new RetrySubtask(
        ref.namespace(),
        ref.id(),
        index,
        attempt[index],
        hint,
        FanoutRecords.REASON_MANUAL,
        integrationHead());
  }

  // ---------------------------------------------------------------------------------------------
  // For the reports of this package

  Target target(int index) {
    return targets == null ? dataTarget : targets[index];
  }

  int[] successorsOf(int index) {
    return successors == null ? NO_SUCCESSORS : successors[index];
  }

  boolean spawned(int index) {
    return (flags[index] & SPAWNED) != 0;
  }

  double wallSecs(int index) {
    float value = wall[index];
    // The float's shortest decimal, so 0.1 s reads back as 0.1 and not 0.10000000149.
    return value == 0 ? 0 : Double.parseDouble(Float.toString(value));
  }

  BigDecimal costUsd(int index) {
    return usd(costMicros[index]);
  }

  /** The resolved target of the current attempt once spawned: {@code specific:<did>}, else null. */
  String resolvedTarget(int index) {
    String did = worker(index);
    return spawned(index) && did != null ? "specific:" + did : null;
  }

  String cancelReason(int index) {
    return CANCEL_REASONS[(flags[index] & CANCEL_REASON_MASK) >> CANCEL_REASON_SHIFT];
  }

  /**
   * The child's summary: what the worker reported for its current attempt (kept in memory for
   * listed subtasks, read from its {@code fanout_child_done} for a data child), or what the fold
   * decided (skipped, cancelled before it was spawned, interrupted).
   */
  String summary(int i) {
    ChildState state = state(i);
    if (state == ChildState.SKIPPED) {
      return "skipped: a subtask it depends on did not accept";
    }
    if (state == ChildState.PENDING_SPAWN && (flags[i] & INTERRUPTED) != 0) {
      return "attempt "
          + (attempt[i] - 1)
          + " was interrupted by a hard freeze; attempt "
          + attempt[i]
          + " spawns once the namespace is unfrozen";
    }
    if (state != ChildState.DONE) {
      return "";
    }
    if (verdict[i] == Verdict.CANCELLED.ordinal() + 1 && !spawned(i) && resultSeq[i] == 0) {
      return "cancelled before it was spawned (" + cancelReason(i) + ")";
    }
    if (summaries != null) {
      return summaries[i] == null ? "" : summaries[i];
    }
    return resultSeq[i] == 0 ? "" : log.childDone(resultSeq[i]).map(ChildDone::summary).orElse("");
  }

  /** The thread of child {@code index}, the same for every attempt. */
  public String childThread(int index) {
    return thread(index);
  }

  String thread(int index) {
    return loop == null
        ? ThreadIds.derive(ref.id(), String.valueOf(index), specs.get(index).goal())
        : DataLoop.childThread(ref.id(), index);
  }

  private void markStaleForFold(int i) {
    if (staleForFold != null) {
      staleForFold.set(i);
    }
  }

  ChildView viewOf(int i) {
    String shown =
        switch (state(i)) {
          case DONE, SKIPPED -> verdictOf(i).wire();
          case PENDING_SPAWN -> "pending";
          case IN_PROGRESS, CANCELLING -> "running";
        };
    return new ChildView(
        i,
        thread(i),
        worker(i) == null ? "" : worker(i),
        shown,
        usd(costMicros[i]),
        wallSecs(i),
        summary(i));
  }

  private final class View implements ChildrenView {
    @Override
    public int size() {
      return width;
    }

    @Override
    public ChildView get(int index) {
      return viewOf(index);
    }
  }
}
