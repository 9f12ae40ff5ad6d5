package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.text.Formats;
import dev.spl.core.Json;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.SpeedupReport;
import java.io.PrintStream;
import java.math.BigDecimal;
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
    TaskFold fold = TaskFold.load(api, reference);
    FanoutState state = fold.requireFanout();
    Double serialMeasured = null;
    String serialThread = null;
    if (serialReference != null) {
      if (!state.joinComplete() || state.measuredWallSecs() == null) {
        throw CliException.badInput(
            "task '"
                + fold.task().reference()
                + "': its join has not completed, so it has no measured wall to compare yet");
      }
      TaskFold serial = TaskFold.load(api, serialReference);
      FanoutState serialState = serial.requireFanout();
      serialMeasured = serialState.joinComplete() ? serialState.measuredWallSecs() : null;
      if (serialMeasured == null) {
        throw CliException.badInput(
            "--vs-serial: task '"
                + serial.task().reference()
                + "' has no completed fan-out, so it has no measured wall to compare with");
      }
      serialThread = serial.task().thread();
    }
    Map<String, Integer> slots = FleetView.load(api).slotsByWorker();
    SpeedupReport report = SpeedupReport.of(state, slots, serialMeasured);
    if (context.json()) {
      ObjectNode node = toJson(report);
      node.put("measured_serial_thread", serialThread);
      context.printJson(node);
      return ExitCodes.OK;
    }
    render(context.out(), report, serialThread);
    return ExitCodes.OK;
  }

  static ObjectNode toJson(SpeedupReport report) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "speedup_report");
    node.put("thread", report.fanout().thread());
    node.put("fanout", report.fanout().id());
    node.put("subtasks", report.subtasks());
    node.put("with_results", report.withResults());
    ArrayNode walls = node.putArray("walls_secs");
    for (Double wall : report.wallsSecs()) {
      if (wall == null) {
        walls.addNull();
      } else {
        walls.add(BigDecimal.valueOf(wall));
      }
    }
    node.put("measured_wall_secs", report.measuredWallSecs());
    node.put("estimated_wall_secs", report.estimatedWallSecs());
    node.put("workers", report.workers());
    node.put("slots", report.slots());
    node.put("unknown_workers", report.unknownWorkers());
    node.put("critical_path_secs", report.criticalPathSecs());
    ArrayNode path = node.putArray("critical_path");
    report.criticalPath().forEach(path::add);
    node.put("total_cost_usd", report.totalCostUsd());
    node.put("serial_estimate_secs", report.serialEstimateSecs());
    node.put("estimated_speedup", report.estimatedSpeedup());
    node.put("measured_serial_wall_secs", report.measuredSerialWallSecs());
    node.put("measured_speedup", report.measuredSpeedup());
    return node;
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
