package dev.spl.core.fanout;

import java.util.Objects;

/**
 * What the fleet registry knows about one worker, as of the last heartbeat.
 *
 * @param did the worker's instance DID
 * @param alias its alias ({@code worker-a}), or null
 * @param endpoint its base URL, where child INTENDs are delivered
 * @param active dispatches it reported running
 * @param freeSlots slots it reported free (it queues beyond its slots)
 */
public record WorkerInfo(String did, String alias, String endpoint, int active, int freeSlots) {
  public WorkerInfo {
    Objects.requireNonNull(did, "did");
  }
}
