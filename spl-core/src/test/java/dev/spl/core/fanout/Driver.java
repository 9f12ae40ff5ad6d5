package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plays the reconciler against a {@link Fanouts} projection: appends what it decides. */
final class Driver {
  static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  static final String USER = "did:sync:user:tester";

  final Fanouts fanouts;
  final List<StoredRecord> log = new ArrayList<>();
  final String taskThread = ThreadIds.derive("task", "driver");
  long now = 1_000_000;
  SpawnPolicy policy = SpawnPolicy.ALLOW_ALL;
  String fanoutId;

  Driver(JoinCompiler compiler) {
    this(compiler, Fanouts.DEFAULT_MAX_CHILDREN);
  }

  Driver(JoinCompiler compiler, int maxChildren) {
    this.fanouts = new Fanouts(compiler, new LogReader(), maxChildren);
  }

  /** Reads item chunks and results from the driver's log, as the daemon reads its store. */
  final class LogReader implements FanoutLog {
    int itemReads;

    @Override
    public List<JsonNode> items(String chunkId) {
      itemReads++;
      for (StoredRecord stored : log) {
        if (stored.id().equals(chunkId)) {
          return ItemChunk.fromBody(stored.record().body()).items();
        }
      }
      throw new InvalidFanoutException(-1, null, "no chunk " + chunkId);
    }

    @Override
    public Optional<ChildDone> childDone(long seq) {
      return seq < 1 || seq > log.size()
          ? Optional.empty()
          : Optional.of(ChildDone.fromBody(log.get((int) seq - 1).record().body()));
    }
  }

  Driver() {
    this(JoinCompiler.BUILT_IN_ONLY);
  }

  static WorkerInfo worker(String hexSuffix, String alias, int active) {
    return new WorkerInfo(
        "did:sync:instance:" + "0".repeat(16 - hexSuffix.length()) + hexSuffix,
        alias,
        "http://127.0.0.1:9" + hexSuffix,
        active,
        4);
  }

  static WorkerDirectory live(WorkerInfo... workers) {
    return WorkerDirectory.of("http://127.0.0.1:9100", List.of(workers));
  }

  StoredRecord append(String actor, Act act, ObjectNode body, List<String> parents) {
    return appendOn(taskThread, actor, act, body, parents);
  }

  /** As {@link #append}, on {@code thread} (a child's own thread, for a nested fan-out). */
  StoredRecord appendOn(
      String thread, String actor, Act act, ObjectNode body, List<String> parents) {
    Record record = new Record(thread, actor, act, body, log.size(), parents);
    StoredRecord stored = new StoredRecord(record.id(), record, log.size() + 1, now);
    log.add(stored);
    fanouts.apply(stored);
    return stored;
  }

  String fanOut(List<SubtaskSpec> specs, String join, int maxAttempts, int chunkSize) {
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk : SubtaskChunk.split("docs", specs, chunkSize)) {
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent("docs", join, specs.size(), chunkIds, maxAttempts, null, now).toBody();
    fanoutId = append(USER, Act.INTEND, parent, chunkIds).id();
    return fanoutId;
  }

  /**
   * A data fan-out: the items in chunks of {@code chunkSize} (none for a range), then the parent.
   */
  String fanOutData(
      DataLoop loop, List<JsonNode> items, String join, FanoutOptions options, int chunkSize) {
    List<String> chunkIds = new ArrayList<>();
    for (int offset = 0; offset < items.size(); offset += chunkSize) {
      ItemChunk chunk =
          new ItemChunk(
              "docs", offset, items.subList(offset, Math.min(items.size(), offset + chunkSize)));
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent(
                "docs",
                join,
                loop.width(),
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                now,
                loop,
                options)
            .toBody();
    fanoutId = append(USER, Act.INTEND, parent, chunkIds).id();
    return fanoutId;
  }

  /** A fan-out of listed subtasks with options. */
  String fanOut(List<SubtaskSpec> specs, String join, FanoutOptions options) {
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk : SubtaskChunk.split("docs", specs, 2)) {
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent(
                "docs",
                join,
                specs.size(),
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                now,
                null,
                options)
            .toBody();
    fanoutId = append(USER, Act.INTEND, parent, chunkIds).id();
    return fanoutId;
  }

  /** A fan-out of listed subtasks with options and reducers. */
  String fanOut(List<SubtaskSpec> specs, String join, FanoutOptions options, FaninSpec fanin) {
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk : SubtaskChunk.split("docs", specs, 2)) {
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent(
                "docs",
                join,
                specs.size(),
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                now,
                null,
                options,
                fanin)
            .toBody();
    fanoutId = append(USER, Act.INTEND, parent, chunkIds).id();
    return fanoutId;
  }

  /** A fan-out of listed subtasks into worktrees ({@code spl task fan-out --repo}). */
  String fanOutWorktree(List<SubtaskSpec> specs, String join, Worktrees.Spec worktree) {
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk : SubtaskChunk.split("docs", specs, 2)) {
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent(
                "docs",
                join,
                specs.size(),
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                now,
                null,
                FanoutOptions.DEFAULTS,
                null,
                worktree)
            .toBody();
    fanoutId = append(USER, Act.INTEND, parent, chunkIds).id();
    return fanoutId;
  }

  /** A result of {@code attempt} with {@code result} as its JSON result. */
  void doneWithResult(int index, int attempt, String verdict, JsonNode result) {
    FanoutState state = state();
    ObjectNode body =
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                attempt,
                state.thread(index),
                state.worker(index),
                Verdict.fromWire(verdict),
                BigDecimal.ZERO,
                1.0,
                "result " + index,
                now - 1000,
                now,
                null,
                null,
                null,
                new ChildOutput(result, List.of()))
            .toBody();
    append(state.worker(index), Act.KNOW, body, List.of());
  }

