package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.text.Formats;
import dev.spl.core.Json;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.SpeedupReport;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task speedup}: whether the parallelism of a fan-out paid.
 *
 * <p>The parallel wall is the critical path through the dependency graph over the children's own
 * walls. The serial estimate sums those walls: a sanity check, since it ignores spawn and reporting
 * overheads. A measured comparison ({@code --vs-serial}) uses the measured walls of two fan-outs:
 * from the coordinator receiving the fan-out's parent INTEND to its join completing, for this task
 * and for a task that ran the same work serially (e.g. chained with {@code depends}, or on one
 * worker with one slot).
 */
@Command(
    name = "speedup",
    description = "Report parallel wall, serial estimate and speedup of a task's fan-out.")
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
    Double measured = null;
    Double serialMeasured = null;
    String serialThread = null;
    if (serialReference != null) {
      measured = fold.measuredWallSecs();
      if (measured == null) {
        throw CliException.badInput(
            "task '"
                + fold.task().reference()
                + "': its join has not completed, so it has no measured wall to compare yet");
      }
      TaskFold serial = TaskFold.load(api, serialReference);
      serial.requireFanout();
      serialMeasured = serial.measuredWallSecs();
      if (serialMeasured == null) {
        throw CliException.badInput(
            "--vs-serial: task '"
                + serial.task().reference()
                + "' has no completed fan-out, so it has no measured wall to compare with");
      }
      serialThread = serial.task().thread();
    }
    SpeedupReport report = SpeedupReport.of(state, serialMeasured);
    Double measuredRatio =
        serialMeasured == null || measured == 0 ? null : serialMeasured / measured;
    if (context.json()) {
      ObjectNode node = toJson(report);
      node.put("measured_wall_secs", measured);
      node.put("measured_serial_thread", serialThread);
      node.put("measured_serial_wall_secs", serialMeasured);
      node.put("measured_speedup", measuredRatio);
      context.printJson(node);
      return ExitCodes.OK;
    }
    render(context.out(), report, measured, serialThread, serialMeasured, measuredRatio);
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
    node.put("parallel_wall_secs", report.parallelWallSecs());
    ArrayNode path = node.putArray("critical_path");
    report.criticalPath().forEach(path::add);
    node.put("total_cost_usd", report.totalCostUsd());
    node.put("serial_estimate_secs", report.serialEstimateSecs());
    node.put("estimated_speedup", report.estimatedSpeedup());
    return node;
  }

  static void render(
      PrintStream out,
      SpeedupReport report,
      Double measured,
      String serialThread,
      Double serialMeasured,
      Double measuredRatio) {
    out.println("Fan-out speedup report: " + report.fanout().thread());
    out.println();
    out.println("  Parallel run:");
    out.println("    subtasks:          " + Formats.count(report.subtasks()));
    if (report.withResults() < report.subtasks()) {
      out.println(
          "    with results:      "
              + Formats.count(report.withResults())
              + " (the others count as 0s until they report)");
    }
    out.println("    per-subtask walls: " + walls(report.wallsSecs()));
    out.println(
        "    parallel wall:     "
            + Formats.seconds(report.parallelWallSecs())
            + "  (critical path "
            + path(report.criticalPath())
            + ")");
    out.println("    total cost:        " + Formats.usd4(report.totalCostUsd()));
    out.println();
    out.println("  Estimate from this run alone (a sanity check, not a measurement):");
    out.println(
        "    serial estimate:   "
            + Formats.seconds(report.serialEstimateSecs())
            + "  (sum of subtask walls)");
    out.println(
        "    estimated speedup: "
            + (report.parallelWallSecs() == 0 ? "n/a" : Formats.ratio(report.estimatedSpeedup())));
    out.println(
        "    caveat:            summing the walls leaves out spawn, queueing and reporting");
    out.println("                       time, and assumes the work would take as long on one");
    out.println("                       worker. For a measurement, run the same work serially and");
    out.println("                       compare with --vs-serial <task>.");
    if (serialMeasured != null) {
      out.println();
      out.println("  Measured (fan-out received → join complete, on the coordinator):");
      out.println("    this run:          " + Formats.seconds(measured));
      out.println(
          "    serial run:        " + Formats.seconds(serialMeasured) + "  " + serialThread);
      out.println(
          "    measured speedup:  "
              + (measuredRatio == null ? "n/a" : Formats.ratio(measuredRatio)));
    }
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
