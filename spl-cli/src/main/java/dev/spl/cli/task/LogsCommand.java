package dev.spl.cli.task;

import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.fleet.FleetView;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutEvent;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.core.fanout.Spawned;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task logs}: the whole output of one subtask's attempt, as the worker that ran it keeps
 * it ({@code output-N.log} in the child's folder), served by that worker's {@code GET
 * /v1/children/{thread}/output}, so it works for a worker on another host too.
 */
@Command(
    name = "logs",
    description = "Print the whole output of one subtask's attempt, from the worker that ran it.")
final class LogsCommand implements Callable<Integer> {
  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(names = "--subtask", required = true, paramLabel = "N", description = "Its index.")
  int index;

  @Option(
      names = "--attempt",
      paramLabel = "K",
      description = "Which attempt (default: the current one).")
  Integer attempt;

  LogsCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    RecordsApi api = new RecordsApi(context.client());
    TaskFold fold = TaskFold.load(api, reference);
    FanoutState state = fold.requireFanout();
    String name = fold.task().reference();
    if (index < 0 || index >= state.width()) {
      throw CliException.badInput(
          "--subtask: index "
              + index
              + " is out of range ("
              + state.width()
              + " subtasks: 0.."
              + (state.width() - 1)
              + ")");
    }
    int current = state.attempt(index);
    int wanted = attempt == null ? current : attempt;
    if (wanted < 1 || wanted > current) {
      throw CliException.badInput(
          "--attempt: subtask "
              + index
              + " of '"
              + name
              + "' has attempts 1.."
              + current
              + " but "
              + wanted
              + " was asked for");
    }
    JoinStatus.SubtaskStatus line = JoinStatus.of(state).perSubtask().get(index);
    String worker =
        workerOf(fold, state, wanted)
            .orElseThrow(
                () ->
                    CliException.badInput(
                        "subtask "
                            + index
                            + " of '"
                            + name
                            + "': attempt "
                            + wanted
                            + " was not spawned ("
                            + line.state()
                            + "), so it has no output"));
    FleetView fleet = FleetView.load(api);
    String endpoint =
        fleet
            .endpointOf(worker)
            .orElseThrow(
                () ->
                    CliException.failure(
                        "attempt "
                            + wanted
                            + " of subtask "
                            + index
                            + " ran on "
                            + worker
                            + ", which the coordinator's registry no longer lists, so spl cannot"
                            + " ask it for the output"));
    DaemonClient client = context.client(Resolution.normalizeUrl(endpoint, "worker endpoint"));
    Map<String, Object> query = DaemonClient.query();
    query.put("attempt", wanted);
    try {
      client.copyText(
          DaemonClient.withQuery(
              "/v1/children/" + DaemonClient.segment(line.childThread()) + "/output", query),
          context.out());
    } catch (CliException e) {
      throw new CliException(
          e.exitCode(),
          "the output of subtask "
              + index
              + " attempt "
              + wanted
              + " from "
              + fleet.nameOf(worker)
              + " ("
              + endpoint
              + "): "
              + e.getMessage(),
          e.code());
    }
    return ExitCodes.OK;
  }

  /** The worker attempt {@code wanted} of the subtask was spawned on, from the spawn records. */
  private Optional<String> workerOf(TaskFold fold, FanoutState state, int wanted) {
    for (StoredRecord stored : fold.records()) {
      Optional<FanoutEvent> event;
      try {
        event = FanoutEvent.of(stored.record());
      } catch (InvalidRecordException malformed) {
        continue;
      }
      if (event.isPresent()
          && event.get() instanceof Spawned spawned
          && spawned.fanout().equals(state.ref().id())) {
        for (Spawned.Entry entry : spawned.spawns()) {
          if (entry.index() == index && entry.attempt() == wanted) {
            return Optional.of(entry.worker());
          }
        }
      }
    }
    return Optional.empty();
  }
}
