package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
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
 * <p>A parent that arrives before all its chunks waits for them. A parent whose descriptors or join
 * are invalid (written without the CLI's checks) is listed in {@link #invalidFanouts()} and never
 * acted on. A fan-out replaced by a newer one ({@code replaces}) gets no further decisions.
 */
public final class Fanouts {
  private final JoinCompiler compiler;
  private final Map<String, Chunk> chunks = new HashMap<>();
  private final Map<String, StoredRecord> waitingParents = new LinkedHashMap<>();
  private final Map<String, FanoutState> byId = new LinkedHashMap<>();
  private final Map<String, String> latestByThread = new HashMap<>();
  private final Map<String, String> invalid = new LinkedHashMap<>();
  private final Set<String> superseded = new java.util.HashSet<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private WorkerDirectory lastDirectory;

  public Fanouts(JoinCompiler compiler) {
    this.compiler = compiler;
  }

  /** Applies one record; records of other kinds are ignored. Returns whether anything changed. */
  public boolean apply(StoredRecord stored) {
    String topic = stored.record().topic();
    if (topic == null) {
      return false;
    }
    switch (topic) {
      case FanoutRecords.SUBTASKS -> {
        applyChunk(stored);
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
      case FanoutRecords.SPAWNED,
          FanoutRecords.CHILD_DONE,
          FanoutRecords.RETRY,
          FanoutRecords.CANCEL_SENT,
          FanoutRecords.JOIN_COMPLETE -> {
        String id = stored.record().body().path("fanout").asText("");
        FanoutState state = byId.get(id);
        if (state == null) {
          return false;
        }
        boolean changed = state.apply(stored);
        if (changed) {
          dirty.add(id);
        }
        return changed;
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * Decisions for every fan-out that changed since it last had nothing to do, and for every open
   * fan-out when the worker directory changed. A fan-out whose decisions were returned stays due
   * until deciding it yields nothing, so a failed append is retried on the next call.
   */
  public List<FanoutAction> decide(long nowMillis, WorkerDirectory directory) {
    if (!directory.equals(lastDirectory)) {
      lastDirectory = directory;
      for (var entry : byId.entrySet()) {
        if (!entry.getValue().joinComplete()) {
          dirty.add(entry.getKey());
        }
      }
    }
    List<FanoutAction> actions = new ArrayList<>();
    for (var it = dirty.iterator(); it.hasNext(); ) {
      String id = it.next();
      if (superseded.contains(id)) {
        it.remove();
        continue;
      }
      List<FanoutAction> decided = byId.get(id).decide(nowMillis, directory);
      if (decided.isEmpty()) {
        it.remove();
      } else {
        actions.addAll(decided);
      }
    }
    return actions;
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

  /** Fan-outs whose join has not completed. */
  public int openCount() {
    int open = 0;
    for (FanoutState state : byId.values()) {
      if (!state.joinComplete()) {
        open++;
      }
    }
    return open;
  }

  /** Parent ids that could not be built, with the reason. */
  public Map<String, String> invalidFanouts() {
    return Collections.unmodifiableMap(invalid);
  }

  /** Parent ids still waiting for descriptor chunks. */
  public Set<String> waitingForChunks() {
    return Collections.unmodifiableSet(waitingParents.keySet());
  }

  private void applyChunk(StoredRecord stored) {
    ObjectNode body = stored.record().body();
    int offset = body.path("offset").asInt(0);
    List<SubtaskSpec> specs = new ArrayList<>();
    String error = null;
    try {
      int i = offset;
      for (JsonNode descriptor : body.path("subtasks")) {
        specs.add(SubtaskParser.parseJson(i++, descriptor));
      }
    } catch (InvalidFanoutException e) {
      error = e.getMessage();
    }
    chunks.put(stored.id(), new Chunk(offset, List.copyOf(specs), error));
    if (!waitingParents.isEmpty()) {
      tryBuildWaiting();
    }
  }

  private void tryBuildWaiting() {
    for (var it = waitingParents.values().iterator(); it.hasNext(); ) {
      StoredRecord parent = it.next();
      List<String> chunkIds = new ArrayList<>();
      parent.record().body().path("chunks").forEach(id -> chunkIds.add(id.asText()));
      if (!chunkIds.stream().allMatch(chunks::containsKey)) {
        continue;
      }
      it.remove();
      build(parent, chunkIds);
    }
  }

  private void build(StoredRecord parent, List<String> chunkIds) {
    String id = parent.id();
    ObjectNode body = parent.record().body();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (String chunkId : chunkIds) {
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
    int declared = body.path("subtask_count").asInt(-1);
    if (declared != specs.size()) {
      invalid.put(
          id,
          "subtask_count: the parent declares "
              + declared
              + " subtasks but its chunks hold "
              + specs.size());
      return;
    }
    String namespace = body.path("namespace").asText("default");
    FanoutRef ref = new FanoutRef(id, parent.record().thread(), namespace);
    try {
      FanoutState state =
          FanoutState.create(
              ref,
              specs,
              body.path("join").asText(""),
              compiler,
              body.path("max_attempts").asInt(FanoutRecords.DEFAULT_MAX_ATTEMPTS),
              body.path("created_at").asLong(0),
              body.path("replaces").asText(null));
      byId.put(id, state);
      latestByThread.put(ref.thread(), id);
      if (state.replaces() != null) {
        superseded.add(state.replaces());
      }
      dirty.add(id);
    } catch (InvalidFanoutException e) {
      invalid.put(id, e.getMessage());
    }
  }

  private record Chunk(int offset, List<SubtaskSpec> specs, String error) {}
}
