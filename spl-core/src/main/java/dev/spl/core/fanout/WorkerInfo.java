package dev.spl.core.fanout;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the fleet registry knows about one worker, as of the last heartbeat.
 *
 * @param did the worker's instance DID
 * @param alias its alias ({@code worker-a}), or null
 * @param endpoint its base URL, where child INTENDs are delivered
 * @param active dispatches it reported running
 * @param freeSlots slots it reported free (it queues beyond its slots)
 * @param executor how it runs children; null when it does not say
 * @param version the spl version it reported, or null
 * @param labels its labels ({@code --label k=v}), sorted by key; empty when it has none
 */
public record WorkerInfo(
    String did,
    String alias,
    String endpoint,
    int active,
    int freeSlots,
    ExecutorKind executor,
    String version,
    SortedMap<String, String> labels) {
  public WorkerInfo {
    Objects.requireNonNull(did, "did");
    labels =
        labels == null || labels.isEmpty()
            ? java.util.Collections.emptySortedMap()
            : java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
  }

  /** A worker whose executor, version and labels are not known. */
  public WorkerInfo(String did, String alias, String endpoint, int active, int freeSlots) {
    this(did, alias, endpoint, active, freeSlots, null, null, null);
  }

  /** Whether the worker is known to run the echo executor, which never runs a child's command. */
  public boolean echoes() {
    return executor == ExecutorKind.ECHO;
  }
}
