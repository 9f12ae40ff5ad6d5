package dev.spl.core.fanout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the children spawned in one decide pass go: resolves each child's {@link Target} against
 * the live workers of a {@link WorkerDirectory}. A pinned target (a DID or an alias) goes to its
 * worker when that worker is live; least-loaded goes to the live worker with the fewest active
 * children, counting the spawns already placed in the pass; round-robin continues from the
 * fan-out's recorded round-robin spawns.
 *
 * <p>Choosing does not commit: {@link #take} counts a choice once the spawn is decided, so a spawn
 * the permission check holds takes no load and no round-robin turn.
 */
final class Placement {
  private final List<WorkerInfo> live;
  private final int[] load;
  private long roundRobin;
  private Map<String, Integer> byDid;
  private Map<String, Integer> byAlias;

  /** One worker chosen for one target, or none. */
  record Choice(int worker, boolean roundRobinTurn) {
    static final Choice NONE = new Choice(-1, false);

    boolean none() {
      return worker < 0;
    }
  }

  /**
   * @param roundRobinSpawns round-robin spawns the fan-out has recorded so far
   */
  Placement(WorkerDirectory directory, long roundRobinSpawns) {
    this.live = directory.live();
    this.load = new int[live.size()];
    for (int w = 0; w < load.length; w++) {
      load[w] = live.get(w).active();
    }
    this.roundRobin = roundRobinSpawns;
  }

  boolean noLiveWorker() {
    return live.isEmpty();
  }

  /**
   * The worker for {@code target}. A pinned target whose worker is not live waits ({@link
   * Choice#NONE}), unless {@code mayLeavePinnedWorker}: the child already lost a run to that
   * worker, and finishing the work on another live worker beats waiting for one that may never
   * return.
   */
  Choice choose(Target target, boolean mayLeavePinnedWorker) {
    return switch (target.kind()) {
      case SPECIFIC, ALIAS -> {
        Integer pinned = pinnedIndex(target);
        if (pinned != null) {
          yield new Choice(pinned, false);
        }
        yield mayLeavePinnedWorker ? new Choice(leastLoaded(), false) : Choice.NONE;
      }
      case LEAST_LOADED -> new Choice(leastLoaded(), false);
      case ROUND_ROBIN -> new Choice((int) Math.floorMod(roundRobin, (long) live.size()), true);
    };
  }

  WorkerInfo worker(Choice choice) {
    return live.get(choice.worker());
  }

  /** Counts a chosen spawn: one more active child on its worker, and the next round-robin turn. */
  void take(Choice choice) {
    load[choice.worker()]++;
    if (choice.roundRobinTurn()) {
      roundRobin++;
    }
  }

  private Integer pinnedIndex(Target target) {
    if (byDid == null) {
      byDid = new HashMap<>();
      byAlias = new HashMap<>();
      for (int w = 0; w < live.size(); w++) {
        byDid.put(live.get(w).did(), w);
        if (live.get(w).alias() != null) {
          byAlias.put(live.get(w).alias(), w);
        }
      }
    }
    return (target.kind() == Target.Kind.SPECIFIC ? byDid : byAlias).get(target.value());
  }

  private int leastLoaded() {
    int best = 0;
    for (int w = 1; w < load.length; w++) {
      if (load[w] < load[best]) {
        best = w;
      }
    }
    return best;
  }
}
