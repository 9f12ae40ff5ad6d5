package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real fleet in one JVM: a coordinator and two workers running children with the echo executor.
 */
class EchoFleetTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();

  private Daemon coordinator() {
    return fleet.coordinator();
  }

  private Daemon worker(Daemon coordinator, String alias, Duration echoDelay) {
    return fleet.worker(
        coordinator,
        alias,
        settings -> settings.executor(FleetSettings.ExecutorKind.ECHO).echoDelay(echoDelay));
  }

  private static void awaitLiveWorkers(Daemon coordinator, int n) {
    Await.until(
        n + " workers live",
        () ->
            coordinator.fleetRegistry().orElseThrow().instances().stream()
                    .filter(
                        i -> i.role().wire().equals("worker") && i.status().wire().equals("live"))
                    .count()
                == n);
  }

  private static JsonNode joinOf(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    List<StoredRecord> joins = onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE);
    assertThat(joins).hasSize(1);
    return joins.get(0).record().body();
  }

  @Test
  void aFanOutWithADependencyRunsOnBothWorkersAndJoins() {
    Daemon coordinator = coordinator();
    Daemon a = worker(coordinator, "worker-a", Duration.ofMillis(50));
    Daemon b = worker(coordinator, "worker-b", Duration.ofMillis(50));
    awaitLiveWorkers(coordinator, 2);

    var fanout =
        fanOut(
            coordinator,
            "docs",
            "all",
            List.of(
                "{\"goal\":\"write A\",\"target\":\"worker-a\"}",
                "{\"goal\":\"write B\",\"target\":\"worker-b\"}",
                "{\"goal\":\"summarise\",\"target\":\"least-loaded-worker\",\"depends\":[0,1]}"));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.has("children")).as("the join record lists no children").isFalse();
    JsonNode children = FleetTestSupport.children(coordinator, fanout);
    assertThat(children).hasSize(3);
    assertThat(children.get(0).path("worker").asText()).isEqualTo(a.did());
    assertThat(children.get(1).path("worker").asText()).isEqualTo(b.did());
    assertThat(join.path("totals").path("accepted").asInt()).isEqualTo(3);
    List<StoredRecord> summary =
        FleetTestSupport.childIntents(a, fanout).stream()
            .filter(r -> r.record().body().path("index").asInt() == 2)
            .toList();
    List<StoredRecord> summaryOnB =
        FleetTestSupport.childIntents(b, fanout).stream()
            .filter(r -> r.record().body().path("index").asInt() == 2)
            .toList();
    StoredRecord dependent = summary.isEmpty() ? summaryOnB.get(0) : summary.get(0);
    assertThat(dependent.record().body().path("inputs")).hasSize(2);
    assertThat(dependent.record().body().path("inputs").get(0).path("verdict").asText())
        .isEqualTo("accept");
  }

  @Test
  void aThousandWideFanOutCompletesWithEveryChildRunOnce() {
    Daemon coordinator = coordinator();
    Daemon a = worker(coordinator, "worker-a", Duration.ZERO);
    Daemon b = worker(coordinator, "worker-b", Duration.ZERO);
    awaitLiveWorkers(coordinator, 2);

    var fanout = fanOut(coordinator, "wide", "all", FleetTestSupport.goals(1000));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("totals").path("accepted").asInt()).isEqualTo(1000);
    int onA = FleetTestSupport.childIntents(a, fanout).size();
    int onB = FleetTestSupport.childIntents(b, fanout).size();
    assertThat(onA + onB).isEqualTo(1000);
    assertThat(onA).isPositive();
    assertThat(onB).isPositive();
    assertThat(onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE)).hasSize(1000);
  }

  @Test
  void anAnyJoinSatisfiedEarlyCancelsTheOthers() {
    Daemon coordinator = coordinator();
    worker(coordinator, "worker-a", Duration.ZERO);
    worker(coordinator, "worker-b", Duration.ofHours(1));
    awaitLiveWorkers(coordinator, 2);

    var fanout =
        fanOut(
            coordinator,
            "race",
            "any",
            List.of(
                "{\"goal\":\"fast\",\"target\":\"worker-a\"}",
                "{\"goal\":\"slow\",\"target\":\"worker-b\"}"));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    Await.until(
        "the slow child reported cancelled",
        () ->
            onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
                .anyMatch(r -> r.record().body().path("verdict").asText().equals("cancelled")));
  }
}