  String fanOut(List<SubtaskSpec> specs, String join) {
    return fanOut(specs, join, FanoutRecords.DEFAULT_MAX_ATTEMPTS, 2);
  }

  /** One reconciler pass: decide, append the records of the decisions, return the decisions. */
  List<FanoutAction> step(WorkerDirectory directory) {
    List<FanoutAction> actions = fanouts.decide(now, directory, policy);
    for (FanoutRecords.Draft draft : FanoutRecords.drafts(actions, 1000)) {
      appendOn(draft.thread(), COORDINATOR, draft.act(), draft.body(), List.of());
    }
    return actions;
  }

  void done(int index, int attempt, String verdict, String summary, double wallSecs) {
    done(index, attempt, verdict, summary, wallSecs, null);
  }

  void done(
      int index, int attempt, String verdict, String summary, double wallSecs, Integer exitCode) {
    done(index, attempt, verdict, summary, wallSecs, exitCode, new BigDecimal("0.25"));
  }

  /** The current attempt of {@code index} ends with {@code verdict}, having spent {@code cost}. */
  void doneCosting(int index, String verdict, String cost) {
    done(
        index, state().attempt(index), verdict, "result " + index, 1.0, null, new BigDecimal(cost));
  }

  void done(
      int index,
      int attempt,
      String verdict,
      String summary,
      double wallSecs,
      Integer exitCode,
      BigDecimal cost) {
    FanoutState state = state();
    ObjectNode body =
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                attempt,
                state.thread(index),
                state.worker(index),
                Verdict.fromWire(verdict),
                cost,
                wallSecs,
                summary,
                now - 1000,
                now,
                null,
                exitCode)
            .toBody();
    append(
        state.worker(index) == null ? COORDINATOR : state.worker(index), Act.KNOW, body, List.of());
  }

  void done(int index, String verdict) {
    done(index, state().attempt(index), verdict, "result " + index, 1.0);
  }

  /** A result of {@code attempt} reported by {@code worker} (e.g. the worker an attempt left). */
  void doneBy(int index, int attempt, String verdict, String worker) {
    FanoutState state = state();
    ObjectNode body =
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                attempt,
                state.thread(index),
                worker,
                Verdict.fromWire(verdict),
                new BigDecimal("0.25"),
                1.0,
                "result " + index,
                now - 1000,
                now,
                null,
                null)
            .toBody();
    append(worker, Act.KNOW, body, List.of());
  }

  /** A cancelled result of {@code attempt} that the worker marks as stopped by a hard freeze. */
  void interruptedByHardFreeze(int index, int attempt) {
    FanoutState state = state();
    ObjectNode body =
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                attempt,
                state.thread(index),
                state.worker(index),
                Verdict.CANCELLED,
                BigDecimal.ZERO,
                2.0,
                "cancelled: hard freeze of 'docs'",
                now - 2000,
                now,
                FanoutRecords.INTERRUPTED_BY_HARD_FREEZE)
            .toBody();
    append(state.worker(index), Act.KNOW, body, List.of());
  }

  void cancel(String reason) {
    append(USER, Act.LEARN, state().cancel(reason).toBody(), List.of());
  }

  void retry(int index, String hint) {
    append(USER, Act.LEARN, state().manualRetry(index, hint).toBody(), List.of());
  }

  FanoutState state() {
    return fanouts.get(fanoutId).orElseThrow();
  }

  static List<FanoutAction.Spawn> spawns(List<FanoutAction> actions) {
    return actions.stream()
        .filter(FanoutAction.Spawn.class::isInstance)
        .map(FanoutAction.Spawn.class::cast)
        .toList();
  }

  static <T extends FanoutAction> List<T> only(List<FanoutAction> actions, Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static List<SubtaskSpec> goals(String... goals) {
    return java.util.Arrays.stream(goals).map(SubtaskSpec::ofGoal).toList();
  }
}
