package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cel.join.CelJoinCompiler;
import dev.spl.cli.CliException;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutLog;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.ItemChunk;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.JoinPredicate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task and its thread folded with core's {@link Fanouts}, the same fold the coordinator runs, so
 * what the commands show is what the coordinator decides from.
 *
 * @param latestParent the newest fan-out parent INTEND of the thread that could be built, or null
 * @param joinRecord the {@code fanout_join_complete} of that fan-out, or null while it runs
 */
record TaskFold(
    Tasks.Task task,
    List<StoredRecord> records,
    Fanouts fanouts,
    FanoutState latest,
    StoredRecord latestParent,
    StoredRecord joinRecord) {

  static TaskFold load(RecordsApi api, String reference) {
    Tasks.Task task = Tasks.resolve(api, reference);
    // Read after resolving: a thread named by the user was read once already, but only to find
    // its genesis; records may have arrived since.
    List<StoredRecord> records = withNestedFanouts(api, api.thread(task.thread()));
    Fanouts fanouts =
        new Fanouts(new LazyCelJoins(), new FetchedLog(records), Fanouts.MAX_MAX_CHILDREN);
    records.forEach(fanouts::apply);
    FanoutState latest = fanouts.latestForThread(task.thread()).orElse(null);
    StoredRecord parent = null;
    StoredRecord join = null;
    if (latest != null) {
      String id = latest.ref().id();
      for (StoredRecord stored : records) {
        if (stored.id().equals(id)) {
          parent = stored;
        } else if (JoinComplete.of(stored.record())
            .filter(j -> j.fanout().equals(id))
            .isPresent()) {
          // A retry with --rebase reopens a completed join: the last join record is the one that
          // counts, and none does while the join is open again.
          join = stored;
        }
      }
      if (!latest.joinComplete()) {
        join = null;
      }
    }
    return new TaskFold(task, records, fanouts, latest, parent, join);
  }

  /**
   * The task's records and, merged in log order, the threads of its children that made a fan-out of
   * their own: the coordinator's fold sees those fan-outs before the children's results, and so
   * must this one (an outer child waits for its nested fan-in, docs/fan-in.md#nested-fan-out).
   */
  private static List<StoredRecord> withNestedFanouts(RecordsApi api, List<StoredRecord> records) {
    java.util.Set<String> reported = new java.util.HashSet<>();
    for (StoredRecord stored : records) {
      if (FanoutRecords.CHILD_DONE.equals(stored.record().topic())) {
        String child = stored.record().body().path("child_thread").asText("");
        if (!child.isEmpty()) {
          reported.add(child);
        }
      }
    }
    if (reported.isEmpty()) {
      return records;
    }
    java.util.Set<String> nested = new java.util.TreeSet<>();
    for (StoredRecord fanout : api.topic(FanoutRecords.FANOUT, dev.spl.core.Act.INTEND.name())) {
      if (reported.contains(fanout.record().thread())) {
        nested.add(fanout.record().thread());
      }
    }
    if (nested.isEmpty()) {
      return records;
    }
    List<StoredRecord> merged = new java.util.ArrayList<>(records);
    for (String thread : nested) {
      merged.addAll(api.thread(thread));
    }
    merged.sort(java.util.Comparator.comparingLong(StoredRecord::seq));
    return merged;
  }

  Optional<FanoutState> fanout() {
    return Optional.ofNullable(latest);
  }

  /** The latest fan-out, or bad input naming the task when it has none. */
  FanoutState requireFanout() {
    if (latest == null) {
      String invalid =
          fanouts.invalidFanouts().isEmpty()
              ? ""
              : " (a fan-out record could not be read: "
                  + fanouts.invalidFanouts().values().iterator().next()
                  + ")";
      throw CliException.badInput(
          "task '"
              + task.reference()
              + "' has no fan-out yet"
              + invalid
              + "; create one with `spl task fan-out "
              + task.reference()
              + " --subtask goal=... --join all`");
    }
    return latest;
  }

  Tasks.Status status() {
    if (latest == null) {
      return Tasks.Status.OPEN;
    }
    return latest.joinComplete()
        ? Tasks.Status.ofVerdict(latest.joinVerdict())
        : Tasks.Status.FANNED_OUT;
  }

  /**
   * Reads item chunks and data children's results from the records the command fetched: the task's
   * thread holds both.
   */
  static final class FetchedLog implements FanoutLog {
    private final Map<String, StoredRecord> byId = new HashMap<>();
    private final Map<Long, StoredRecord> bySeq = new HashMap<>();

    FetchedLog(List<StoredRecord> records) {
      for (StoredRecord stored : records) {
        String topic = stored.record().topic();
        if (FanoutRecords.ITEMS.equals(topic)) {
          byId.put(stored.id(), stored);
        } else if (FanoutRecords.CHILD_DONE.equals(topic)) {
          bySeq.put(stored.seq(), stored);
        }
      }
    }

    @Override
    public List<JsonNode> items(String chunkId) {
      StoredRecord stored = byId.get(chunkId);
      if (stored == null) {
        throw new InvalidFanoutException(
            -1, null, "the items chunk " + chunkId + " is not on the task's thread");
      }
      return ItemChunk.fromBody(stored.record().body()).items();
    }

    @Override
    public Optional<ChildDone> childDone(long seq) {
      StoredRecord stored = bySeq.get(seq);
      if (stored == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(ChildDone.fromBody(stored.record().body()));
      } catch (InvalidRecordException e) {
        return Optional.empty();
      }
    }
  }

  /** Compiles CEL joins with cel-java, building the compiler only when a fan-out needs one. */
  static final class LazyCelJoins implements JoinCompiler {
    private CelJoinCompiler compiler;

    @Override
    public JoinPredicate compile(String expression) {
      if (compiler == null) {
        compiler = new CelJoinCompiler();
      }
      return compiler.compile(expression);
    }

    @Override
    public dev.spl.core.fanout.RouteCompiler routes() {
      if (compiler == null) {
        compiler = new CelJoinCompiler();
      }
      return compiler.routes();
    }
  }
}
