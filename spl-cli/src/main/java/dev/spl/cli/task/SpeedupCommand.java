package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.text.Formats;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.SpeedupReport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task speedup}: whether the parallelism of a fan-out paid.
 *
 * <p>Three walls, each named for what it is: the <b>measured</b> wall (the coordinator receiving
 * the first spawn to it receiving the last result), the <b>estimated</b> wall (the children's own
 * walls list-scheduled over the dependency graph on the slots of the workers they ran on), and the
 * <b>critical path</b> (the same with unlimited slots). The serial estimate sums the walls: a
 * sanity check, since it ignores spawn and reporting overheads. A measured comparison ({@code
 * --vs-serial}) divides the measured wall of a task that ran the same work serially (e.g. chained
 * with {@code depends}, or on one worker with one slot) by this one's.
 */
@Command(
    name = "speedup",
    description =
        "Report measured and estimated walls, the serial estimate and the speedup of a task's"
            + " fan-out.")
final class SpeedupCommand implements Callable<Integer> {
  /** Walls listed in full up to this many subtasks; wider fan-outs show the first ones. */
  static final int WALLS_SHOWN = 20;

  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(
      names = "--vs-serial",
      paramLabel = "TASK",
      description = "A task that ran the same work serially: compare measured walls.")
  String serialReference;

  SpeedupCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    RecordsApi api = new RecordsApi(context.client());
    Read main = read(api, reference);
    Double serialMeasured = null;
    String serialThread = null;
    if (serialReference != null) {
      if (!main.complete()) {
        throw noMeasuredWall(main);
      }
      Read serial = read(api, serialReference);
      serialMeasured = serial.complete() ? report(api, serial, null).measuredWallSecs() : null;
      if (serialMeasured == null) {
        throw CliException.badInput(
            "--vs-serial: task '"
                + serial.reference()
                + "' has no completed fan-out, so it has no measured wall to compare with");
      }
      serialThread = serial.thread();
    }
    SpeedupReport report = report(api, main, serialMeasured);
    if (serialReference != null && report.measuredWallSecs() == null) {
      throw noMeasuredWall(main);
    }
    if (context.json()) {
      ObjectNode node = report.toJson();
      node.put("measured_serial_thread", serialThread);
      context.printJson(node);
      return ExitCodes.OK;
    }
    render(context.out(), report, serialThread);
    return ExitCodes.OK;
  }

  private static CliException noMeasuredWall(Read task) {
    return CliException.badInput(
        "task '"
            + task.reference()
            + "': its join has not completed, so it has no measured wall to compare yet");
  }

  /**
   * A task's current fan-out: as the coordinator lists it ({@code fanout} set, the report is then
   * its route's), else folded from the task's thread ({@code state} set): a fan-out just written,
   * or a daemon without the fan-out routes.
   */
  private record Read(
      String reference, String thread, boolean complete, String fanout, FanoutState state) {}

  private Read read(RecordsApi api, String task) {
    Tasks.Task resolved = Tasks.resolve(api, task);
    java.util.Optional<String> listed = java.util.Optional.empty();
    try {
      listed = ResultsCommand.listedFanout(context.client(), resolved.thread());
    } catch (CliException e) {
      if (!FanoutWatch.busy(e) && !"ROUTE_NOT_FOUND".equals(e.code())) {
        throw e;
      }
    }
    if (listed.isPresent()) {
      JsonNode summary = context.client().get("/v1/fanouts/" + listed.get());
      return new Read(
          resolved.reference(),
          resolved.thread(),
          summary.path("complete").asBoolean(),
          listed.get(),
          null);
    }
    TaskFold fold = TaskFold.load(api, task);
    FanoutState state = fold.requireFanout();
    return new Read(
        fold.task().reference(), fold.task().thread(), state.joinComplete(), null, state);
  }

  private SpeedupReport report(RecordsApi api, Read task, Double serialMeasured) {
    if (task.fanout() == null) {
      return SpeedupReport.of(task.state(), FleetView.load(api).slotsByWorker(), serialMeasured);
    }
    Map<String, Object> query = DaemonClient.query();
    query.put("measured_serial_wall_secs", serialMeasured);
    return SpeedupReport.fromJson(
        context
            .client()
            .get(DaemonClient.withQuery("/v1/fanouts/" + task.fanout() + "/speedup", query)));
  }

  static void render(PrintStream out, SpeedupReport report, String serialThread) {
    out.println("Fan-out speedup report: " + report.fanout().thread());
    out.println();
    out.println("  Run:");
    out.println("    subtasks:          " + Formats.count(report.subtasks()));
    if (report.withResults() < report.subtasks()) {
      out.println(
          "    with results:      "
              + Formats.count(report.withResults())
              + " (the others count as 0s until they report)");
    }
    out.println("    per-subtask walls: " + walls(report.wallsSecs()));
    out.println("    total cost:        " + Formats.usd4(report.totalCostUsd()));
    out.println();
    out.println("  Wall time:");
    out.println(
        "    measured:          "
            + (report.measuredWallSecs() == null
                ? "-  (no result yet)"
                : Formats.seconds(report.measuredWallSecs())
                    + "  (first spawn → last result, as the coordinator received them)"));
    out.println(
        "    estimated:         "
            + Formats.seconds(report.estimatedWallSecs())
            + "  ("
            + estimateBasis(report)
            + ")");
    out.println(
        "    critical path:     "
            + Formats.seconds(report.criticalPathSecs())
            + "  ("
            + path(report.criticalPath())
            + ": the estimate with unlimited slots)");
    out.println();
    out.println("  Serial estimate from this run alone (a sanity check, not a measurement):");
    out.println(
        "    serial estimate:   "
            + Formats.seconds(report.serialEstimateSecs())
            + "  (sum of subtask walls: the work on one slot)");
    out.println(
        "    estimated speedup: "
            + (report.estimatedWallSecs() == 0
                ? "n/a"
                : Formats.ratio(report.estimatedSpeedup()) + "  (serial estimate / estimated)"));
    out.println(
        "    caveat:            summing the walls leaves out spawn, queueing and reporting");
    out.println("                       time, and assumes the work would take as long on one");
    out.println("                       slot. For a measurement, run the same work serially and");
    out.println("                       compare with --vs-serial <task>.");
    if (report.measuredSerialWallSecs() != null) {
      out.println();
      out.println("  Measured against a serial run (first spawn → last result of each):");
      out.println("    this run:          " + Formats.seconds(report.measuredWallSecs()));
      out.println(
          "    serial run:        "
              + Formats.seconds(report.measuredSerialWallSecs())
              + "  "
              + serialThread);
      out.println(
          "    measured speedup:  "
              + (report.measuredSpeedup() == null
                  ? "n/a"
                  : Formats.ratio(report.measuredSpeedup())));
    }
  }

  private static String estimateBasis(SpeedupReport report) {
    if (!report.slotsKnown()) {
      return "the critical path: the slots of the workers the children ran on are not known";
    }
    String basis =
        "the walls list-scheduled on "
            + report.slots()
            + (report.slots() == 1 ? " slot" : " slots")
            + " of "
            + report.workers()
            + (report.workers() == 1 ? " worker" : " workers");
    if (report.unknownWorkers() > 0) {
      basis +=
          "; "
              + report.unknownWorkers()
              + (report.unknownWorkers() == 1 ? " worker's" : " workers'")
              + " slots not known";
    }
    return basis;
  }

  private static String walls(List<Double> walls) {
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < Math.min(WALLS_SHOWN, walls.size()); i++) {
      Double wall = walls.get(i);
      shown.add(wall == null ? "-" : Formats.seconds(wall));
    }
    String more =
        walls.size() > WALLS_SHOWN ? ", ... " + (walls.size() - WALLS_SHOWN) + " more" : "";
    return "[" + String.join(", ", shown) + more + "]";
  }

  private static String path(List<Integer> criticalPath) {
    if (criticalPath.isEmpty()) {
      return "empty";
    }
    List<String> parts = new ArrayList<>();
    criticalPath.forEach(i -> parts.add(String.valueOf(i)));
    return String.join(" → ", parts);
  }
}
