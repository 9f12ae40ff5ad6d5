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
 * @param waiting why children ready to spawn are not placed (a routing condition no live worker
 *     meets), grouped by reason
 * @param hedged children started a second time on another worker ({@code --hedge-after})
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
    com.fasterxml.jackson.databind.node.ObjectNode merge,
    List<Waiting> waiting,
    int hedged) {

  /** Children that wait for the same reason: how many, and the first of them. */
  public record Waiting(String reason, int subtasks, int firstIndex) {}

  /** The state of a child whose command has exited and that waits for its own fan-in. */
  public static final String WAITING_FOR_NESTED = "waiting for nested fan-in";

  /**
   * The join status of a fan-out as its fold stands, with why children wait as the fold's last
   * decision saw it (the coordinator's).
   */
  public static JoinStatus of(FanoutState state) {
    return of(state, null);
  }

  /**
   * The join status with why children wait among the workers of {@code directory} (a reader that
   * does not decide, such as the CLI); null takes the fold's own last decision.
   */
  public static JoinStatus of(FanoutState state, WorkerDirectory directory) {
    int width = state.width();
    List<SubtaskStatus> lines = new ArrayList<>(width);
    java.util.Map<String, Waiting> waiting = new java.util.LinkedHashMap<>();
    for (int i = 0; i < width; i++) {
      String why = directory == null ? state.waitingFor(i) : state.waitingFor(i, directory);
      lines.add(subtask(state, i, why));
      if (why != null) {
        int index = i;
        waiting.merge(
            why,
            new Waiting(why, 1, index),
            (a, b) -> new Waiting(a.reason(), a.subtasks() + 1, a.firstIndex()));
      }
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
        state.mergeJson(),
        List.copyOf(waiting.values()),
        state.hedgedCount());
  }

  /** The line of subtask {@code index} alone, as {@link #of} lists it. */
  public static SubtaskStatus subtask(FanoutState state, int index) {
    return subtask(state, index, state.waitingFor(index));
  }

  private static SubtaskStatus subtask(FanoutState state, int index, String waiting) {
    ChildState lifecycle = state.childState(index);
    boolean terminal = lifecycle.terminal();
    return new SubtaskStatus(
        index,
        state.goal(index),
        state.target(index).toString(),
        state.resolvedTarget(index),
        lifecycle,
        stateLabel(state, index),
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
        state.retryAtMillis(index),
        waiting);
  }

  /**
   * Child {@code index}'s state as its line shows it ({@link SubtaskStatus#state}): its verdict
   * once it has one, else its lifecycle's label (or waiting for the fan-out it made).
   */
  public static String stateLabel(FanoutState state, int index) {
    ChildState lifecycle = state.childState(index);
    if (lifecycle.terminal()) {
      return state.verdict(index).wire();
    }
    return state.waitingForNested(index) ? WAITING_FOR_NESTED : lifecycle.label();
  }

  /**
   * How many children are in each state ({@link #stateLabel}), by state in alphabetical order: the
   * counts a wide fan-out's status shows, without listing its children.
   */
  public static java.util.SortedMap<String, Integer> countByState(FanoutState state) {
    java.util.SortedMap<String, Integer> counts = new java.util.TreeMap<>();
    for (int i = 0; i < state.width(); i++) {
      counts.merge(stateLabel(state, i), 1, Integer::sum);
    }
    return counts;
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
   * @param waiting why the child, ready to spawn, is not placed ({@code no live worker matches
   *     cel:...}), else null
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
      long retryAtMillis,
      String waiting) {}
}
