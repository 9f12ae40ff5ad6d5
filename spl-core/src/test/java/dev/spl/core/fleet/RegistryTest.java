package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryTest {
  private static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  private static final String WORKER_A = "did:sync:instance:000000000000000a";
  private static final String WORKER_B = "did:sync:instance:000000000000000b";
  private static final long T0 = 1_700_000_000_000L;

  private final FleetThresholds thresholds = FleetThresholds.DEFAULT;
  private Registry registry;
  private final List<StoredRecord> log = new ArrayList<>();
  private long clock;

  @BeforeEach
  void setUp() {
    registry = new Registry(thresholds);
  }

  private static Heartbeat beat(
      String did, String alias, long startedAt, long sentAt, int active, int free, Health health) {
    return new Heartbeat(
        did,
        alias,
        Role.WORKER,
        "http://127.0.0.1:9201",
        "0.1.0",
        startedAt,
        (sentAt - startedAt) / 1000,
        active,
        4,
        free,
        health,
        sentAt);
  }

  private static Heartbeat beat(String did, long startedAt, long sentAt) {
    return beat(did, "worker-a", startedAt, sentAt, 0, 4, Health.HEALTHY);
  }

  /** What the daemon does: receive, append when told, and feed appended records back. */
  private Heartbeat.AppendDecision deliver(Heartbeat heartbeat, long now) {
    Heartbeat.AppendDecision decision = registry.receive(heartbeat, now);
    if (decision.appends()) {
      append(heartbeat.toRecord(++clock), now);
    }
    return decision;
  }

  private List<InstanceTransition> tick(long now) {
    List<InstanceTransition> transitions = registry.transitions(now);
    for (InstanceTransition transition : transitions) {
      append(transition.toRecord(COORDINATOR, ++clock), now);
    }
    return transitions;
  }

  private void append(Record record, long now) {
    StoredRecord stored = new StoredRecord(record.id(), record, log.size() + 1, now);
    log.add(stored);
    registry.apply(stored);
  }

  private InstanceStatus statusOf(String did, long now) {
    return registry.find(did, now).orElseThrow().status();
  }

  @Test
  void aBeatKeptFromTheFutureGivesWayToTheNextRealBeatAlsoAfterARestore() {
    long aYear = 365L * 24 * 3600 * 1000;
    // Kept from before beats were bounded by the coordinator's clock (the intake refuses them now).
    registry.receive(beat(WORKER_A, T0, T0 + aYear), T0);
    Registry restored = Registry.restore(thresholds, log, registry.latestHeartbeats());

    assertThat(restored.receive(beat(WORKER_A, T0, T0 + 1000), T0 + 1000))
        .isNotEqualTo(Heartbeat.AppendDecision.IGNORED_OUT_OF_ORDER);
    assertThat(restored.find(WORKER_A, T0 + 1000).orElseThrow().status())
        .isEqualTo(InstanceStatus.LIVE);
    // Within the skew the usual order holds: an older beat of the same boot is a late delivery.
    assertThat(restored.receive(beat(WORKER_A, T0, T0 + 500), T0 + 1000))
        .isEqualTo(Heartbeat.AppendDecision.IGNORED_OUT_OF_ORDER);
  }

  @Test
  void statusFollowsTheAgeOfTheLastHeartbeat() {
    deliver(beat(WORKER_A, T0, T0), T0);
    long live = thresholds.liveForMillis();
    long archive = thresholds.archiveAfterMillis();

    assertThat(statusOf(WORKER_A, T0)).isEqualTo(InstanceStatus.LIVE);
    assertThat(statusOf(WORKER_A, T0 + live)).isEqualTo(InstanceStatus.LIVE);
    assertThat(statusOf(WORKER_A, T0 + live + 1)).isEqualTo(InstanceStatus.STALE);
    assertThat(statusOf(WORKER_A, T0 + archive)).isEqualTo(InstanceStatus.STALE);
    assertThat(statusOf(WORKER_A, T0 + archive + 1)).isEqualTo(InstanceStatus.ARCHIVED);
  }

  private List<String> lostAt(long now, long lease, long watchingSince) {
    return registry.directory("http://c", now, lease, watchingSince).lost().stream()
        .map(dev.spl.core.fanout.WorkerInfo::did)
        .toList();
  }

  private List<String> liveAt(long now, long lease, long watchingSince) {
    return registry.directory("http://c", now, lease, watchingSince).live().stream()
        .map(dev.spl.core.fanout.WorkerInfo::did)
        .toList();
  }

  @Test
  void aWorkerSilentPastTheLeaseIsLostAndOneHeardWithinItIsLive() {
    long lease = thresholds.liveForMillis();
    deliver(beat(WORKER_A, T0, T0), T0);
    deliver(beat(WORKER_B, T0, T0 + 2_000), T0 + 2_000);

    assertThat(liveAt(T0 + lease, lease, T0)).containsExactly(WORKER_A, WORKER_B);
    assertThat(lostAt(T0 + lease + 1, lease, T0)).containsExactly(WORKER_A);
    assertThat(liveAt(T0 + lease + 1, lease, T0)).containsExactly(WORKER_B);
    assertThat(registry.directory("http://c", T0, lease, T0).coordinator()).isEqualTo("http://c");
  }

  @Test
  void aStoppedWorkerIsLostAtOnceAndADrainingOneIsNeitherLiveNorLost() {
    long lease = thresholds.liveForMillis();
    deliver(beat(WORKER_A, "worker-a", T0, T0, 0, 4, Health.STOPPED), T0);
    deliver(beat(WORKER_B, "worker-b", T0, T0, 0, 4, Health.DRAINING), T0);

    assertThat(lostAt(T0, lease, T0)).containsExactly(WORKER_A);
    assertThat(liveAt(T0, lease, T0)).isEmpty();
  }

  @Test
  void silenceCountsOnlyWhileTheCoordinatorWasWatching() {
    long lease = 3_000;
    long reRegister = Backoff.forHeartbeats(thresholds.heartbeatIntervalMillis()).maxDelayMillis();
    deliver(beat(WORKER_A, T0, T0), T0);
    // The coordinator was down for a minute and began watching again at T0 + 60 s.
    long watchingSince = T0 + 60_000;
    assertThat(lostAt(watchingSince, lease, watchingSince)).isEmpty();
    assertThat(lostAt(watchingSince + reRegister + lease, lease, watchingSince)).isEmpty();
    assertThat(lostAt(watchingSince + reRegister + lease + 1, lease, watchingSince))
        .containsExactly(WORKER_A);

    // A worker heard since the coordinator began watching has the ordinary lease.
    deliver(beat(WORKER_B, T0, watchingSince + 100), watchingSince + 100);
    assertThat(lostAt(watchingSince + 100 + lease + 1, lease, watchingSince))
        .containsExactly(WORKER_B);
  }

  @Test
  void theCoordinatorIsNotAWorker() {
    Heartbeat own =
        new Heartbeat(
            COORDINATOR,
            "",
            Role.COORDINATOR,
            "http://c",
            "0.1.0",
            T0,
            0,
            0,
            0,
            0,
            Health.HEALTHY,
            T0);
    registry.receive(own, T0);
    assertThat(liveAt(T0, 3_000, T0)).isEmpty();
    assertThat(lostAt(T0 + 100_000, 3_000, T0)).isEmpty();
  }

  @Test
  void defaultThresholdsAreThreeIntervalsAndOneMinute() {
    assertThat(thresholds.heartbeatIntervalMillis()).isEqualTo(5_000);
    assertThat(thresholds.liveForMillis()).isEqualTo(15_000);
    assertThat(thresholds.archiveAfterMillis()).isEqualTo(60_000);
    assertThat(FleetThresholds.forInterval(10_000).archiveAfterMillis()).isEqualTo(120_000);
  }

  @Test
  void restartWithTheSameDidBringsAnArchivedInstanceBackLive() {
    deliver(beat(WORKER_A, T0, T0), T0);
    long later = T0 + thresholds.archiveAfterMillis() + 10_000;
    assertThat(statusOf(WORKER_A, later)).isEqualTo(InstanceStatus.ARCHIVED);

    Heartbeat.AppendDecision decision = deliver(beat(WORKER_A, later, later), later);

    assertThat(decision).isEqualTo(Heartbeat.AppendDecision.RESTART);
    assertThat(statusOf(WORKER_A, later)).isEqualTo(InstanceStatus.LIVE);
    assertThat(registry.list(later)).hasSize(1);
  }

  @Test
  void cleanStopIsArchivedAtOnce() {
    deliver(beat(WORKER_A, T0, T0), T0);
    Heartbeat.AppendDecision decision =
        deliver(beat(WORKER_A, "worker-a", T0, T0 + 1000, 0, 4, Health.STOPPED), T0 + 1000);

    assertThat(decision).isEqualTo(Heartbeat.AppendDecision.HEALTH_CHANGED);
    assertThat(statusOf(WORKER_A, T0 + 1000)).isEqualTo(InstanceStatus.ARCHIVED);
    assertThat(tick(T0 + 1000))
        .extracting(InstanceTransition::from, InstanceTransition::to)
        .containsExactly(tuple(InstanceStatus.LIVE, InstanceStatus.ARCHIVED));
  }

  @Test
  void onlyBeatsThatChangeMoreThanLoadAndUptimeAreAppended() {
    assertThat(deliver(beat(WORKER_A, T0, T0), T0))
        .isEqualTo(Heartbeat.AppendDecision.FIRST_REGISTRATION);
    for (int i = 1; i <= 100; i++) {
      long now = T0 + i * 5_000L;
      assertThat(
              deliver(beat(WORKER_A, "worker-a", T0, now, i % 3, 4 - i % 3, Health.HEALTHY), now))
          .isEqualTo(Heartbeat.AppendDecision.KEEP_LATEST_ONLY);
    }
    assertThat(log).hasSize(1);
    assertThat(registry.find(WORKER_A, T0 + 500_000).orElseThrow().active()).isEqualTo(1);

    long now = T0 + 501_000;
    assertThat(deliver(beat(WORKER_A, "worker-a", T0, now, 0, 4, Health.DRAINING), now))
        .isEqualTo(Heartbeat.AppendDecision.HEALTH_CHANGED);
    assertThat(log).hasSize(2);
  }

  @Test
  void decideAppendNamesWhatChanged() {
    Heartbeat base = beat(WORKER_A, T0, T0);
    Heartbeat moved =
        new Heartbeat(
            WORKER_A,
            "worker-a",
            Role.WORKER,
            "http://127.0.0.1:9300",
            "0.1.0",
            T0,
            5,
            0,
            4,
            4,
            Health.HEALTHY,
            T0 + 5000);
    Heartbeat upgraded =
        new Heartbeat(
            WORKER_A,
            "worker-a",
            Role.WORKER,
            "http://127.0.0.1:9201",
            "0.2.0",
            T0,
            5,
            0,
            4,
            4,
            Health.HEALTHY,
            T0 + 5000);
    Heartbeat renamed = beat(WORKER_A, "worker-z", T0, T0 + 5000, 0, 4, Health.HEALTHY);

    assertThat(Heartbeat.decideAppend(null, base))
        .isEqualTo(Heartbeat.AppendDecision.FIRST_REGISTRATION);
    assertThat(Heartbeat.decideAppend(base, moved))
        .isEqualTo(Heartbeat.AppendDecision.ENDPOINT_CHANGED);
    assertThat(Heartbeat.decideAppend(base, upgraded))
        .isEqualTo(Heartbeat.AppendDecision.VERSION_CHANGED);
    assertThat(Heartbeat.decideAppend(base, renamed))
        .isEqualTo(Heartbeat.AppendDecision.ALIAS_CHANGED);
    assertThat(Heartbeat.decideAppend(base, beat(WORKER_A, T0 + 9, T0 + 9)))
        .isEqualTo(Heartbeat.AppendDecision.RESTART);
  }

  @Test
  void lateBeatDoesNotReplaceANewerOne() {
    deliver(beat(WORKER_A, T0, T0 + 10_000), T0 + 10_000);
    assertThat(registry.receive(beat(WORKER_A, T0, T0 + 5_000), T0 + 11_000))
        .isEqualTo(Heartbeat.AppendDecision.IGNORED_OUT_OF_ORDER);
    assertThat(registry.find(WORKER_A, T0 + 11_000).orElseThrow().lastHeartbeatAt())
        .isEqualTo(T0 + 10_000);
  }

  @Test
  void eachTransitionIsEmittedOnce() {
    deliver(beat(WORKER_A, T0, T0), T0);
    assertThat(tick(T0 + 1_000)).isEmpty();

    long stale = T0 + thresholds.liveForMillis() + 1;
    assertThat(tick(stale))
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.from()).isEqualTo(InstanceStatus.LIVE);
              assertThat(t.to()).isEqualTo(InstanceStatus.STALE);
              assertThat(t.at()).isEqualTo(stale);
            });
    assertThat(tick(stale + 1_000)).isEmpty();

    long archived = T0 + thresholds.archiveAfterMillis() + 1;
    assertThat(tick(archived))
        .extracting(InstanceTransition::to)
        .containsExactly(InstanceStatus.ARCHIVED);
    assertThat(tick(archived + 60_000)).isEmpty();

    long back = archived + 120_000;
    deliver(beat(WORKER_A, back, back), back);
    assertThat(tick(back))
        .extracting(InstanceTransition::from, InstanceTransition::to)
        .containsExactly(tuple(InstanceStatus.ARCHIVED, InstanceStatus.LIVE));
    assertThat(tick(back + 1)).isEmpty();
  }

  @Test
  void transitionsAreOfferedAgainUntilTheirRecordIsApplied() {
    deliver(beat(WORKER_A, T0, T0), T0);
    long stale = T0 + thresholds.liveForMillis() + 1;
    assertThat(registry.transitions(stale)).hasSize(1);
    assertThat(registry.transitions(stale)).hasSize(1);
  }

  @Test
  void restoreFromAppendedRecordsAndStoredLatestHeartbeats() {
    deliver(beat(WORKER_A, T0, T0), T0);
    deliver(beat(WORKER_B, "worker-b", T0, T0, 0, 4, Health.HEALTHY), T0);
    long stale = T0 + thresholds.liveForMillis() + 1;
    // worker-a keeps beating (not appended); worker-b goes quiet and turns stale.
    deliver(beat(WORKER_A, T0, stale), stale);
    assertThat(tick(stale)).extracting(InstanceTransition::did).containsExactly(WORKER_B);
    List<LatestHeartbeat> metadata =
        registry.latestHeartbeats().stream()
            .map(b -> LatestHeartbeat.fromJson(b.toJson()))
            .toList();

    Registry restored = Registry.restore(thresholds, log, metadata);

    assertThat(restored.list(stale)).isEqualTo(registry.list(stale));
    assertThat(restored.find(WORKER_A, stale).orElseThrow().lastHeartbeatAt()).isEqualTo(stale);
    assertThat(restored.transitions(stale)).isEmpty();
    long later = T0 + thresholds.archiveAfterMillis() + 1;
    assertThat(restored.transitions(later))
        .extracting(InstanceTransition::did, InstanceTransition::to)
        .containsExactly(
            tuple(WORKER_A, InstanceStatus.STALE), tuple(WORKER_B, InstanceStatus.ARCHIVED));
  }

  @Test
  void restoreWithoutMetadataUsesTheAppendedHeartbeats() {
    deliver(beat(WORKER_A, T0, T0), T0);
    Registry restored = Registry.restore(thresholds, log, List.of());
    assertThat(restored.find("worker-a", T0).orElseThrow().did()).isEqualTo(WORKER_A);
  }

  @Test
  void lookupByAliasPrefersTheLiveInstance() {
    deliver(beat(WORKER_A, "worker-a", T0, T0, 0, 4, Health.HEALTHY), T0);
    long later = T0 + thresholds.archiveAfterMillis() + 1;
    deliver(beat(WORKER_B, "worker-a", later, later, 0, 4, Health.HEALTHY), later);

    assertThat(registry.find("worker-a", later).orElseThrow().did()).isEqualTo(WORKER_B);
    assertThat(registry.find(WORKER_A, later).orElseThrow().status())
        .isEqualTo(InstanceStatus.ARCHIVED);
    assertThat(registry.find("worker-q", later)).isEmpty();
  }

  @Test
  void listCountsAndUptime() {
    deliver(beat(WORKER_A, T0 - 42_000, T0), T0);
    deliver(
        beat(WORKER_B, "worker-b", T0 - 100_000, T0 - 100_000, 0, 4, Health.HEALTHY), T0 - 100_000);
    List<InstanceView> list = registry.list(T0 + 3_000);

    assertThat(list).extracting(InstanceView::did).containsExactly(WORKER_A, WORKER_B);
    assertThat(list.get(0).uptimeSecs()).isEqualTo(45);
    assertThat(list.get(0).uptimeText()).isEqualTo("45s");
    assertThat(list.get(0).lastHeartbeatAgeMillis()).isEqualTo(3_000);
    assertThat(registry.counts(T0 + 3_000).summary()).isEqualTo("1 live · 0 stale · 1 archived");
    assertThat(InstanceView.formatDuration(3 * 3600 + 7 * 60)).isEqualTo("3h07m");
  }

  @Test
  void leastLoadedWorkerSkipsStaleDrainingAndFullWorkers() {
    String workerC = "did:sync:instance:000000000000000c";
    String workerD = "did:sync:instance:000000000000000d";
    deliver(beat(WORKER_A, "worker-a", T0, T0, 2, 2, Health.HEALTHY), T0);
    deliver(beat(WORKER_B, "worker-b", T0, T0, 1, 3, Health.HEALTHY), T0);
    deliver(beat(workerC, "worker-c", T0, T0, 0, 4, Health.DRAINING), T0);
    deliver(beat(workerD, "worker-d", T0, T0, 4, 0, Health.HEALTHY), T0);

    assertThat(registry.leastLoadedWorker(T0).orElseThrow().did()).isEqualTo(WORKER_B);

    long later = T0 + thresholds.liveForMillis() + 1;
    deliver(beat(WORKER_A, "worker-a", T0, later, 3, 1, Health.HEALTHY), later);
    assertThat(registry.leastLoadedWorker(later).orElseThrow().did()).isEqualTo(WORKER_A);
    assertThat(registry.availableWorkers(later))
        .extracting(InstanceView::did)
        .containsExactly(WORKER_A);
  }

  @Test
  void heartbeatBodyRoundTripsAndBadFieldsAreNamed() {
    Heartbeat heartbeat = beat(WORKER_A, "worker-a", T0, T0 + 5000, 1, 3, Health.DRAINING);
    assertThat(Heartbeat.fromBody(heartbeat.toBody())).isEqualTo(heartbeat);

    var body = heartbeat.toBody();
    body.put("health", "sleepy");
    assertThatThrownBy(() -> Heartbeat.fromBody(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("body.health")
        .hasMessageContaining("sleepy");
    var negative = heartbeat.toBody();
    negative.put("free_slots", -1);
    assertThatThrownBy(() -> Heartbeat.fromBody(negative)).hasMessageContaining("body.free_slots");
    var tooFree = heartbeat.toBody();
    tooFree.put("free_slots", 9);
    assertThatThrownBy(() -> Heartbeat.fromBody(tooFree))
        .hasMessageContaining("expected at most slots (4)");
  }

  @Test
  void statusChangesFollowTheLifecycleTable() {
    assertThat(InstanceStatus.LIVE.canChangeTo(InstanceStatus.STALE)).isTrue();
    assertThat(InstanceStatus.ARCHIVED.canChangeTo(InstanceStatus.STALE)).isFalse();
    assertThat(InstanceStatus.ARCHIVED.canChangeTo(InstanceStatus.LIVE)).isTrue();
    assertThat(InstanceStatus.LIVE.canChangeTo(InstanceStatus.LIVE)).isFalse();
  }
}
