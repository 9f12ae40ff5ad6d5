package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.fanout.WorkerInfo;
import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.records.RecordService;
import dev.spl.testing.TestClock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the coordinator's registry counts a silent worker as lost, across a coordinator restart. */
class FleetRegistryLeaseTest {
  private static final String WORKER = "did:sync:instance:00000000000000a1";
  private static final long T0 = 1_700_000_000_000L;
  private static final long INTERVAL = 1_000;
  private static final long LEASE = 3_000;

  /** The heartbeat back-off cap for a 1 s interval. */
  private static final long RE_REGISTER = 30_000;

  private final TestClock clock = new TestClock(T0);

  private final RecordService records = new RecordService(new InMemoryRecordStore(clock));
  private final FleetRegistry fleet =
      FleetRegistry.restore(records, FleetThresholds.forInterval(INTERVAL), clock);

  private void beat() {
    Heartbeat heartbeat =
        new Heartbeat(
            WORKER,
            "worker-a",
            Role.WORKER,
            "http://127.0.0.1:1",
            "0.1.0",
            T0,
            (clock.millis() - T0) / 1000,
            1,
            4,
            3,
            Health.HEALTHY,
            clock.millis());
    fleet.receive(heartbeat, heartbeat.toRecord(clock.millis()));
  }

  private static List<String> dids(List<WorkerInfo> workers) {
    return workers.stream().map(WorkerInfo::did).toList();
  }

  @Test
  void aWorkerSilentPastTheLeaseIsLost() {
    beat();
    clock.advance(LEASE);
    assertThat(dids(fleet.directory("c", LEASE).live())).containsExactly(WORKER);
    clock.advance(1);
    assertThat(dids(fleet.directory("c", LEASE).lost())).containsExactly(WORKER);
  }

  @Test
  void afterARestartAWorkerHeardBeforeItGetsTheBackOffCapAndThenItsLease() {
    beat();
    // The coordinator was down for a minute: meanwhile the worker backed off its heartbeats up to
    // the cap. A new coordinator process restores the registry from the same store.
    clock.advance(60_000);
    FleetRegistry restarted =
        FleetRegistry.restore(records, FleetThresholds.forInterval(INTERVAL), clock);
    assertThat(restarted.directory("c", LEASE).lost()).isEmpty();
    clock.advance(RE_REGISTER + LEASE);
    assertThat(restarted.directory("c", LEASE).lost()).isEmpty();
    clock.advance(1);
    assertThat(dids(restarted.directory("c", LEASE).lost())).containsExactly(WORKER);
  }

  @Test
  void aWorkerHeardSinceTheStartHasTheOrdinaryLease() {
    clock.advance(100);
    beat();
    clock.advance(LEASE + 1);
    assertThat(dids(fleet.directory("c", LEASE).lost())).containsExactly(WORKER);
  }

  @Test
  void afterThePausedCoordinatorRunsAgainAWorkerGetsTheBackOffCapAndThenItsLease() {
    beat();
    // The coordinator's process was paused for a minute: the worker's beats went unanswered.
    clock.advance(60_000);
    assertThat(dids(fleet.directory("c", LEASE).lost()))
        .as("without being told, the silence counts")
        .containsExactly(WORKER);
    fleet.resumedListening();
    assertThat(fleet.directory("c", LEASE).lost()).isEmpty();
    clock.advance(RE_REGISTER + LEASE);
    assertThat(fleet.directory("c", LEASE).lost()).isEmpty();
    clock.advance(1);
    assertThat(dids(fleet.directory("c", LEASE).lost())).containsExactly(WORKER);

    // A worker that beats again has its ordinary lease from that beat.
    beat();
    clock.advance(LEASE + 1);
    assertThat(dids(fleet.directory("c", LEASE).lost())).containsExactly(WORKER);
  }
}
