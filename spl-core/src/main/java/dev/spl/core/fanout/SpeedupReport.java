package dev.spl.core.fanout;

import java.math.BigDecimal;
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
    Double measuredSpeedup) {}
