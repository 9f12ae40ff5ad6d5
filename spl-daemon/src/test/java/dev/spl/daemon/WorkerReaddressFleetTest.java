package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.childDone;
import static dev.spl.daemon.FleetTestSupport.childIntents;
import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.PendingDelivery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.FleetTestSupport.FanoutHandle;
import dev.spl.daemon.FleetTestSupport.HeartbeatPump;
import dev.spl.daemon.auth.SignedHeartbeats;
import dev.spl.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker that dies with children queued for it and comes back on another port: the coordinator
 * sends them to the new port as soon as the worker beats from there, long before the lease would
 * move them. The worker is a stand-in the test beats for, so it can die without the last beat of a
 * clean stop (which would count it lost at once) and without its children having reached it.
 */
class WorkerReaddressFleetTest {
  // Long enough that the dead worker stays live (and its lease unspent) for the whole test.
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final int WIDTH = 5;

  @RegisterExtension final TestFleet fleet = new TestFleet();
  private HeartbeatPump pump;

  @AfterEach
  void stopPump() {
    if (pump != null) {
      pump.close();
    }
  }

  private Daemon startWorker() {
    return fleet.start(coordinatorConfig(fleet.home("worker-a"), INTERVAL));
  }

  private static List<String> pendingIds(RecordStore store, String destination) {
    return store.pendingDeliveries(destination, 100).stream()
        .map(PendingDelivery::record)
        .map(StoredRecord::id)
        .toList();
  }

  /**
   * One beat of {@code worker} that does not read the answer, so the worker does not learn the
   * coordinator: it refuses the children it is sent (403, unknown signer), which therefore stay
   * queued at its address and are retried, as for a worker that died before they reached it, while
   * the coordinator's endpoint probe finds it reachable and so sends it children.
   */
  private static void beatWithoutLearning(Daemon coordinator, Daemon worker) {
    long now = worker.clock().millis();
    Heartbeat heartbeat =
        new Heartbeat(
            worker.did(),
            "worker-a",
            Role.WORKER,
            worker.url(),
            Daemon.VERSION,
            now,
            0,
            0,
            4,
            4,
            Health.HEALTHY,
            now);
    Http.Response answer =
        new Http(coordinator.url())
            .post(
                "/v1/records",
                new String(
                    SignedHeartbeats.request(heartbeat, worker.trust()), StandardCharsets.UTF_8));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
  }

  @Test
  void childrenQueuedForAWorkerThatCameBackOnAnotherPortReachItThereAndTheFanOutJoins() {
    Daemon coordinator = fleet.start(coordinatorConfig(fleet.home("coordinator"), INTERVAL));
    Daemon first = startWorker();
    beatWithoutLearning(coordinator, first);
    Await.until(
        "worker-a live",
        () ->
            coordinator
                    .fleetRegistry()
                    .orElseThrow()
                    .directory(coordinator.url(), Duration.ofMinutes(1).toMillis())
                    .live()
                    .size()
                == 1);
    String oldUrl = first.url();
    FanoutHandle fanout = fanOut(coordinator, "default", "all", FleetTestSupport.goals(WIDTH));
    RecordStore outbox = coordinator.records().store();
    Await.until(
        "the children queued for " + oldUrl, () -> pendingIds(outbox, oldUrl).size() == WIDTH);
    List<String> queued = pendingIds(outbox, oldUrl);
    assertThat(childIntents(first, fanout)).isEmpty();
    // The worker dies with its children undelivered, and comes back on another port.
    first.close();

    Daemon second = startWorker();
    // Port 0 gave the old port again (rare): start once more, so the address really changes.
    while (second.url().equals(oldUrl)) {
      second.close();
      second = startWorker();
    }
    assertThat(second.did()).isEqualTo(first.did());
    pump = new HeartbeatPump(coordinator.url());
    pump.add("worker-a", second);

    Daemon restarted = second;
    Await.until(
        "the children reached " + restarted.url(),
        () -> childIntents(restarted, fanout).size() == WIDTH);
    assertThat(childIntents(restarted, fanout))
        .extracting(StoredRecord::id)
        .containsExactlyInAnyOrderElementsOf(queued);
    assertThat(pendingIds(outbox, oldUrl)).isEmpty();

    for (StoredRecord intent : childIntents(restarted, fanout)) {
      Http.Response answer = childDone(coordinator, intent, restarted.did(), Verdict.ACCEPT);
      assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    }
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    JsonNode join =
        onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).get(0).record().body();
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("totals").path("accepted").asInt()).isEqualTo(WIDTH);
    // Every child ran where it was first sent: none moved to another attempt.
    assertThat(childIntents(restarted, fanout))
        .allSatisfy(r -> assertThat(r.record().body().path("attempt").asInt()).isEqualTo(1));
  }
}
