package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.fanout.ChildState;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.InvalidFanoutException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task cancel}: asks the coordinator to stop a task's fan-out. The request is a {@code
 * LEARN fanout_cancel_request} on the task's thread; the coordinator's fold cancels every child
 * still pending or running and completes the join with the verdict {@code cancelled}.
 */
@Command(
    name = "cancel",
    description =
        "Cancel a task's fan-out: stop every running and pending subtask; the join ends"
            + " cancelled.")
final class CancelCommand implements Callable<Integer> {
  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why; kept in the records.")
  String reason;

  CancelCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (reason != null && reason.isBlank()) {
      throw CliException.badInput("--reason: expected a text but it is empty");
    }
    RecordsApi api = new RecordsApi(context.client());
    TaskFold fold = TaskFold.load(api, reference);
    FanoutState state = fold.requireFanout();
    String name = fold.task().reference();
    ObjectNode body;
    try {
      body = state.cancel(reason == null ? null : reason.strip()).toBody();
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(
          "cannot cancel '" + name + "': " + e.getMessage().replaceFirst("^cannot cancel: ", ""));
    }
    int running = 0;
    int pending = 0;
    for (int i = 0; i < state.width(); i++) {
      ChildState child = state.childState(i);
      if (child.active()) {
        running++;
      } else if (child == ChildState.PENDING_SPAWN) {
        pending++;
      }
    }
    String actor = Actors.user(context.userName());
    Record record =
        new Record(
            state.ref().thread(),
            actor,
            Act.LEARN,
            body,
            RecordsApi.nextClock(fold.records(), actor),
            List.of(state.ref().id()));
    api.postOne(record);
    if (context.json()) {
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("thread", state.ref().thread());
      out.put("fanout", state.ref().id());
      out.put("record", record.id());
      out.put("running", running);
      out.put("pending", pending);
      context.printJson(out);
      return ExitCodes.OK;
    }
    context
        .out()
        .println(
            "◇ Cancel requested for "
                + name
                + ": "
                + running
                + " running and "
                + pending
                + " pending subtasks are stopped, and the join ends cancelled");
    context.out().println("Watch progress: spl task join-status " + name);
    return ExitCodes.OK;
  }
}
