package dev.spl.core.fanout;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The workers a fan-out can use, as a pure input to {@link FanoutState#decide}: the live ones and
 * the lost ones (silent past their lease). The caller builds it from the registry projection.
 *
 * @param coordinator the coordinator's URL, written into child INTENDs so workers can report back
 * @param live workers that heartbeat within their lease
 * @param lost workers that were registered but have been silent past their lease
 */
public record WorkerDirectory(String coordinator, List<WorkerInfo> live, List<WorkerInfo> lost) {
  public WorkerDirectory {
    live = List.copyOf(live.stream().sorted(Comparator.comparing(WorkerInfo::did)).toList());
    lost = List.copyOf(lost.stream().sorted(Comparator.comparing(WorkerInfo::did)).toList());
  }

  public static WorkerDirectory of(String coordinator, List<WorkerInfo> live) {
    return new WorkerDirectory(coordinator, live, List.of());
  }

  /** The live worker a pinned target names, if it is live. */
  Optional<WorkerInfo> liveFor(Target target) {
    return find(live, target);
  }

  /** Whether a pinned target names a worker the registry knows at all (live or lost). */
  boolean knows(Target target) {
    return find(live, target).isPresent() || find(lost, target).isPresent();
  }

  Map<String, WorkerInfo> lostByDid() {
    Map<String, WorkerInfo> byDid = new HashMap<>();
    lost.forEach(worker -> byDid.put(worker.did(), worker));
    return byDid;
  }

  private static Optional<WorkerInfo> find(List<WorkerInfo> workers, Target target) {
    for (WorkerInfo worker : workers) {
      boolean matches =
          switch (target.kind()) {
            case SPECIFIC -> worker.did().equals(target.value());
            case ALIAS -> target.value().equals(worker.alias());
            default -> false;
          };
      if (matches) {
        return Optional.of(worker);
      }
    }
    return Optional.empty();
  }
}
