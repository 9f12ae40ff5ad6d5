package dev.spl.daemon.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.PendingDelivery;
import dev.spl.core.Record;
import dev.spl.core.RecordStore;
import dev.spl.core.ThreadIds;
import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.records.RecordService;
import dev.spl.testing.TestClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the coordinator's outbox holds for a worker that beats from another endpoint. */
class FleetRegistryReaddressTest {
  private static final String ACTOR = "did:sync:instance:0123456789abcdef";

  private static String thread(String name) {
    return ThreadIds.derive("test", name);
  }

  /** A record on {@code thread} with the given act and topic, distinct for each {@code n}. */
  private static Record record(String thread, Act act, String topic, long n) {
    return new Record(
        thread,
        ACTOR,
        act,
        Json.MAPPER.createObjectNode().put("topic", topic).put("n", n),
        n,
        List.of());
  }

  private static final String WORKER = "did:sync:instance:00000000000000a1";
  private static final String OTHER = "did:sync:instance:00000000000000b2";
  private static final String OLD = "http://127.0.0.1:40001";
  private static final String NEW = "http://127.0.0.1:40002";
  private static final long T0 = 1_700_000_000_000L;

  private final TestClock clock = new TestClock(T0);
  private final RecordStore store = new InMemoryRecordStore(clock);
  private final RecordService records = new RecordService(store);
  private final FleetRegistry fleet =
      FleetRegistry.restore(records, FleetThresholds.forInterval(1_000), clock);
  private final AtomicInteger wakes = new AtomicInteger();
  private int queued;

  @BeforeEach
  void countWakes() {
    records.onDeliveriesQueued(wakes::incrementAndGet);
  }

  private void beat(String did, String endpoint, long startedAt) {
    Heartbeat heartbeat =
        new Heartbeat(
            did,
            did.equals(WORKER) ? "worker-a" : "worker-b",
            Role.WORKER,
            endpoint,
            "0.1.0",
            startedAt,
            (clock.millis() - startedAt) / 1000,
            0,
            4,
            4,
            Health.HEALTHY,
            clock.millis());
    fleet.receive(heartbeat, heartbeat.toRecord(clock.millis()));
  }

  /** Queues {@code count} new child records for {@code endpoint}; returns their ids in order. */
  private List<String> queueChildren(String endpoint, int count) {
    List<Record> children = new ArrayList<>();
    List<OutboxEntry> deliveries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Record child = record(thread("child-" + queued), Act.INTEND, "fanout_child", queued++);
      children.add(child);
      deliveries.add(new OutboxEntry(endpoint, child.id()));
    }
    records.appendAll(children, deliveries);
    return children.stream().map(Record::id).toList();
  }

  private List<String> pendingFor(String endpoint) {
    return store.pendingDeliveries(endpoint, 100).stream()
        .map(PendingDelivery::record)
        .map(stored -> stored.id())
        .toList();
  }

  @Test
  void aKnownWorkerBeatingFromANewEndpointTakesItsQueueAlongAndWakesTheOutbox() {
    beat(WORKER, OLD, T0);
    List<String> children = queueChildren(OLD, 3);
    wakes.set(0);

    // The worker restarted on another port.
    clock.advance(2_000);
    beat(WORKER, NEW, clock.millis());

    assertThat(pendingFor(OLD)).isEmpty();
    assertThat(pendingFor(NEW)).containsExactlyElementsOf(children);
    assertThat(wakes).hasValue(1);
  }

  @Test
  void aBeatFromTheSameEndpointMovesNothing() {
    beat(WORKER, OLD, T0);
    List<String> children = queueChildren(OLD, 2);
    wakes.set(0);

    clock.advance(1_000);
    beat(WORKER, OLD, T0);

    assertThat(pendingFor(OLD)).containsExactlyElementsOf(children);
    assertThat(wakes).hasValue(0);
  }

  @Test
  void anotherInstanceLiveAtTheOldEndpointKeepsWhatIsQueuedThere() {
    beat(WORKER, OLD, T0);
    clock.advance(500);
    // Another worker now answers at the old address (its port was given out again).
    beat(OTHER, OLD, clock.millis());
    List<String> queuedAtOld = queueChildren(OLD, 2);

    clock.advance(500);
    beat(WORKER, NEW, clock.millis());

    assertThat(pendingFor(OLD)).containsExactlyElementsOf(queuedAtOld);
    assertThat(pendingFor(NEW)).isEmpty();
  }

  @Test
  void whatIsQueuedForTheOldEndpointJustAfterTheMoveFollowsAtTheNextBeat() {
    beat(WORKER, OLD, T0);
    List<String> first = queueChildren(OLD, 1);
    clock.advance(2_000);
    long restartedAt = clock.millis();
    beat(WORKER, NEW, restartedAt);
    // Queued from a directory read before the move.
    List<String> late = queueChildren(OLD, 1);

    clock.advance(1_000);
    beat(WORKER, NEW, restartedAt);

    assertThat(pendingFor(OLD)).isEmpty();
    assertThat(pendingFor(NEW)).containsExactly(first.get(0), late.get(0));

    // A beat that finds nothing left ends the watch on the old endpoint.
    clock.advance(1_000);
    beat(WORKER, NEW, restartedAt);
    List<String> muchLater = queueChildren(OLD, 1);
    clock.advance(1_000);
    beat(WORKER, NEW, restartedAt);
    assertThat(pendingFor(OLD)).containsExactlyElementsOf(muchLater);
  }
}
