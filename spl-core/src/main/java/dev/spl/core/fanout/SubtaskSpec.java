package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * One subtask of a fan-out as the user described it.
 *
 * @param goal what the child should achieve (required, not blank)
 * @param target where to run it ({@link Target} syntax), or null for round-robin
 * @param budget the most the child may spend in USD, or null for no limit
 * @param timeoutSecs the most wall time the child may take, or null for the worker's default
 * @param depends indices of subtasks that must be accepted before this one spawns, sorted
 * @param run the shell command for the shell executor, or null
 * @param workspace {@link #WORKTREE} when the child must run in a git worktree of its own even on a
 *     shell worker ({@code workspace=worktree}), or null
 * @param hedge false when the child must never run twice at once ({@code --hedge-after} skips it:
 *     its side effects must not happen twice); null or true allow hedging
 * @param executor {@link #ECHO} when a shell worker must run the child with the echo executor
 *     ({@code executor=echo}) instead of its command, or null for the worker's own executor
 */
public record SubtaskSpec(
    String goal,
    String target,
    BigDecimal budget,
    Long timeoutSecs,
    List<Integer> depends,
    String run,
    String workspace,
    Boolean hedge,
    String executor) {

  /** The one {@code workspace} value: a git worktree of its own, made from the fan-out's base. */
  public static final String WORKTREE = "worktree";

  /** The one {@code executor} value: the echo executor, on any worker. */
  public static final String ECHO = "echo";

  public SubtaskSpec {
    Objects.requireNonNull(goal, "goal");
    depends = depends == null ? List.of() : List.copyOf(depends.stream().sorted().toList());
  }

  public static SubtaskSpec ofGoal(String goal) {
    return new SubtaskSpec(goal, null, null, null, List.of(), null, null, null, null);
  }

  /** The descriptor as stored in a {@code fanout_subtasks} chunk: absent values are left out. */
  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("goal", goal);
    if (target != null) {
      node.put("target", target);
    }
    if (budget != null) {
      node.put("budget", budget);
    }
    if (timeoutSecs != null) {
      node.put("timeout", timeoutSecs);
    }
    if (!depends.isEmpty()) {
      var array = node.putArray("depends");
      depends.forEach(array::add);
    }
    if (run != null) {
      node.put("run", run);
    }
    if (workspace != null) {
      node.put("workspace", workspace);
    }
    if (hedge != null) {
      node.put("hedge", hedge);
    }
    if (executor != null) {
      node.put("executor", executor);
    }
    return node;
  }
}
