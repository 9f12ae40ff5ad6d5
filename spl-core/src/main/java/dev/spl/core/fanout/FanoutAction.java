package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.List;

/**
 * What the reconciler should do for a fan-out, as decided by {@link FanoutState#decide}. {@link
 * FanoutRecords#drafts} turns a list of actions into the records to append on the parent thread.
 * Every action but {@link Hold} writes records.
 */
public sealed interface FanoutAction {
  FanoutRef fanout();

  /**
   * Spawn one child: deliver {@code childIntent} (an INTEND on {@code childThread}) to {@code
   * worker} through the outbox, and record it in a {@code fanout_spawned} record.
   *
   * @param resolvedTarget {@code specific:<did>} of the chosen worker
   * @param hedge whether this is a hedge: attempt + 1 of a child whose attempt still runs, started
   *     on another worker beside it ({@code --hedge-after})
   * @param maxRunning the limit {@code childIntent} carries ({@link ChildIntent#maxRunning}), or 0
   */
  record Spawn(
      FanoutRef fanout,
      int index,
      int attempt,
      String childThread,
      WorkerInfo worker,
      String resolvedTarget,
      ObjectNode childIntent,
      boolean hedge,
      int maxRunning)
      implements FanoutAction {}

  /**
   * A spawn the permission check refuses now ({@link SpawnPolicy}): nothing is written and the
   * child stays pending; the fan-out is decided again on the next pass, so the spawn happens once
   * the check lets it through (e.g. after an unfreeze).
   *
   * @param refusal the permission check's message
   */
  record Hold(FanoutRef fanout, int index, int attempt, String refusal) implements FanoutAction {}

  /**
   * Stop children that are no longer needed. Children with a worker get a {@code fanout_cancel}
   * delivered; children never spawned are simply marked cancelled when the {@code
   * fanout_cancel_sent} record is applied.
   */
  record Cancel(FanoutRef fanout, List<CancelledChild> children, String reason)
      implements FanoutAction {
    public List<Integer> indices() {
      return children.stream().map(CancelledChild::index).toList();
    }
  }

  /** One child a {@link Cancel} stops; {@code worker} is null when it was never spawned. */
  record CancelledChild(int index, int attempt, String childThread, String worker) {}

  /** Re-spawn a child whose worker was lost: recorded as {@code fanout_retry_subtask}. */
  record Reassign(FanoutRef fanout, int index, int abandonedAttempt, String lostWorker)
      implements FanoutAction {}

  /**
   * Give up on a child's current attempt (its worker was lost and {@code max_attempts} is used up):
   * the coordinator writes the child's {@code fanout_child_done} itself.
   */
  record GiveUp(
      FanoutRef fanout,
      int index,
      int attempt,
      String childThread,
      String worker,
      Verdict verdict,
      String summary,
      long atMillis)
      implements FanoutAction {}

  /** The fan-in is terminal and stages follow: record it (and whether they run) first. */
  record DecideFanin(FanoutRef fanout, FaninDecided decided) implements FanoutAction {}

  /**
   * The join is decided, or the fan-out was cancelled: write the parent's {@code
   * fanout_join_complete} KNOW. It carries counts, not children: each child's outcome is its own
   * {@code fanout_child_done} record, which the fold keeps.
   */
  record CompleteJoin(
      FanoutRef fanout,
      String verdict,
      JoinTotals totals,
      long completedAtMillis,
      Fanin fanin,
      com.fasterxml.jackson.databind.node.ObjectNode reduced,
      com.fasterxml.jackson.databind.node.ObjectNode merge)
      implements FanoutAction {
    /** A join without a merge queue. */
    public CompleteJoin(
        FanoutRef fanout,
        String verdict,
        JoinTotals totals,
        long completedAtMillis,
        Fanin fanin,
        com.fasterxml.jackson.databind.node.ObjectNode reduced) {
      this(fanout, verdict, totals, completedAtMillis, fanin, reduced, null);
    }

    /** A join without reducers. */
    public CompleteJoin(
        FanoutRef fanout, String verdict, JoinTotals totals, long completedAtMillis, Fanin fanin) {
      this(fanout, verdict, totals, completedAtMillis, fanin, null, null);
    }
  }

  /**
   * Run one step of the merge queue ({@link MergeQueue.Job}). Writes nothing itself: the edge runs
   * git and the check, then writes the step's {@code fanout_merge_step}.
   */
  record Merge(FanoutRef fanout, MergeQueue.Job job) implements FanoutAction {}

  /**
   * Totals written with the join: {@code completed} counts children that reached a verdict of their
   * own before the join completed; the others are reported as cancelled. {@code costUsd} adds up
   * each child's last result; for a fan-out with a total budget, {@code spentUsd} adds up every
   * result (retried attempts too) and {@code totalBudgetUsd} is the budget (both null without one).
   * {@code hedged} counts the children started a second time ({@code --hedge-after}); when it is
   * above 0, {@code spentUsd} is set too and holds both attempts' costs.
   */
  record JoinTotals(
      int n,
      int completed,
      int accepted,
      int failed,
      BigDecimal costUsd,
      BigDecimal spentUsd,
      BigDecimal totalBudgetUsd,
      int hedged) {
    /** Totals of a fan-out without a total budget or hedges. */
    public JoinTotals(int n, int completed, int accepted, int failed, BigDecimal costUsd) {
      this(n, completed, accepted, failed, costUsd, null, null, 0);
    }
  }

  /**
   * An outer child's command exited with an accept after it fanned out itself, and that nested
   * fan-out's join has completed: write the child's result ({@link NestedFanouts#outerResult}) as a
   * {@code fanout_child_done} naming the nested fan-out, on the outer parent's thread.
   */
  record CompleteNested(FanoutRef fanout, ChildDone result, String nested)
      implements FanoutAction {}

  /**
   * A nested fan-out whose outer child ended without an accept, or whose outer fan-out was
   * cancelled or decided without it: write a {@code fanout_cancel_request} for it ({@code fanout}
   * is the nested fan-out).
   */
  record CancelNested(FanoutRef fanout, String reason) implements FanoutAction {}
}
