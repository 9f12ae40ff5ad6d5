package dev.spl.core.fanout;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fan-out projection over the whole log: collects descriptor chunks, builds a {@link
 * FanoutState} when a parent INTEND arrives, routes every fan-out record to its state, and decides
 * for the fan-outs that changed. Same contract as {@link FanoutState}: apply in log order, decide
 * after applying, apply what was appended before deciding again.
 *
 * <p>A parent that arrives before all its chunks waits for them. A parent whose body, descriptors
 * or join are invalid (written without the CLI's checks), or that has more children than {@code
 * maxChildren}, is listed in {@link #invalidFanouts()} and never acted on. Of a data fan-out's
 * {@code fanout_items} chunks only the position and count of each is kept: the items stay in the
 * log and are read through {@link FanoutLog} when a child needs them. A fan-out replaced by a newer
 * one ({@code replaces}) gets no further decisions. A fan-out record whose body is malformed
 * changes nothing and is listed in {@link #skippedRecords()}.
 */
public final class Fanouts {
  /** How many skipped records are listed; the count goes on. */
  static final int MAX_SKIPPED_LISTED = 100;

  /** The most children a fan-out may have unless the coordinator is set otherwise. */
  public static final int DEFAULT_MAX_CHILDREN = 1_000_000;

  /** The most {@code max_children} a coordinator may be set to. */
  public static final int MAX_MAX_CHILDREN = 10_000_000;

  private final JoinCompiler compiler;
  private final FanoutLog log;
  private final int maxChildren;
  private final Map<String, Chunk> chunks = new HashMap<>();
  private final Map<String, ItemsChunk> itemChunks = new HashMap<>();
  private final Map<String, StoredRecord> waitingParents = new LinkedHashMap<>();
  private final Map<String, FanoutState> byId = new LinkedHashMap<>();
  private final Map<String, String> latestByThread = new HashMap<>();
  private final Map<String, String> invalid = new LinkedHashMap<>();
  // Replaced fan-out id to the id of the newer fan-out of its thread that replaced it.
  private final Map<String, String> replacedBy = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  // Child thread to the outer child whose command exited with an accept while it had a fan-out of
  // its own: it waits for that fan-in (NestedFanouts).
  private final Map<String, WaitingChild> waitingForNested = new LinkedHashMap<>();
  // Nested fan-outs whose outer child ended without an accept: they are cancelled.
  private final Set<String> orphanedNested = new LinkedHashSet<>();
  private final List<String> skipped = new ArrayList<>();
  private long skippedCount;
  private String lastSkipped;
  private WorkerDirectory lastDirectory;
  // The fleet-wide routing rules (routing_rule records of th_engine_config), shared by every fold.
  private final RoutingRules routingRules;

  /** A projection for fan-outs of listed subtasks and data fan-outs it cannot read items of. */
  public Fanouts(JoinCompiler compiler) {
    this(compiler, FanoutLog.NONE, DEFAULT_MAX_CHILDREN);
  }

  /**
   * @param log reads the items of data fan-outs and the results of data children
   * @param maxChildren the most children one fan-out may have ({@code max_children})
   */
  public Fanouts(JoinCompiler compiler, FanoutLog log, int maxChildren) {
    if (maxChildren < 1 || maxChildren > MAX_MAX_CHILDREN) {
      throw new IllegalArgumentException(
          "max_children: expected 1.." + MAX_MAX_CHILDREN + " but found " + maxChildren);
    }
    this.compiler = compiler;
    this.log = log;
    this.maxChildren = maxChildren;
    this.routingRules = new RoutingRules(compiler.routes());
  }

  /** The fleet-wide routing rules in force. */
  public RoutingRules routingRules() {
    return routingRules;
  }

  /**
   * A routing rule record: the rules change, and every open fan-out is decided again with them. A
   * body that is not a routing rule is skipped.
   */
  private boolean applyRoutingRule(StoredRecord stored) {
    if (!dev.spl.core.ThreadIds.ENGINE_CONFIG.equals(stored.record().thread())
        || stored.record().act() != Act.LEARN) {
      return false;
    }
    RoutingRule rule;
    try {
      rule = RoutingRule.fromBody(stored.record().body());
    } catch (InvalidRecordException e) {
      skip(stored, e.getMessage());
      return false;
    }
    if (!routingRules.apply(rule)) {
      return false;
    }
    for (var entry : byId.entrySet()) {
      if (!entry.getValue().joinComplete()) {
        dirty.add(entry.getKey());
      }
    }
    return true;
  }

  /** The most children one fan-out may have. */
  public int maxChildren() {
    return maxChildren;
  }

  /** Applies one record; records of other kinds are ignored. Returns whether anything changed. */
  public boolean apply(StoredRecord stored) {
    String topic = stored.record().topic();
    if (topic == null) {
      return false;
    }
    switch (topic) {
      case RoutingRule.TOPIC -> {
        return applyRoutingRule(stored);
      }
      case FanoutRecords.SUBTASKS -> {
        applyChunk(stored);
        return true;
      }
      case FanoutRecords.ITEMS -> {
        applyItemChunk(stored);
        return true;
      }
      case FanoutRecords.FANOUT -> {
        if (stored.record().act() != Act.INTEND
            || byId.containsKey(stored.id())
            || invalid.containsKey(stored.id())) {
          return false;
        }
        waitingParents.put(stored.id(), stored);
        tryBuildWaiting();
        return true;
      }
      default -> {
        return applyEvent(stored);
      }
    }
  }

  private boolean applyEvent(StoredRecord stored) {
    Optional<FanoutEvent> event;
    try {
      event = FanoutEvent.of(stored.record());
    } catch (InvalidRecordException e) {
      skip(stored, e.getMessage());
      return false;
    }
    if (event.isEmpty()) {
      return false;
    }
    String id = event.get().fanout();
    FanoutState state = byId.get(id);
    if (state == null) {
      return false;
    }
    String orphanIfCounted = null;
    if (event.get() instanceof ChildDone done
        && FanoutRecords.CHILD_DONE.equals(stored.record().topic())
        && latestByThread.containsKey(done.childThread())) {
      String nested = latestByThread.get(done.childThread());
      if (stored.record().body().has(NestedFanouts.NESTED_FIELD)) {
        waitingForNested.remove(done.childThread());
      } else if (done.verdict() == Verdict.ACCEPT && done.interruptedBy() == null) {
        if (state.waitForNested(done.index(), done.attempt())) {
          waitingForNested.put(done.childThread(), new WaitingChild(id, done));
          dirty.add(id);
          return true;
        }
      } else {
        orphanIfCounted = nested;
      }
    }
    boolean changed = state.apply(event.get(), stored.receivedAtMillis(), stored.seq());
    if (changed) {
      dirty.add(id);
      if (orphanIfCounted != null) {
        orphanedNested.add(orphanIfCounted);
      }
    }
    return changed;
  }

  /**
   * Decisions for every fan-out that changed since it last had nothing to do, and for every open
   * fan-out when the worker directory changed. A fan-out whose decisions were returned (including
   * spawns {@code policy} holds) stays due until deciding it yields nothing, so a failed append or
   * a held spawn is decided again on the next call.
   */
  public List<FanoutAction> decide(long nowMillis, WorkerDirectory directory, SpawnPolicy policy) {
    if (!directory.equals(lastDirectory)) {
      lastDirectory = directory;
      for (var entry : byId.entrySet()) {
        if (!entry.getValue().joinComplete()) {
          dirty.add(entry.getKey());
        }
      }
    }
    for (var entry : byId.entrySet()) {
      if (entry.getValue().wakeAtMillis() <= nowMillis) {
        dirty.add(entry.getKey());
      }
    }
    List<FanoutAction> actions = new ArrayList<>();
    decideNested(nowMillis, actions);
    for (var it = dirty.iterator(); it.hasNext(); ) {
      String id = it.next();
      if (replacedBy.containsKey(id)) {
        it.remove();
        continue;
      }
      List<FanoutAction> decided = byId.get(id).decide(nowMillis, directory, policy);
      if (decided.isEmpty()) {
        it.remove();
      } else {
        actions.addAll(decided);
      }
    }
    return actions;
  }

  /**
   * The decisions that tie a nested fan-out to its outer child: the outer child's result once its
   * nested join completed, and the cancel of a nested fan-out whose outer child or fan-out ended
   * without it. Each is decided again until its record is applied.
   */
  private void decideNested(long nowMillis, List<FanoutAction> actions) {
    for (var entry : waitingForNested.entrySet()) {
      WaitingChild waiting = entry.getValue();
      FanoutState outer = byId.get(waiting.outerFanout());
      FanoutState nested = latestForThread(entry.getKey()).orElse(null);
      if (outer == null || nested == null) {
        continue;
      }
      int index = waiting.commandDone().index();
      if (nested.joinComplete()) {
        actions.add(
            new FanoutAction.CompleteNested(
                outer.ref(),
                NestedFanouts.outerResult(waiting.commandDone(), nested),
                nested.ref().id()));
      } else if ((outer.joinComplete()
              || outer.cancelRequested()
              || outer.childState(index) != ChildState.IN_PROGRESS)
          && !nested.cancelRequested()) {
        actions.add(
            new FanoutAction.CancelNested(
                nested.ref(),
                "the outer fan-out "
                    + outer.ref().id()
                    + " was cancelled or decided while child "
                    + index
                    + " waited for this fan-out"));
      }
    }
    for (var it = orphanedNested.iterator(); it.hasNext(); ) {
      FanoutState nested = byId.get(it.next());
      if (nested == null || !isOpen(nested) || nested.cancelRequested()) {
        it.remove();
        continue;
      }
      actions.add(
          new FanoutAction.CancelNested(
              nested.ref(), "the child that made this fan-out ended without an accept"));
    }
  }

  /** Whether the child on {@code childThread} waits for the fan-out it made itself. */
  public boolean waitingForNested(String childThread) {
    return waitingForNested.containsKey(childThread);
  }

  public Optional<FanoutState> get(String fanoutId) {
    return Optional.ofNullable(byId.get(fanoutId));
  }

  /** The newest fan-out whose parent is on {@code thread} (a task's thread). */
  public Optional<FanoutState> latestForThread(String thread) {
    String id = latestByThread.get(thread);
    return id == null ? Optional.empty() : Optional.of(byId.get(id));
  }

  public Collection<FanoutState> all() {
    return Collections.unmodifiableCollection(byId.values());
  }

  /** Fan-outs whose join has not completed, leaving out those replaced by a newer fan-out. */
  public int openCount() {
    return open().size();
  }

  /**
   * The fan-outs still at work: their join has not completed and no newer fan-out replaced them (a
   * replaced fan-out gets no further decisions, so its join never completes).
   */
  public List<FanoutState> open() {
    List<FanoutState> open = new ArrayList<>();
    for (var entry : byId.entrySet()) {
      if (isOpen(entry.getValue())) {
        open.add(entry.getValue());
      }
    }
    return open;
  }

  /**
   * Whether a fan-out is still at work: its join has not completed and no newer fan-out replaced
   * it.
   */
  public boolean isOpen(FanoutState state) {
    return !state.joinComplete() && !replacedBy.containsKey(state.ref().id());
  }

  /** The id of the newer fan-out that replaced {@code fanoutId}, if one did. */
  public Optional<String> replacedBy(String fanoutId) {
    return Optional.ofNullable(replacedBy.get(fanoutId));
  }

  /** Parent ids that could not be built, with the reason. */
  public Map<String, String> invalidFanouts() {
    return Collections.unmodifiableMap(invalid);
  }

  /** Parent ids still waiting for descriptor chunks. */
  public Set<String> waitingForChunks() {
    return Collections.unmodifiableSet(waitingParents.keySet());
  }

  /**
   * Fan-out records whose body was malformed, as {@code <id>: <what was wrong>}; the first {@value
   * #MAX_SKIPPED_LISTED} only.
   */
  public List<String> skippedRecords() {
    return Collections.unmodifiableList(skipped);
  }

  /** How many fan-out records were skipped as malformed. */
  public long skippedCount() {
    return skippedCount;
  }

  /** The last record skipped as malformed, as {@code <id>: <what was wrong>}, or null. */
  public String lastSkipped() {
    return lastSkipped;
  }

  private void skip(StoredRecord stored, String reason) {
    skippedCount++;
    lastSkipped = stored.id() + ": " + reason;
    if (skipped.size() < MAX_SKIPPED_LISTED) {
      skipped.add(stored.id() + ": " + reason);
    }
  }

  private void applyChunk(StoredRecord stored) {
    Chunk chunk;
    try {
      SubtaskChunk read = SubtaskChunk.fromBody(stored.record().body());
      chunk = new Chunk(read.offset(), read.subtasks(), null);
    } catch (InvalidRecordException e) {
      chunk = new Chunk(0, List.of(), e.getMessage());
    }
    chunks.put(stored.id(), chunk);
    if (!waitingParents.isEmpty()) {
      tryBuildWaiting();
    }
  }

  private void applyItemChunk(StoredRecord stored) {
    ItemsChunk chunk;
    try {
      ItemChunk read = ItemChunk.fromBody(stored.record().body());
      chunk = new ItemsChunk(read.offset(), read.items().size(), null);
    } catch (InvalidRecordException e) {
      chunk = new ItemsChunk(0, 0, e.getMessage());
    }
    itemChunks.put(stored.id(), chunk);
    if (!waitingParents.isEmpty()) {
      tryBuildWaiting();
    }
  }

  private void tryBuildWaiting() {
    for (var it = waitingParents.values().iterator(); it.hasNext(); ) {
      StoredRecord stored = it.next();
      FanoutParent parent;
      try {
        parent = FanoutParent.fromBody(stored.record().body());
      } catch (InvalidRecordException e) {
        it.remove();
        invalid.put(stored.id(), e.getMessage());
        continue;
      }
      Map<String, ?> kind = parent.loop() == null ? chunks : itemChunks;
      if (!parent.chunks().stream().allMatch(kind::containsKey)) {
        continue;
      }
      it.remove();
      if (parent.subtaskCount() > maxChildren) {
        invalid.put(
            stored.id(),
            "subtask_count: "
                + parent.subtaskCount()
                + " children, but this coordinator allows at most "
                + maxChildren
                + " per fan-out (its max_children setting)");
      } else if (parent.loop() == null) {
        build(stored, parent);
      } else {
        buildData(stored, parent);
      }
    }
  }

  private void build(StoredRecord stored, FanoutParent parent) {
    String id = stored.id();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (String chunkId : parent.chunks()) {
      Chunk chunk = chunks.get(chunkId);
      if (chunk.error() != null) {
        invalid.put(id, "chunk " + chunkId + ": " + chunk.error());
        return;
      }
      if (chunk.offset() != specs.size()) {
        invalid.put(
            id,
            "chunk "
                + chunkId
                + " starts at subtask "
                + chunk.offset()
                + " but "
                + specs.size()
                + " subtasks precede it");
        return;
      }
      specs.addAll(chunk.specs());
    }
    if (parent.subtaskCount() != specs.size()) {
      invalid.put(
          id,
          "subtask_count: the parent declares "
              + parent.subtaskCount()
              + " subtasks but its chunks hold "
              + specs.size());
      return;
    }
    FanoutRef ref = new FanoutRef(id, stored.record().thread(), parent.namespace());
    try {
      FanoutState state = FanoutState.create(ref, parent, specs, compiler, log);
      register(id, ref, state);
    } catch (InvalidFanoutException e) {
      invalid.put(id, e.getMessage());
    }
  }

  private void buildData(StoredRecord stored, FanoutParent parent) {
    String id = stored.id();
    DataLoop loop = parent.loop();
    long[] offsets = new long[parent.chunks().size()];
    long items = 0;
    for (int c = 0; c < offsets.length; c++) {
      String chunkId = parent.chunks().get(c);
      ItemsChunk chunk = itemChunks.get(chunkId);
      if (chunk.error() != null) {
        invalid.put(id, "chunk " + chunkId + ": " + chunk.error());
        return;
      }
      if (chunk.offset() != items) {
        invalid.put(
            id,
            "chunk "
                + chunkId
                + " starts at item "
                + chunk.offset()
                + " but "
                + items
                + " items precede it");
        return;
      }
      offsets[c] = items;
      items += chunk.count();
    }
    long expected = loop.kind() == DataLoop.Kind.ITEMS ? loop.count() : 0;
    if (items != expected) {
      invalid.put(
          id,
          loop.kind() == DataLoop.Kind.ITEMS
              ? "loop.items: the parent declares "
                  + expected
                  + " items but its chunks hold "
                  + items
              : "chunks: a range loop has no item chunks but the parent lists " + offsets.length);
      return;
    }
    FanoutRef ref = new FanoutRef(id, stored.record().thread(), parent.namespace());
    try {
      FanoutState state =
          FanoutState.createData(
              ref, parent, new DataLoop.ItemChunks(parent.chunks(), offsets, log), compiler, log);
      register(id, ref, state);
    } catch (InvalidFanoutException e) {
      invalid.put(id, e.getMessage());
    }
  }

  private void register(String id, FanoutRef ref, FanoutState state) {
    state.useRoutingRules(routingRules);
    byId.put(id, state);
    latestByThread.put(ref.thread(), id);
    if (state.replaces() != null) {
      replacedBy.put(state.replaces(), id);
    }
    dirty.add(id);
  }

  private record WaitingChild(String outerFanout, ChildDone commandDone) {}

  private record Chunk(int offset, List<SubtaskSpec> specs, String error) {}

  private record ItemsChunk(long offset, int count, String error) {}
}
