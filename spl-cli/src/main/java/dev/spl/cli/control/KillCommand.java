package dev.spl.cli.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.TaskRecords;
import dev.spl.core.Actors;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.control.InvalidControlRequestException;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spl kill}: records a freeze of a namespace, or the emergency stop, on th_fleet_control of
 * the coordinator, which passes it on to every instance of the fleet.
 */
@Command(
    name = "kill",
    description = "Freeze a namespace (or the whole fleet) so no new work starts there.")
public final class KillCommand implements Callable<Integer> {
  private final CliContext context;

  @ArgGroup(multiplicity = "1")
  Scope scope;

  static final class Scope {
    @Option(names = "--namespace", paramLabel = "NS", description = "The namespace to freeze.")
    String namespace;

    @Option(names = "--emergency", description = "Stop new work everywhere in the fleet.")
    boolean emergency;
  }

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why.")
  String reason;

  @Option(
      names = "--level",
      paramLabel = "soft|hard",
      description =
          "soft (default): refuse new work, let running work finish. hard: also stop running"
              + " work after --grace.")
  String level;

  @Option(
      names = "--grace",
      paramLabel = "SECS",
      description = "For --level hard: seconds before running work is stopped (default: 60).")
  Long graceSecs;

  KillCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    String actor = Actors.user(context.userName());
    long now = System.currentTimeMillis();
    RecordsApi api = new RecordsApi(context.client());
    if (scope.emergency) {
      if (level != null || graceSecs != null) {
        throw CliException.badInput(
            (level != null ? "--level" : "--grace")
                + ": applies to --namespace freezes; --emergency stops new work everywhere at"
                + " once");
      }
      EmergencyStop stop;
      try {
        stop = ControlRequests.emergencyStop(reason, actor, now);
      } catch (InvalidControlRequestException e) {
        throw CliException.badInput(e.getMessage());
      }
      Record record = stop.toRecord(actor, nextControlClock(api, actor));
      api.postOne(record);
      ControlReadBack.requireEmergency(api, record, true);
      report(context, record, "✓ emergency stop recorded: new work is refused everywhere");
      return ExitCodes.OK;
    }
    if (graceSecs != null && !"hard".equals(level)) {
      throw CliException.badInput(
          "--grace: applies to --level hard (a soft freeze never stops running work)");
    }
    Freeze freeze;
    try {
      freeze = ControlRequests.freeze(scope.namespace, level, graceSecs, reason, actor, now);
    } catch (InvalidControlRequestException e) {
      throw CliException.badInput(e.getMessage());
    }
    Record record = freeze.toRecord(actor, nextControlClock(api, actor));
    api.postOne(record);
    ControlReadBack.requireNamespace(api, record, freeze.namespace(), true);
    warnWhenNoTaskUses(api, freeze.namespace());
    String message =
        freeze.level() == FreezeLevel.HARD
            ? "✓ hard freeze of '"
                + freeze.namespace()
                + "' recorded (running work is stopped after "
                + freeze.graceSecs()
                + "s)"
            : "✓ soft freeze of '" + freeze.namespace() + "' recorded";
    report(context, record, message);
    return ExitCodes.OK;
  }

  /**
   * A freeze of a namespace no task has is most likely a typo ({@code docs} for {@code docs/v1}):
   * it is recorded (work may still come, or come from records written by hand), and the user is
   * told which namespaces the tasks use.
   */
  private void warnWhenNoTaskUses(RecordsApi api, String namespace) {
    Set<String> used = new TreeSet<>();
    for (StoredRecord genesis : TaskRecords.all(api)) {
      used.add(TaskRecords.namespace(genesis));
    }
    if (!used.contains(namespace)) {
      context
          .err()
          .println(
              "spl: warning: no task uses namespace '"
                  + namespace
                  + "' ("
                  + (used.isEmpty()
                      ? "there are no tasks"
                      : "the tasks use " + String.join(", ", used))
                  + "); the freeze is recorded anyway");
    }
  }

  static long nextControlClock(RecordsApi api, String actor) {
    return RecordsApi.nextClock(api.thread(ThreadIds.FLEET_CONTROL), actor);
  }

  static void report(CliContext context, Record record, String message) {
    if (context.json()) {
      ObjectNode out = (ObjectNode) record.body().deepCopy();
      out.put("record", record.id());
      out.put("thread", record.thread());
      context.printJson(out);
    } else {
      context.out().println(message);
    }
  }
}
