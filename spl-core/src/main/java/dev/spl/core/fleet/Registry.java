package dev.spl.core.fleet;

import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fanout.WorkerInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The coordinator's view of the fleet: a fold of the registry thread's records plus the latest
 * heartbeat of each instance. Status is derived from the age of the last heartbeat at the moment
 * asked ({@code nowMillis}), so no clock is read here.
 *
 * <p>Heartbeats arrive through {@link #receive}, which says whether the beat must be appended. The
 * records that were appended come back through {@link #apply}, both live and on replay, so the
 * status last written to the log (the "recorded" status) only ever changes by records, and {@link
 * #transitions} reports each change of status once: once its record is applied it is no longer a
 * change.
 *
 * <p>Not thread-safe: one owner (the reconciler) calls it.
 */
public final class Registry {
  private static final Comparator<InstanceView> PREFERRED_FOR_ALIAS =
      Comparator.comparing(InstanceView::status)
          .thenComparing(InstanceView::lastHeartbeatAt, Comparator.reverseOrder());

  private final FleetThresholds thresholds;
  private final Map<String, LatestHeartbeat> latest = new TreeMap<>();
  private final Map<String, InstanceStatus> recorded = new TreeMap<>();

  /** Why an instance's reported endpoint could not be reached, for that endpoint only. */
  private record Unreachable(String endpoint, String reason) {}

  private final Map<String, Unreachable> unreachable = new TreeMap<>();

  public Registry(FleetThresholds thresholds) {
    this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
  }

  public FleetThresholds thresholds() {
    return thresholds;
  }

  /**
   * Rebuilds the registry after a restart from the registry thread's records (in log order) and the
   * latest heartbeats kept outside the log; whichever heartbeat of an instance is newer wins.
   */
  public static Registry restore(
      FleetThresholds thresholds,
      Iterable<StoredRecord> registryRecords,
      Iterable<LatestHeartbeat> storedLatest) {
    Registry registry = new Registry(thresholds);
    for (StoredRecord stored : registryRecords) {
      registry.apply(stored);
    }
    for (LatestHeartbeat beat : storedLatest) {
      registry.keepIfNewer(beat);
    }
    return registry;
  }

  /**
   * Takes a heartbeat received at {@code nowMillis} as the instance's latest and says whether it
   * must also be appended to the log. A beat older than the latest one (a late delivery) changes
   * nothing, unless the latest one claims a time ahead of {@code nowMillis} (beyond {@link
   * Heartbeat#MAX_CLOCK_SKEW_MILLIS}): such a beat is no longer received, and one kept from before
   * gives way to the next real beat.
   */
  public Heartbeat.AppendDecision receive(Heartbeat heartbeat, long nowMillis) {
    LatestHeartbeat previous = latest.get(heartbeat.did());
    if (previous != null
        && !previous.isOlderThan(heartbeat)
        && !previous.isAheadOf(nowMillis + Heartbeat.MAX_CLOCK_SKEW_MILLIS)) {
      return Heartbeat.AppendDecision.IGNORED_OUT_OF_ORDER;
    }
    latest.put(heartbeat.did(), new LatestHeartbeat(heartbeat, nowMillis));
    if (!recorded.containsKey(heartbeat.did())) {
      // Nothing about this instance is in the log yet (or its first append was lost).
      return Heartbeat.AppendDecision.FIRST_REGISTRATION;
    }
    return Heartbeat.decideAppend(previous == null ? null : previous.heartbeat(), heartbeat);
  }

  /** Folds one record of the registry thread; records of other threads and topics are ignored. */
  public void apply(StoredRecord stored) {
    Record record = stored.record();
    if (!ThreadIds.INSTANCE_REGISTRY.equals(record.thread())) {
      return;
    }
    String topic = record.topic();
    if (record.act() == Act.DO && Heartbeat.TOPIC.equals(topic)) {
      Heartbeat heartbeat = Heartbeat.fromBody(record.body());
      keepIfNewer(new LatestHeartbeat(heartbeat, stored.receivedAtMillis()));
      // The first appended beat registers the instance with the status it had when received.
      recorded.putIfAbsent(heartbeat.did(), thresholds.statusOf(0, heartbeat.health()));
    } else if (record.act() == Act.LEARN && InstanceTransition.TOPIC.equals(topic)) {
      InstanceTransition transition = InstanceTransition.fromBody(record.body());
      recorded.put(transition.did(), transition.to());
    }
  }

  private void keepIfNewer(LatestHeartbeat beat) {
    LatestHeartbeat current = latest.get(beat.heartbeat().did());
    if (current == null || current.isOlderThan(beat.heartbeat())) {
      latest.put(beat.heartbeat().did(), beat);
    }
  }

  /**
   * The status changes to append as {@code instance_transition} records at {@code nowMillis}: one
   * per registered instance whose status now differs from the one last recorded. Until their
   * records are applied the same transitions are returned again, so a failed append is retried on
   * the next tick rather than lost.
   */
  public List<InstanceTransition> transitions(long nowMillis) {
    List<InstanceTransition> changes = new ArrayList<>();
    for (var entry : recorded.entrySet()) {
      LatestHeartbeat beat = latest.get(entry.getKey());
      if (beat == null) {
        continue;
      }
      InstanceStatus was = entry.getValue();
      InstanceStatus now = statusOf(beat, nowMillis);
      // Archived -> stale is skipped: the instance came back and went quiet between two ticks;
      // it stays archived in the log until it is seen live again.
      if (now != was && was.canChangeTo(now)) {
        Heartbeat heartbeat = beat.heartbeat();
        changes.add(
            new InstanceTransition(
                heartbeat.did(), heartbeat.alias(), was, now, heartbeat.health(), nowMillis));
      }
    }
    return changes;
  }

  /** The latest heartbeat of every instance: what the coordinator keeps in store metadata. */
  public List<LatestHeartbeat> latestHeartbeats() {
    return List.copyOf(latest.values());
  }

  private InstanceStatus statusOf(LatestHeartbeat beat, long nowMillis) {
    return thresholds.statusOf(ageOf(beat, nowMillis), beat.heartbeat().health());
  }

  private static long ageOf(LatestHeartbeat beat, long nowMillis) {
    return Math.max(0, nowMillis - beat.receivedAtMillis());
  }

  /**
   * Notes what the coordinator found when it called the endpoint {@code endpoint} of {@code did}:
   * {@code reason} why it could not reach it, or null when it could. A worker whose endpoint cannot
   * be reached gets no new children (deliveries to it would never arrive) and shows as unreachable
   * rather than live; a heartbeat that reports another endpoint clears the note.
   */
  public void noteReachability(String did, String endpoint, String reason) {
    if (reason == null) {
      unreachable.remove(did);
    } else {
      unreachable.put(did, new Unreachable(endpoint, reason));
    }
  }

  private String unreachableReason(Heartbeat heartbeat) {
    Unreachable noted = unreachable.get(heartbeat.did());
    return noted != null && noted.endpoint().equals(heartbeat.endpoint()) ? noted.reason() : null;
  }

  private InstanceView viewOf(LatestHeartbeat beat, long nowMillis) {
    Heartbeat heartbeat = beat.heartbeat();
    long age = ageOf(beat, nowMillis);
    InstanceStatus status = statusOf(beat, nowMillis);
    long uptime = heartbeat.uptimeSecs() + (status == InstanceStatus.LIVE ? age / 1000 : 0);
    return new InstanceView(
        heartbeat.did(),
        heartbeat.alias(),
        heartbeat.role(),
        heartbeat.endpoint(),
        heartbeat.version(),
        status,
        heartbeat.health(),
        heartbeat.startedAt(),
        uptime,
        heartbeat.active(),
        heartbeat.slots(),
        heartbeat.freeSlots(),
        beat.receivedAtMillis(),
        age,
        heartbeat.executor(),
        heartbeat.labels(),
        unreachableReason(heartbeat));
  }

  /** Every known instance, ordered by DID (the rows of {@code spl fleet list}). */
  public List<InstanceView> list(long nowMillis) {
    List<InstanceView> views = new ArrayList<>(latest.size());
    for (LatestHeartbeat beat : latest.values()) {
      views.add(viewOf(beat, nowMillis));
    }
    return views;
  }

  public FleetCounts counts(long nowMillis) {
    return FleetCounts.of(list(nowMillis));
  }

  /**
   * The instance named by a DID or an alias. An alias can outlive an instance (a worker home
   * recreated under the same name gets a new DID), so the live one, then the most recently heard
   * one, is chosen.
   */
  public Optional<InstanceView> find(String didOrAlias, long nowMillis) {
    LatestHeartbeat byDid = latest.get(didOrAlias);
    if (byDid != null) {
      return Optional.of(viewOf(byDid, nowMillis));
    }
    return list(nowMillis).stream()
        .filter(view -> view.alias().equals(didOrAlias))
        .min(PREFERRED_FOR_ALIAS);
  }

  /**
   * The workers a fan-out may use at {@code nowMillis}: live ones (live, healthy, heard from within
   * the lease) and lost ones (silent past the lease, or stopped); the others (draining, unhealthy,
   * stale within the lease) are neither, so their children neither spawn there nor move away.
   *
   * <p>Silence counts only while the coordinator was up to hear it ({@code watchingSinceMillis}:
   * when it began taking heartbeats). A worker last heard before then was backing off its
   * heartbeats while the coordinator was down, so it gets the cap of its back-off ({@link
   * Backoff#forHeartbeats} for the heartbeat interval) to beat again, then a full lease, before it
   * counts as lost and its children move elsewhere.
   *
   * @param coordinatorUrl written into the directory, for the child INTENDs
   */
  public WorkerDirectory directory(
      String coordinatorUrl, long nowMillis, long leaseMillis, long watchingSinceMillis) {
    long reRegisterMillis =
        Backoff.forHeartbeats(thresholds.heartbeatIntervalMillis()).maxDelayMillis();
    List<WorkerInfo> live = new ArrayList<>();
    List<WorkerInfo> lost = new ArrayList<>();
    for (InstanceView view : list(nowMillis)) {
      if (view.role() != Role.WORKER) {
        continue;
      }
      WorkerInfo info =
          new WorkerInfo(
              view.did(),
              view.alias().isEmpty() ? null : view.alias(),
              view.endpoint(),
              view.active(),
              view.freeSlots(),
              view.executor(),
              view.version(),
              view.labels());
      long silentMillis =
          view.lastHeartbeatAt() < watchingSinceMillis
              ? nowMillis - watchingSinceMillis - reRegisterMillis
              : view.lastHeartbeatAgeMillis();
      if (view.health() == Health.STOPPED || silentMillis > leaseMillis) {
        lost.add(info);
      } else if (view.status() == InstanceStatus.LIVE
          && view.health() == Health.HEALTHY
          && view.unreachable() == null) {
        live.add(info);
      }
    }
    return new WorkerDirectory(coordinatorUrl, live, lost);
  }

  /**
   * Whether an instance other than {@code did} is live at {@code endpoint} at {@code nowMillis}:
   * then {@code did} left an address someone else now answers at, and what is queued for that
   * address is no longer {@code did}'s to take along.
   */
  public boolean liveAtForAnother(String endpoint, String did, long nowMillis) {
    for (InstanceView view : list(nowMillis)) {
      if (!view.did().equals(did)
          && view.endpoint().equals(endpoint)
          && view.status() == InstanceStatus.LIVE) {
        return true;
      }
    }
    return false;
  }

  /** Live healthy workers with a free slot: where new work may be sent. */
  public List<InstanceView> availableWorkers(long nowMillis) {
    return list(nowMillis).stream()
        .filter(view -> view.role() == Role.WORKER)
        .filter(view -> view.status() == InstanceStatus.LIVE)
        .filter(view -> view.health() == Health.HEALTHY)
        .filter(view -> view.unreachable() == null)
        .filter(view -> view.freeSlots() > 0)
        .toList();
  }

  /**
   * The target of {@code least-loaded-worker}: the available worker with the fewest active
   * dispatches, then the most free slots, then the smallest DID so the choice is reproducible.
   */
  public Optional<InstanceView> leastLoadedWorker(long nowMillis) {
    return availableWorkers(nowMillis).stream()
        .min(
            Comparator.comparingInt(InstanceView::active)
                .thenComparing(InstanceView::freeSlots, Comparator.reverseOrder())
                .thenComparing(InstanceView::did));
  }
}
