package dev.spl.cli.task;

import dev.spl.cel.join.CelJoinCompiler;
import dev.spl.cli.CliException;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.JoinPredicate;
import java.util.List;
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
    List<StoredRecord> records = api.thread(task.thread());
    Fanouts fanouts = new Fanouts(new LazyCelJoins());
    records.forEach(fanouts::apply);
    FanoutState latest = fanouts.latestForThread(task.thread()).orElse(null);
    StoredRecord parent = null;
    StoredRecord join = null;
    if (latest != null) {
      String id = latest.ref().id();
      for (StoredRecord stored : records) {
        if (stored.id().equals(id)) {
          parent = stored;
        } else if (join == null
            && JoinComplete.of(stored.record()).filter(j -> j.fanout().equals(id)).isPresent()) {
          join = stored;
        }
      }
    }
    return new TaskFold(task, records, fanouts, latest, parent, join);
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
  }
}
