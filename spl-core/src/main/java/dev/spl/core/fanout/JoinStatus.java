package dev.spl.core.fanout;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code spl task join-status} shows.
 *
 * @param spawned children whose current attempt has been spawned (in progress, being cancelled, or
 *     finished after running)
 * @param completed children with a verdict for their current attempt (including skipped and
 *     cancelled)
 * @param verdict the parent's verdict once the join completed, else null
 * @param ignoredRecords records applied to this fan-out that changed nothing (stale attempts,
 *     duplicates, retries after the join)
 * @param fanin where the fan-in stands and how the children ended
 * @param stages where the stages after the join stand ({@link FanoutState#stagesStatus}), or null
 * @param reduced the reducers' values so far ({@link Reductions#toJson}), or null without reducers
 * @param merge the merge queue so far (integration branch, its head, each child's outcome), or null
 *     without one
 */
public record JoinStatus(
    FanoutRef fanout,
    int subtasks,
    int spawned,
    int completed,
    String predicate,
    boolean complete,
    String verdict,
    JoinCounters counters,
    int ignoredRecords,
    List<SubtaskStatus> perSubtask,
    Fanin fanin,
    com.fasterxml.jackson.databind.node.ObjectNode reduced,
    String stages,
    java.math.BigDecimal spentUsd,
    java.math.BigDecimal totalBudgetUsd,
    com.fasterxml.jackson.databind.node.ObjectNode merge) {

  /** The state of a child whose command has exited and that waits for its own fan-in. */
  public static final String WAITING_FOR_NESTED = "waiting for nested fan-in";

  /** The join status of a fan-out as its fold stands. */
  public static JoinStatus of(FanoutState state) {
    int width = state.width();
    List<SubtaskStatus> lines = new ArrayList<>(width);
    for (int i = 0; i < width; i++) {
      lines.add(subtask(state, i));
    }
    return new JoinStatus(
        state.ref(),
        width,
        state.spawnedCount(),
        state.completedCount(),
        state.join(),
        state.joinComplete(),
        state.joinVerdict(),
        state.counters(),
        state.ignoredRecords(),
        List.copyOf(lines),
        state.fanin(),
        state.reducedJson(),
        state.stagesStatus(),
        state.spentUsd(),
        state.options().totalBudgetUsd(),
        state.mergeJson());
  }

  /** The line of subtask {@code index} alone, as {@link #of} lists it. */
  public static SubtaskStatus subtask(FanoutState state, int index) {
    ChildState lifecycle = state.childState(index);
    boolean terminal = lifecycle.terminal();
    return new SubtaskStatus(
        index,
        state.goal(index),
        state.target(index).toString(),
        state.resolvedTarget(index),
        lifecycle,
        terminal
            ? state.verdict(index).wire()
            : state.waitingForNested(index) ? WAITING_FOR_NESTED : lifecycle.label(),
        state.attempt(index),
        state.worker(index),
        state.thread(index),
        terminal ? state.costUsd(index) : null,
        terminal ? state.wallSecs(index) : null,
        state.summary(index),
        state.interruptedBy(index),
        terminal ? state.exitCode(index) : null,
        new Identity(
            index, state.iterFrom(index), state.iterTo(index), state.idempotencyKey(index)),
        state.retries(index),
        state.retryAtMillis(index));
  }

  /**
   * A child's stable identity, the same for every attempt: its shard (its index), the item
   * positions or range points it covers, {@code [iterFrom, iterTo)}, and the key derived from them.
   */
  public record Identity(int shard, long iterFrom, long iterTo, String idempotencyKey) {}

  /**
   * One subtask's line.
   *
   * @param target the target as written ({@code round-robin} when none was given)
   * @param resolvedTarget {@code specific:<did>} of the worker of the current attempt, or null
   *     before it is spawned
   * @param state {@code pending spawn}, {@code in progress}, {@code cancelling}, or the verdict
   * @param costUsd null until a verdict is known
   * @param wallTimeSecs null until a verdict is known
   * @param interruptedBy {@code hard_freeze} while the child waits to re-spawn because a hard
   *     freeze stopped its previous attempt, else null
   * @param exitCode the shell command's exit code once a verdict is known and the worker sent one,
   *     else null
   * @param retries automatic retries the child has used
   * @param retryAtMillis when a child waiting for an automatic retry may spawn, else 0
   */
  public record SubtaskStatus(
      int index,
      String goal,
      String target,
      String resolvedTarget,
      ChildState lifecycle,
      String state,
      int attempt,
      String worker,
      String childThread,
      BigDecimal costUsd,
      Double wallTimeSecs,
      String summary,
      String interruptedBy,
      Integer exitCode,
      Identity identity,
      int retries,
      long retryAtMillis) {}
}
