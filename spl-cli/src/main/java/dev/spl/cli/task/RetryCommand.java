package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.InvalidFanoutException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl task retry}: asks the coordinator to run one finished subtask again. */
@Command(
    name = "retry",
    description = "Run one finished subtask of a task's fan-out again, as a new attempt.")
final class RetryCommand implements Callable<Integer> {
  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(names = "--subtask", required = true, paramLabel = "N", description = "Its index.")
  int index;

  @Option(names = "--hint", paramLabel = "TEXT", description = "Passed to the new attempt.")
  String hint;

  @Option(
      names = "--rebase",
      description =
          "Start the new attempt from the integration branch's current commit (a child the merge"
              + " queue reported conflict or check_failed); reopens a completed join.")
  boolean rebase;

  RetryCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    RecordsApi api = new RecordsApi(context.client());
    TaskFold fold = TaskFold.load(api, reference);
    FanoutState state = fold.requireFanout();
    ObjectNode body;
    try {
      body = (rebase ? state.rebaseRetry(index, hint) : state.manualRetry(index, hint)).toBody();
    } catch (InvalidFanoutException e) {
      throw CliException.badInput("cannot retry: " + stripCannotRetry(e.getMessage()));
    }
    String namespace = state.ref().namespace();
    FleetView.load(api)
        .refusal(namespace)
        .ifPresent(
            why -> {
              throw CliException.unavailable("cannot retry subtask " + index + ": " + why);
            });
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
    String reference = fold.task().reference();
    if (context.json()) {
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("thread", state.ref().thread());
      out.put("fanout", state.ref().id());
      out.put("subtask", index);
      out.put("replaces_attempt", state.attempt(index));
      if (rebase) {
        out.put("rebase_onto", body.get("onto").asText());
      }
      out.put("record", record.id());
      context.printJson(out);
      return ExitCodes.OK;
    }
    context
        .out()
        .println(
            "◇ Retry requested for subtask "
                + index
                + " (attempt "
                + (state.attempt(index) + 1)
                + ", replacing "
                + state.verdict(index).wire()
                + ") on "
                + state.ref().thread());
    if (rebase) {
      context
          .out()
          .println(
              "  from "
                  + state.parent().worktree().integrationBranch()
                  + " at "
                  + body.get("onto").asText()
                  + (state.joinComplete() ? "; the join is reopened" : ""));
    }
    context.out().println("Watch progress: spl task join-status " + reference);
    return ExitCodes.OK;
  }

  /** The core message reads "subtask 3: cannot retry: ..."; say "cannot retry" only once. */
  private static String stripCannotRetry(String message) {
    return message.replace(": cannot retry: ", ": ");
  }
}
