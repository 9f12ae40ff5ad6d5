package dev.spl.core.fanout;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What {@code spl task speedup} shows.
 *
 * @param withResults subtasks that have a wall time (a verdict from a run); the others count as 0 s
 * @param wallsSecs per subtask in index order, null for subtasks without a result
 * @param parallelWallSecs the longest chain of walls through the dependency graph
 * @param criticalPath the subtask indices along that chain, first to last
 * @param serialEstimateSecs the sum of walls: what one worker would take doing them one by one
 * @param estimatedSpeedup serial estimate / parallel wall (0 when the parallel wall is 0)
 * @param measuredSerialWallSecs the wall of a measured serial run, when one was given
 * @param measuredSpeedup measured serial wall / parallel wall, when one was given
 */
public record SpeedupReport(
    FanoutRef fanout,
    int subtasks,
    int withResults,
    List<Double> wallsSecs,
    double parallelWallSecs,
    List<Integer> criticalPath,
    BigDecimal totalCostUsd,
    double serialEstimateSecs,
    double estimatedSpeedup,
    Double measuredSerialWallSecs,
    Double measuredSpeedup) {

  /**
   * The speedup report of a fan-out as its fold stands. {@code measuredSerialWallSecs} is the wall
   * of the same work run serially (from {@code --vs-serial}), or null.
   */
  public static SpeedupReport of(FanoutState state, Double measuredSerialWallSecs) {
    int n = state.width();
    List<Double> walls = new ArrayList<>(n);
    double[] wall = new double[n];
    int withResults = 0;
    double serial = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (int i = 0; i < n; i++) {
      boolean ran = state.childState(i) == ChildState.DONE && state.spawned(i);
      double childWall = state.wallSecs(i);
      wall[i] = ran ? childWall : 0;
      walls.add(ran ? childWall : null);
      if (ran) {
        withResults++;
      }
      serial += wall[i];
      cost = cost.add(state.costUsd(i));
    }
    // Longest path through the dependency graph, visiting subtasks in topological order: when a
    // subtask is taken from the queue, all its predecessors have finished.
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
    double parallel = last < 0 ? 0 : finish[last];
    Double measuredSpeedup =
        measuredSerialWallSecs == null || parallel == 0 ? null : measuredSerialWallSecs / parallel;
    return new SpeedupReport(
        state.ref(),
        n,
        withResults,
        Collections.unmodifiableList(walls),
        parallel,
        List.copyOf(path),
        cost,
        serial,
        parallel == 0 ? 0 : serial / parallel,
        measuredSerialWallSecs,
        measuredSpeedup);
  }
}
