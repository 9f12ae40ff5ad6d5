package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * What {@code spl task speedup} shows: what the fan-out cost in wall time, estimated from the
 * children's own walls and measured on the coordinator, against doing the same work serially.
 *
 * @param withResults subtasks that have a wall time (a verdict from a run); the others count as 0 s
 * @param wallsSecs per subtask in index order, null for subtasks without a result
 * @param criticalPathSecs the longest chain of walls through the dependency graph: the wall with as
 *     many slots as subtasks
 * @param criticalPath the subtask indices along that chain, first to last
 * @param workers the workers the children ran on
 * @param slots the slots of those workers together, as the registry last heard them; 0 when none of
 *     them is known
 * @param unknownWorkers workers the children ran on whose slots are not known (not counted in
 *     {@code slots})
 * @param estimatedWallSecs the wall with {@code slots} slots: list scheduling over the dependency
 *     graph (each slot takes the lowest-numbered ready subtask when it frees up), the critical path
 *     when no slot count is known
 * @param measuredWallSecs the wall as run, from the coordinator receiving the first spawn to it
 *     receiving the last result that counted ({@link FanoutState#measuredWallSecs()}), or null
 * @param serialEstimateSecs the sum of walls: what one slot would take doing them one by one
 * @param estimatedSpeedup serial estimate / estimated wall (0 when the estimated wall is 0)
 * @param measuredSerialWallSecs the measured wall of a serial run of the same work, when one was
 *     given
 * @param measuredSpeedup measured serial wall / measured wall, when both are known
 */
public record SpeedupReport(
    FanoutRef fanout,
    int subtasks,
    int withResults,
    List<Double> wallsSecs,
    double criticalPathSecs,
    List<Integer> criticalPath,
    int workers,
    int slots,
    int unknownWorkers,
    double estimatedWallSecs,
    Double measuredWallSecs,
    BigDecimal totalCostUsd,
    double serialEstimateSecs,
    double estimatedSpeedup,
    Double measuredSerialWallSecs,
    Double measuredSpeedup) {

  /**
   * The report as {@code GET /v1/fanouts/{id}/speedup} answers and {@code spl task speedup -o json}
   * prints it (docs/api.md).
   */
  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "speedup_report");
    node.put("thread", fanout.thread());
    node.put("fanout", fanout.id());
    node.put("namespace", fanout.namespace());
    node.put("subtasks", subtasks);
    node.put("with_results", withResults);
    ArrayNode walls = node.putArray("walls_secs");
    for (Double wall : wallsSecs) {
      if (wall == null) {
        walls.addNull();
      } else {
        walls.add(BigDecimal.valueOf(wall));
      }
    }
    node.put("measured_wall_secs", measuredWallSecs);
    node.put("estimated_wall_secs", estimatedWallSecs);
    node.put("workers", workers);
    node.put("slots", slots);
    node.put("unknown_workers", unknownWorkers);
    node.put("critical_path_secs", criticalPathSecs);
    ArrayNode path = node.putArray("critical_path");
    criticalPath.forEach(path::add);
    node.put("total_cost_usd", totalCostUsd);
    node.put("serial_estimate_secs", serialEstimateSecs);
    node.put("estimated_speedup", estimatedSpeedup);
    node.put("measured_serial_wall_secs", measuredSerialWallSecs);
    node.put("measured_speedup", measuredSpeedup);
    return node;
  }

  /** Reads what {@link #toJson} wrote. */
  public static SpeedupReport fromJson(JsonNode node) {
    List<Double> walls = new ArrayList<>(node.path("walls_secs").size());
    for (JsonNode wall : node.path("walls_secs")) {
      walls.add(wall.isNumber() ? wall.doubleValue() : null);
    }
    List<Integer> path = new ArrayList<>(node.path("critical_path").size());
    for (JsonNode index : node.path("critical_path")) {
      path.add(index.intValue());
    }
    return new SpeedupReport(
        new FanoutRef(
            node.path("fanout").asText(),
            node.path("thread").asText(),
            node.path("namespace").asText()),
        node.path("subtasks").intValue(),
        node.path("with_results").intValue(),
        Collections.unmodifiableList(walls),
        node.path("critical_path_secs").doubleValue(),
        Collections.unmodifiableList(path),
        node.path("workers").intValue(),
        node.path("slots").intValue(),
        node.path("unknown_workers").intValue(),
        node.path("estimated_wall_secs").doubleValue(),
        optionalDouble(node, "measured_wall_secs"),
        node.path("total_cost_usd").isNumber()
            ? node.path("total_cost_usd").decimalValue()
            : BigDecimal.ZERO,
        node.path("serial_estimate_secs").doubleValue(),
        node.path("estimated_speedup").doubleValue(),
        optionalDouble(node, "measured_serial_wall_secs"),
        optionalDouble(node, "measured_speedup"));
  }

  private static Double optionalDouble(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isNumber() ? value.doubleValue() : null;
  }

  /** Whether the estimate used a slot count (else it is the critical path). */
  public boolean slotsKnown() {
    return slots > 0;
  }

  /**
   * The speedup report of a fan-out as its fold stands. {@code slotsByWorker} gives the slots of
   * each worker DID the registry knows; {@code measuredSerialWallSecs} is the measured wall of the
   * same work run serially (from {@code --vs-serial}), or null.
   */
  public static SpeedupReport of(
      FanoutState state, Map<String, Integer> slotsByWorker, Double measuredSerialWallSecs) {
    int n = state.width();
    List<Double> walls = new ArrayList<>(n);
    double[] wall = new double[n];
    int withResults = 0;
    double serial = 0;
    BigDecimal cost = BigDecimal.ZERO;
    TreeSet<String> workers = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      boolean ran = state.childState(i) == ChildState.DONE && state.spawned(i);
      double childWall = state.wallSecs(i);
      wall[i] = ran ? childWall : 0;
      walls.add(ran ? childWall : null);
      if (ran) {
        withResults++;
      }
      if (state.worker(i) != null) {
        workers.add(state.worker(i));
      }
      serial += wall[i];
      cost = cost.add(state.costUsd(i));
    }
    int slots = 0;
    int unknown = 0;
    for (String worker : workers) {
      Integer workerSlots = slotsByWorker.get(worker);
      if (workerSlots == null || workerSlots < 1) {
        unknown++;
      } else {
        slots += workerSlots;
      }
    }
    CriticalPath critical = criticalPath(state, wall);
    double estimated = slots > 0 ? listScheduled(state, wall, slots) : critical.wallSecs();
    Double measured = state.measuredWallSecs();
    Double measuredSpeedup =
        measuredSerialWallSecs == null || measured == null || measured == 0
            ? null
            : measuredSerialWallSecs / measured;
    return new SpeedupReport(
        state.ref(),
        n,
        withResults,
        Collections.unmodifiableList(walls),
        critical.wallSecs(),
        critical.path(),
        workers.size(),
        slots,
        unknown,
        estimated,
        measured,
        cost,
        serial,
        estimated == 0 ? 0 : serial / estimated,
        measuredSerialWallSecs,
        measuredSpeedup);
  }

  private record CriticalPath(double wallSecs, List<Integer> path) {}

  /**
   * The longest path through the dependency graph, visiting subtasks in topological order: when a
   * subtask is taken from the queue, all its predecessors have finished.
   */
  private static CriticalPath criticalPath(FanoutState state, double[] wall) {
    int n = wall.length;
    double[] start = new double[n];
    double[] finish = new double[n];
    int[] via = new int[n];
    int[] waiting = new int[n];
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      waiting[i] = state.dependencies(i).size();
      via[i] = -1;
      if (waiting[i] == 0) {
        queue.add(i);
      }
    }
    int last = -1;
    while (!queue.isEmpty()) {
      int i = queue.poll();
      finish[i] = start[i] + wall[i];
      if (last < 0 || finish[i] > finish[last]) {
        last = i;
      }
      for (int successor : state.successorsOf(i)) {
        if (via[successor] < 0 || finish[i] > start[successor]) {
          start[successor] = finish[i];
          via[successor] = i;
        }
        if (--waiting[successor] == 0) {
          queue.add(successor);
        }
      }
    }
    List<Integer> path = new ArrayList<>();
    for (int i = last; i >= 0; i = via[i]) {
      path.add(0, i);
    }
    return new CriticalPath(last < 0 ? 0 : finish[last], List.copyOf(path));
  }

  /**
   * The makespan of list scheduling on {@code slots} identical slots: whenever a slot is free, it
   * starts the lowest-numbered subtask whose predecessors have all finished, which is the order the
   * coordinator spawns in.
   */
  private static double listScheduled(FanoutState state, double[] wall, int slots) {
    int n = wall.length;
    int[] waiting = new int[n];
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < n; i++) {
      waiting[i] = state.dependencies(i).size();
      if (waiting[i] == 0) {
        ready.add(i);
      }
    }
    // Running subtasks by finish time, then index, so equal finishes release in a fixed order.
    PriorityQueue<double[]> running =
        new PriorityQueue<>(
            (a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
    double now = 0;
    double end = 0;
    int free = slots;
    while (!ready.isEmpty() || !running.isEmpty()) {
      while (free > 0 && !ready.isEmpty()) {
        int i = ready.poll();
        double finish = now + wall[i];
        running.add(new double[] {finish, i});
        end = Math.max(end, finish);
        free--;
      }
      double[] next = running.poll();
      now = next[0];
      free++;
      release(state, (int) next[1], waiting, ready);
      while (!running.isEmpty() && running.peek()[0] == now) {
        free++;
        release(state, (int) running.poll()[1], waiting, ready);
      }
    }
    return end;
  }

  private static void release(
      FanoutState state, int finished, int[] waiting, PriorityQueue<Integer> ready) {
    for (int successor : state.successorsOf(finished)) {
      if (--waiting[successor] == 0) {
        ready.add(successor);
      }
    }
  }
}
