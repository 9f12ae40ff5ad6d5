package dev.spl.core.worker;

import dev.spl.core.fanout.ChildState;
import dev.spl.core.fanout.FanoutState;

/**
 * The coordinator's half of fenced attempts: whether a worker may run an attempt it holds. A worker
 * asks before it starts each attempt ({@link WorkerFold}) and the coordinator answers from its
 * fan-out fold, on its reconciler's loop, so the answer and the decision to move a lost worker's
 * children elsewhere never interleave.
 *
 * <p>An attempt is {@link AttemptStanding#CURRENT} only while it is the child's current attempt, is
 * spawned (in progress or being cancelled), was spawned on the asking worker, and the coordinator
 * has heard from that worker since it last started ({@code workerHeardThisLife}: a heartbeat with
 * the worker's current start time, within the lease). The last condition keeps a restarted worker
 * from running on the strength of heartbeats of its previous life that are about to run out: once
 * its new heartbeats arrive it keeps its lease for as long as it runs.
 *
 * <p>A hedged child ({@code --hedge-after}) runs two attempts at once: the first stays current on
 * its worker beside the hedge (the child's current attempt, on another worker) until one of them
 * decides the child.
 */
public final class AttemptFence {
  private AttemptFence() {}

  /**
   * The standing of attempt {@code attempt} of child {@code index} of {@code fanout} (null when the
   * coordinator has no such fan-out) for the worker {@code worker}.
   */
  public static AttemptStanding standing(
      FanoutState fanout, int index, int attempt, String worker, boolean workerHeardThisLife) {
    if (fanout == null || index < 0 || index >= fanout.width()) {
      return AttemptStanding.UNKNOWN;
    }
    int current = fanout.attempt(index);
    if (fanout.runsBesideItsHedge(index, attempt, worker)) {
      return workerHeardThisLife ? AttemptStanding.CURRENT : AttemptStanding.NOT_YET;
    }
    if (attempt < current) {
      return AttemptStanding.SUPERSEDED;
    }
    ChildState state = fanout.childState(index);
    if (attempt > current) {
      return AttemptStanding.NOT_YET;
    }
    if (state.terminal()) {
      return AttemptStanding.DONE;
    }
    if (!state.active()) {
      return AttemptStanding.NOT_YET;
    }
    String spawnedOn = fanout.worker(index);
    if (spawnedOn != null && !spawnedOn.equals(worker)) {
      return AttemptStanding.SUPERSEDED;
    }
    return workerHeardThisLife ? AttemptStanding.CURRENT : AttemptStanding.NOT_YET;
  }
}
