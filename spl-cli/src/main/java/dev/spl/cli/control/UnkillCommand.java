package dev.spl.cli.control;

import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.core.Actors;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.ControlState;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.InvalidControlRequestException;
import dev.spl.core.control.Unfreeze;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spl unkill}: lifts a freeze or the emergency stop. */
@Command(name = "unkill", description = "Lift the freeze of a namespace, or the emergency stop.")
public final class UnkillCommand implements Callable<Integer> {
  private final CliContext context;

  @ArgGroup(multiplicity = "1")
  Scope scope;

  static final class Scope {
    @Option(names = "--namespace", paramLabel = "NS", description = "The namespace to unfreeze.")
    String namespace;

    @Option(names = "--emergency", description = "Release the emergency stop.")
    boolean emergency;
  }

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (optional).")
  String reason;

  UnkillCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    String actor = Actors.user(context.userName());
    long now = System.currentTimeMillis();
    RecordsApi api = new RecordsApi(context.client());
    List<StoredRecord> control = api.thread(ThreadIds.FLEET_CONTROL);
    ControlState state = FleetView.control(control);
    long clock = RecordsApi.nextClock(control, actor);
    try {
      if (scope.emergency) {
        EmergencyStop release = ControlRequests.releaseEmergency(state, reason, actor, now);
        Record record = release.toRecord(actor, clock);
        api.postOne(record);
        ControlReadBack.requireEmergency(api, record, false);
        KillCommand.report(context, record, "✓ emergency stop released");
        return ExitCodes.OK;
      }
      Unfreeze unfreeze = ControlRequests.unfreeze(state, scope.namespace, actor, now);
      Record record = unfreeze.toRecord(actor, clock);
      api.postOne(record);
      ControlReadBack.requireNamespace(api, record, unfreeze.namespace(), false);
      KillCommand.report(context, record, "✓ unfreeze of '" + unfreeze.namespace() + "' recorded");
      return ExitCodes.OK;
    } catch (InvalidControlRequestException e) {
      throw CliException.badInput(e.getMessage());
    }
  }
}
