package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.Worktrees;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * One attempt of one fan-out child, as a worker runs it. {@code inputsJson} carries the results of
 * the predecessors named in {@code depends}; {@code hint} is the guidance a retry gave this attempt
 * ({@code spl task retry --hint}), or null; {@code parentThread} is the thread of the fan-out's
 * parent (the task's thread); {@code shard} is the child's stable identity and, for a data child,
 * its slice; {@code faninJson} is what a stage after the join is given ({@code $SPL_FANIN_FILE}),
 * or null for every other child; {@code worktree} is the commit and branch of a child that works in
 * a git worktree of its own, or null; {@code runDir} is the folder its command runs in, null for
 * {@code workDir} (the worktree executor runs it in the child's worktree); {@code executor} is
 * {@link dev.spl.core.fanout.SubtaskSpec#ECHO} when its subtask asked for the echo executor, null
 * for the worker's own.
 */
public record ChildJob(
    String childThread,
    String intendId,
    int attempt,
    String goal,
    BigDecimal budgetUsd,
    Integer timeoutSecs,
    String run,
    String fanout,
    String parentThread,
    int index,
    String namespace,
    String inputsJson,
    Path workDir,
    String hint,
    Shard shard,
    String faninJson,
    Worktrees.Child worktree,
    Path runDir,
    String executor) {

  /** A child that runs in its working folder. */
  public ChildJob(
      String childThread,
      String intendId,
      int attempt,
      String goal,
      BigDecimal budgetUsd,
      Integer timeoutSecs,
      String run,
      String fanout,
      String parentThread,
      int index,
      String namespace,
      String inputsJson,
      Path workDir,
      String hint,
      Shard shard,
      String faninJson) {
    this(
        childThread,
        intendId,
        attempt,
        goal,
        budgetUsd,
        timeoutSecs,
        run,
        fanout,
        parentThread,
        index,
        namespace,
        inputsJson,
        workDir,
        hint,
        shard,
        faninJson,
        null,
        null,
        null);
  }

  /** The same attempt, its command run in {@code folder}. */
  public ChildJob withRunDir(Path folder) {
    return new ChildJob(
        childThread,
        intendId,
        attempt,
        goal,
        budgetUsd,
        timeoutSecs,
        run,
        fanout,
        parentThread,
        index,
        namespace,
        inputsJson,
        workDir,
        hint,
        shard,
        faninJson,
        worktree,
        folder,
        executor);
  }

  /** The folder the command runs in. */
  public Path commandDir() {
    return runDir == null ? workDir : runDir;
  }

  /** A child that is not a stage after the join. */
  public ChildJob(
      String childThread,
      String intendId,
      int attempt,
      String goal,
      BigDecimal budgetUsd,
      Integer timeoutSecs,
      String run,
      String fanout,
      String parentThread,
      int index,
      String namespace,
      String inputsJson,
      Path workDir,
      String hint,
      Shard shard) {
    this(
        childThread,
        intendId,
        attempt,
        goal,
        budgetUsd,
        timeoutSecs,
        run,
        fanout,
        parentThread,
        index,
        namespace,
        inputsJson,
        workDir,
        hint,
        shard,
        null);
  }

  /**
   * Which part of its fan-out the child is, the same for every attempt.
   *
   * @param index the child's index (its shard)
   * @param iterFrom its first item position or range point
   * @param iterTo one past its last
   * @param idempotencyKey derived from the fan-out and the above: the same for every attempt and
   *     every re-delivery, so a command with outside effects can de-duplicate them
   * @param items the items of an item child, else null
   * @param loop {@code ITEMS} or {@code RANGE} for a data child, null for a listed subtask
   */
  public record Shard(
      int index,
      long iterFrom,
      long iterTo,
      String idempotencyKey,
      ArrayNode items,
      DataLoop.Kind loop) {
    /**
     * A listed subtask: shard {@code index} of its fan-out, covering {@code [index, index + 1)}.
     */
    public static Shard listed(String fanout, int index) {
      return new Shard(
          index,
          index,
          index + 1L,
          DataLoop.idempotencyKey(fanout, index, index, index + 1L),
          null,
          null);
    }

    public static Shard of(ChildIntent intent) {
      return new Shard(
          intent.shard(),
          intent.iterFrom(),
          intent.iterTo(),
          intent.idempotencyKey(),
          intent.items(),
          intent.loop());
    }
  }

  /** An attempt of a listed subtask. */
  public ChildJob(
      String childThread,
      String intendId,
      int attempt,
      String goal,
      BigDecimal budgetUsd,
      Integer timeoutSecs,
      String run,
      String fanout,
      String parentThread,
      int index,
      String namespace,
      String inputsJson,
      Path workDir,
      String hint) {
    this(
        childThread,
        intendId,
        attempt,
        goal,
        budgetUsd,
        timeoutSecs,
        run,
        fanout,
        parentThread,
        index,
        namespace,
        inputsJson,
        workDir,
        hint,
        Shard.listed(fanout, index));
  }

  /** The child's idempotency key: the same for every attempt ({@link Shard#idempotencyKey}). */
  public String idempotencyKey() {
    return shard.idempotencyKey();
  }

  /** The key a worker tracks a running attempt by: the child thread and the attempt. */
  public String key() {
    return ChildIntent.attemptKey(childThread, attempt);
  }
}
