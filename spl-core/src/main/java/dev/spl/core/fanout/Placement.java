package dev.spl.core.fanout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the children spawned in one decide pass go: resolves each child's {@link Target} against
 * the live workers of a {@link WorkerDirectory}. A pinned target (a DID or an alias) goes to its
 * worker when that worker is live; least-loaded goes to the live worker with the fewest active
 * children, counting the spawns already placed in the pass; round-robin continues from the
 * fan-out's recorded round-robin spawns. A routing condition ({@link RoutePredicate}: a {@code
 * cel:} target and the fleet's routing rules) narrows any of them to the live workers it holds for:
 * a CEL target goes to the least loaded of those, ties to the lowest DID.
 *
 * <p>Choosing does not commit: {@link #take} counts a choice once the spawn is decided, so a spawn
 * the permission check holds takes no load and no round-robin turn.
 */
final class Placement {
  private final List<WorkerInfo> live;
  private final int[] load;
  // Routes whose answer cannot change within the pass (they do not read the free slots): their
  // answer per live worker, so each is evaluated once per worker per pass.
  private final Map<RoutePredicate, boolean[]> fixedMatches = new HashMap<>();
  private long roundRobin;
  private Map<String, Integer> byDid;
  private Map<String, Integer> byAlias;
  // Workers closed to unrouted round-robin and least-loaded choices for the rest of the pass.
  private boolean[] closed;

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
    return choose(target, mayLeavePinnedWorker, null, null);
  }

  /**
   * As {@link #choose(Target, boolean)}, among the live workers for which {@code route} holds
   * (every one when null) other than {@code avoidDid} (none when null): a hedge never goes to the
   * worker the child already runs on. A pinned worker the route does not hold for waits.
   */
  Choice choose(
      Target target, boolean mayLeavePinnedWorker, RoutePredicate route, String avoidDid) {
    return switch (target.kind()) {
      case SPECIFIC, ALIAS -> {
        Integer pinned = pinnedIndex(target);
        if (pinned != null) {
          yield eligible(pinned, route, avoidDid) ? new Choice(pinned, false) : Choice.NONE;
        }
        yield mayLeavePinnedWorker ? leastLoaded(route, avoidDid, false) : Choice.NONE;
      }
      case LEAST_LOADED, CEL -> leastLoaded(route, avoidDid, false);
      case ROUND_ROBIN -> roundRobin(route, avoidDid, false);
    };
  }

  /**
   * The worker for an unrouted round-robin or least-loaded {@code target}, among the live workers
   * not {@link #close closed}; {@link Choice#NONE} once every one is.
   */
  Choice chooseOpen(Target target) {
    return target.kind() == Target.Kind.ROUND_ROBIN
        ? roundRobin(null, null, true)
        : leastLoaded(null, null, true);
  }

  /**
   * Closes worker {@code w} (a live index, as in a {@link Choice}) to {@link #chooseOpen} for the
   * rest of the pass: it has no room for the fan-out's children that share the cap.
   */
  void close(int w) {
    if (closed == null) {
      closed = new boolean[live.size()];
    }
    closed[w] = true;
  }

  /** The live workers of the pass, in the directory's order; a {@link Choice} indexes them. */
  List<WorkerInfo> live() {
    return live;
  }

  /** Whether any live worker satisfies {@code route} now (null: any worker). */
  boolean anyMatches(RoutePredicate route) {
    for (int w = 0; w < live.size(); w++) {
      if (eligible(w, route, null)) {
        return true;
      }
    }
    return false;
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

  private boolean open(int w) {
    return closed == null || !closed[w];
  }

  private boolean eligible(int w, RoutePredicate route, String avoidDid) {
    if (avoidDid != null && avoidDid.equals(live.get(w).did())) {
      return false;
    }
    if (route == null) {
      return true;
    }
    if (route.readsFreeSlots()) {
      return route.matches(live.get(w), freeSlots(w));
    }
    boolean[] matches =
        fixedMatches.computeIfAbsent(
            route,
            r -> {
              boolean[] answers = new boolean[live.size()];
              for (int v = 0; v < answers.length; v++) {
                answers[v] = r.matches(live.get(v), freeSlots(v));
              }
              return answers;
            });
    return matches[w];
  }

  /** The worker's free slots as it reported them, less the children placed on it in this pass. */
  private int freeSlots(int w) {
    int placed = load[w] - live.get(w).active();
    return Math.max(0, live.get(w).freeSlots() - placed);
  }

  private Choice leastLoaded(RoutePredicate route, String avoidDid, boolean onlyOpen) {
    int best = -1;
    for (int w = 0; w < load.length; w++) {
      if ((best < 0 || load[w] < load[best])
          && (!onlyOpen || open(w))
          && eligible(w, route, avoidDid)) {
        best = w;
      }
    }
    return best < 0 ? Choice.NONE : new Choice(best, false);
  }

  private Choice roundRobin(RoutePredicate route, String avoidDid, boolean onlyOpen) {
    int n = live.size();
    int start = (int) Math.floorMod(roundRobin, (long) n);
    for (int k = 0; k < n; k++) {
      int w = (start + k) % n;
      if ((!onlyOpen || open(w)) && eligible(w, route, avoidDid)) {
        return new Choice(w, true);
      }
    }
    return Choice.NONE;
  }
}
