package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutPolicy;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.HedgeAfter;
import dev.spl.core.fanout.Spawned;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CEL routing targets and straggler hedging through a coordinator and shell workers in one JVM:
 * children go to the workers whose labels their condition names, wait (saying why) while none
 * matches, and a straggler's second attempt on another worker wins over its slow first one.
 */
class RouteHedgeFleetTest {
  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Daemon coordinator;

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private Daemon worker(String alias, Map<String, String> labels) {
    return start(
        DaemonConfig.builder(dir.resolve(alias))
            .port(0)
            .durability(Durability.FAST)
            .fleet(
                FleetSettings.builder()
                    .worker(alias, coordinator.url())
                    .heartbeatInterval(FleetTestSupport.INTERVAL)
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(Duration.ZERO)
                    .labels(labels)
                    .build())
            .build());
  }

  private void awaitLive(int workers) {
    FleetTestSupport.awaitLiveWorkers(coordinator, workers);
  }

  /**
   * Waits for the join record. A hedged child's join may wait up to 10 s for the cancelled
   * attempt's cost, and this machine may be busy: a long deadline, not a timing check.
   */
  private static JsonNode joinOf(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the join completed",
        Duration.ofSeconds(90),
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    return onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).get(0).record().body();
  }

  /** Every spawn of the fan-out, in log order. */
  private List<Spawned.Entry> spawns(FleetTestSupport.FanoutHandle fanout) {
    List<Spawned.Entry> entries = new ArrayList<>();
    for (StoredRecord stored : onParentThread(coordinator, fanout, FanoutRecords.SPAWNED)) {
      entries.addAll(Spawned.fromBody(stored.record().body()).spawns());
    }
    return entries;
  }

  @Test
  void childrenGoWhereTheirConditionHoldsAndWaitSayingWhyUntilAWorkerMatches() {
    coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    Daemon gpu = worker("gpu-1", Map.of("gpu", "a100"));
    Daemon cpu = worker("cpu-1", Map.of("gpu", "none"));
    awaitLive(2);
    String a100 = "cel:worker.labels.gpu == 'a100'";
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "routing",
            "all",
            List.of(
                "{\"goal\":\"train\",\"run\":\"true\",\"target\":\"" + a100 + "\"}",
                "{\"goal\":\"eval\",\"run\":\"true\",\"target\":\"" + a100 + "\"}",
                "{\"goal\":\"prep\",\"run\":\"true\",\"target\":\"cel:worker.labels.gpu =="
                    + " 'none' && worker.free_slots > 0\"}",
                "{\"goal\":\"big\",\"run\":\"true\",\"target\":\"cel:worker.labels.gpu =="
                    + " 'h100'\"}"));
    Http http = new Http(coordinator.url());
    Await.until(
        "the h100 child waits, saying why",
        () -> {
          JsonNode status = http.get("/v1/fanouts/" + fanout.id()).json();
          return status.path("waiting").size() == 1
              && status
                  .path("waiting")
                  .get(0)
                  .path("reason")
                  .asText()
                  .equals("no live worker matches cel:worker.labels.gpu == 'h100'")
              && status.path("waiting").get(0).path("first_index").asInt() == 3
              && status.path("completed").asInt() == 3;
        });
    JsonNode child =
        http.get("/v1/fanouts/" + fanout.id() + "/children?after=2&limit=1").json().path("data");
    assertThat(child.get(0).path("waiting").asText())
        .isEqualTo("no live worker matches cel:worker.labels.gpu == 'h100'");

    Daemon h100 = worker("gpu-2", Map.of("gpu", "h100"));
    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    Map<Integer, String> workerOf = new HashMap<>();
    spawns(fanout).forEach(entry -> workerOf.put(entry.index(), entry.worker()));
    assertThat(workerOf)
        .containsEntry(0, gpu.did())
        .containsEntry(1, gpu.did())
        .containsEntry(2, cpu.did())
        .containsEntry(3, h100.did());
  }

  @Test
  void aStragglersSecondAttemptOnAnotherWorkerWinsAndItsFirstIsCancelled() {
    coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    worker("worker-a", Map.of());
    worker("worker-b", Map.of());
    awaitLive(2);
    List<String> descriptors = new ArrayList<>();
    // The first attempt of child 0 waits for a file nobody writes: only a cancel ends it.
    descriptors.add(
        "{\"goal\":\"straggler\",\"run\":\"if [ \\\"$SPL_ATTEMPT\\\" = 1 ]; then while [ ! -f '"
            + dir.resolve("never")
            + "' ]; do sleep 0.05; done; fi; echo done\"}");
    for (int i = 1; i < 6; i++) {
      descriptors.add("{\"goal\":\"quick " + i + "\",\"run\":\"echo quick\"}");
    }
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "hedging",
            "all",
            descriptors,
            new FanoutOptions(
                FanoutPolicy.ALL,
                0,
                FanoutOptions.DEFAULT_BACKOFF_MILLIS,
                0,
                null,
                HedgeAfter.parse("1")));
    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("totals").path("hedged").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(join.path("fanin").path("succeeded").asInt()).isEqualTo(6);

    List<Spawned.Entry> ofStraggler =
        spawns(fanout).stream().filter(entry -> entry.index() == 0).toList();
    assertThat(ofStraggler).hasSize(2);
    assertThat(ofStraggler.get(1).hedge()).isTrue();
    assertThat(ofStraggler.get(1).attempt()).isEqualTo(2);
    assertThat(ofStraggler.get(1).worker()).isNotEqualTo(ofStraggler.get(0).worker());

    List<ChildDone> results =
        onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
            .map(stored -> ChildDone.fromBody(stored.record().body()))
            .filter(done -> done.index() == 0)
            .toList();
    assertThat(results)
        .anySatisfy(
            done -> {
              assertThat(done.attempt()).isEqualTo(2);
              assertThat(done.verdict().wire()).isEqualTo("accept");
            });
    assertThat(
            onParentThread(coordinator, fanout, FanoutRecords.CANCEL_SENT).stream()
                .map(stored -> stored.record().body().path("reason").asText()))
        .contains(FanoutRecords.CANCEL_HEDGE_LOST);
    // The first attempt was stopped and reported, so the join counted what it spent.
    Await.until(
        "the first attempt of the straggler reports its cancel",
        () ->
            onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
                .map(stored -> ChildDone.fromBody(stored.record().body()))
                .anyMatch(done -> done.index() == 0 && done.attempt() == 1));
  }

  private static dev.spl.core.Record ruleRecord(dev.spl.core.fanout.RoutingRule rule, long clock) {
    return new dev.spl.core.Record(
        dev.spl.core.ThreadIds.ENGINE_CONFIG,
        "did:sync:user:operator",
        dev.spl.core.Act.LEARN,
        rule.toBody(),
        clock,
        List.of());
  }

  @Test
  void aFleetRoutingRuleIsCheckedWhereItIsReceivedAndRoutesTheChildrenItMatches() {
    coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    Daemon eu = worker("eu-1", Map.of("zone", "eu"));
    worker("us-1", Map.of("zone", "us"));
    awaitLive(2);
    Http.Response refused =
        FleetTestSupport.post(
            coordinator,
            ruleRecord(
                new dev.spl.core.fanout.RoutingRule("eu-data", null, "worker.zone == 'eu'", true),
                1));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.text()).contains("body.route").contains("worker.zone");
    Http.Response stored =
        FleetTestSupport.post(
            coordinator,
            ruleRecord(
                new dev.spl.core.fanout.RoutingRule(
                    "eu-data",
                    "subtask.goal.startsWith('eu ')",
                    "worker.labels.zone == 'eu'",
                    true),
                2));
    assertThat(stored.status()).isEqualTo(201);

    List<String> descriptors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      descriptors.add(
          "{\"goal\":\"eu part " + i + "\",\"run\":\"true\",\"target\":\"least-loaded-worker\"}");
    }
    FleetTestSupport.FanoutHandle fanout = fanOut(coordinator, "rules", "all", descriptors);
    assertThat(joinOf(coordinator, fanout).path("verdict").asText()).isEqualTo("accept");
    assertThat(spawns(fanout)).extracting(Spawned.Entry::worker).containsOnly(eu.did());
  }
}
