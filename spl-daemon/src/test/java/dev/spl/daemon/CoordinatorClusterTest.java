package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.childDone;
import static dev.spl.daemon.FleetTestSupport.childIntents;
import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.goals;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static dev.spl.daemon.FleetTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fleet.InstanceTransition;
import dev.spl.daemon.FleetTestSupport.FanoutHandle;
import dev.spl.daemon.FleetTestSupport.HeartbeatPump;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import dev.spl.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator with two stand-in workers: spawns, joins, freezes, heartbeats, restarts. The
 * daemons share a clock the test moves and keep their records in memory; the heartbeat interval is
 * long enough that no lease or staleness could pass on real time within a test's deadline.
 */
class CoordinatorClusterTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final Duration LEASE = FleetSettings.defaultLease(INTERVAL);

  @TempDir Path dir;
  private final TestClock clock = new TestClock(1_700_000_000_000L);
  private final InMemoryStores stores = new InMemoryStores();

  private Daemon coordinator;
  private Daemon workerA;
  private Daemon workerB;
  private HeartbeatPump pump;

  @BeforeEach
  void startCluster() {
    coordinator = start(coordinatorConfig(dir.resolve("coordinator"), INTERVAL));
    workerA = start(coordinatorConfig(dir.resolve("worker-a"), INTERVAL));
    workerB = start(coordinatorConfig(dir.resolve("worker-b"), INTERVAL));
    pump = new HeartbeatPump(coordinator.url());
    pump.add("worker-a", workerA);
    pump.add("worker-b", workerB);
    awaitLiveWorkers(2);
  }

  @AfterEach
  void stopCluster() {
    pump.close();
    Stream.of(coordinator, workerA, workerB).forEach(Daemon::close);
  }

  private Daemon start(DaemonConfig config) {
    return Daemon.start(config, clock, stores);
  }

  /**
   * Moves the shared clock past the lease in steps of a quarter lease, beating for every worker the
   * pump does not pause after each step: the paused ones fall silent past their lease (and turn
   * stale), the others never do.
   */
  private void silencePausedWorkersPastTheLease() {
    Duration step = LEASE.dividedBy(4);
    for (int i = 0; i < 5; i++) {
      clock.advance(step);
      pump.beatNow();
    }
  }

  private void awaitLiveWorkers(int n) {
    Await.until(
        n + " live workers",
        () ->
            coordinator
                    .fleetRegistry()
                    .orElseThrow()
                    .directory(coordinator.url(), LEASE.toMillis())
                    .live()
                    .size()
                == n);
  }

  private List<StoredRecord> intentsAtWorkers(FanoutHandle fanout) {
    List<StoredRecord> all = new ArrayList<>(childIntents(workerA, fanout));
    all.addAll(childIntents(workerB, fanout));
    return all;
  }

  private Daemon holderOf(StoredRecord intent) {
    return workerA.records().get(intent.id()).isPresent() ? workerA : workerB;
  }

  private StoredRecord intentOf(FanoutHandle fanout, int index, int attempt) {
    return intentsAtWorkers(fanout).stream()
        .filter(r -> r.record().body().path("index").asInt() == index)
        .filter(r -> r.record().body().path("attempt").asInt() == attempt)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no INTEND for subtask " + index));
  }

  private void complete(StoredRecord intent, Verdict verdict) {
    Http.Response response = childDone(coordinator, intent, holderOf(intent).did(), verdict);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  private JsonNode joinOf(FanoutHandle fanout) {
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    List<StoredRecord> joins = onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE);
    assertThat(joins).hasSize(1);
    return joins.get(0).record().body();
  }

  @Test
  void spawnsReadySubtasksOnLiveWorkersThenDependentsWithInputsAndCompletesTheJoin() {
    FanoutHandle fanout =
        fanOut(
            coordinator,
            "default",
            "all",
            List.of("{\"goal\":\"a\"}", "{\"goal\":\"b\"}", "{\"goal\":\"c\",\"depends\":[0,1]}"));

    Await.until("subtasks 0 and 1 arrived", () -> intentsAtWorkers(fanout).size() == 2);
    // Round-robin over two workers: one child each.
    assertThat(childIntents(workerA, fanout)).hasSize(1);
    assertThat(childIntents(workerB, fanout)).hasSize(1);
    StoredRecord first = intentOf(fanout, 0, 1);
    JsonNode body = first.record().body();
    assertThat(body.path("coordinator").asText()).isEqualTo(coordinator.url());
    assertThat(first.record().actor()).isEqualTo(coordinator.did());
    assertThat(first.record().thread()).isEqualTo(ThreadIds.derive(fanout.id(), "0", "a"));

    complete(first, Verdict.ACCEPT);
    complete(intentOf(fanout, 1, 1), Verdict.ACCEPT);

    Await.until("subtask 2 arrived", () -> intentsAtWorkers(fanout).size() == 3);
    JsonNode inputs = intentOf(fanout, 2, 1).record().body().path("inputs");
    assertThat(inputs).hasSize(2);
    assertThat(inputs.get(0).path("index").asInt()).isZero();
    assertThat(inputs.get(0).path("verdict").asText()).isEqualTo("accept");
    assertThat(inputs.get(1).path("summary").asText()).isEqualTo("result of b");

    complete(intentOf(fanout, 2, 1), Verdict.ACCEPT);

    JsonNode join = joinOf(fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("fulfills").asText()).isEqualTo(fanout.id());
    assertThat(join.path("totals").path("accepted").asInt()).isEqualTo(3);
    assertThat(onParentThread(coordinator, fanout, FanoutRecords.SPAWNED)).hasSize(2);
  }

  @Test
  void aJoinSatisfiedEarlyCancelsTheChildrenStillRunning() {
    FanoutHandle fanout = fanOut(coordinator, "default", "any", goals(3));
    Await.until("three children arrived", () -> intentsAtWorkers(fanout).size() == 3);

    complete(intentOf(fanout, 1, 1), Verdict.ACCEPT);

    assertThat(joinOf(fanout).path("verdict").asText()).isEqualTo("accept");
    Await.until(
        "both other children were sent a cancel",
        () ->
            Stream.of(workerA, workerB)
                    .mapToLong(w -> query(w, null, "fanout_cancel", Act.LEARN).size())
                    .sum()
                == 2);
    Set<Integer> cancelled = new HashSet<>();
    for (Daemon worker : List.of(workerA, workerB)) {
      for (StoredRecord cancel : query(worker, null, "fanout_cancel", Act.LEARN)) {
        JsonNode cancelBody = cancel.record().body();
        assertThat(cancelBody.path("reason").asText()).isEqualTo("join_satisfied");
        assertThat(cancelBody.path("fanout").asText()).isEqualTo(fanout.id());
        // Each cancel goes to the worker that holds the child.
        assertThat(holderOf(intentOf(fanout, cancelBody.path("index").asInt(), 1)))
            .isSameAs(worker);
        cancelled.add(cancelBody.path("index").asInt());
      }
    }
    assertThat(cancelled).containsExactlyInAnyOrder(0, 2);
  }

  @Test
  void aFrozenNamespaceRefusesNewWorkHoldsSpawnsAndTheFreezeReachesTheWorkers() {
    pump.pause(workerA, true);
    pump.pause(workerB, true);
    silencePausedWorkersPastTheLease();
    assertThat(
            coordinator
                .fleetRegistry()
                .orElseThrow()
                .directory(coordinator.url(), LEASE.toMillis())
                .live())
        .isEmpty();
    FanoutHandle held = fanOut(coordinator, "ns1", "all", goals(2));
    Record freeze =
        new Freeze("ns1", FreezeLevel.SOFT, 60, "drill", FleetTestSupport.USER, 1_000)
            .toRecord(FleetTestSupport.USER, 1);
    assertThat(FleetTestSupport.post(coordinator, freeze).status()).isEqualTo(201);

    // The coordinator refuses new work in the namespace at once, naming namespace and reason.
    Http.Response refused =
        FleetTestSupport.post(
            coordinator,
            FleetTestSupport.fanoutRecords(
                ThreadIds.derive("frozen-task"), "ns1", "all", goals(1)));
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().path("code").asText()).isEqualTo("NAMESPACE_FROZEN");
    assertThat(refused.json().path("namespace").asText()).isEqualTo("ns1");
    assertThat(refused.json().path("reason").asText()).isEqualTo("drill");

    pump.pause(workerA, false);
    pump.pause(workerB, false);
    awaitLiveWorkers(2);
    // A fan-out in another namespace spawns; the frozen one, decided in the same passes, does not.
    FanoutHandle free = fanOut(coordinator, "default", "all", goals(2));
    Await.until("the unfrozen fan-out spawned", () -> intentsAtWorkers(free).size() == 2);
    assertThat(onParentThread(coordinator, held, FanoutRecords.SPAWNED)).isEmpty();
    assertThat(intentsAtWorkers(held)).isEmpty();

    // The freeze reached the workers (sent again when they came back) and their gates apply it.
    for (Daemon worker : List.of(workerA, workerB)) {
      Await.until(
          "the freeze reached " + worker.url(),
          () -> worker.records().get(freeze.id()).isPresent());
      Http.Response atWorker =
          FleetTestSupport.post(
              worker,
              FleetTestSupport.fanoutRecords(
                  ThreadIds.derive("frozen-task-2"), "ns1", "all", goals(1)));
      assertThat(atWorker.status()).isEqualTo(403);
    }

    Record unfreeze =
        new Unfreeze("ns1", FleetTestSupport.USER, 2_000).toRecord(FleetTestSupport.USER, 2);
    assertThat(FleetTestSupport.post(coordinator, unfreeze).status()).isEqualTo(201);
    Await.until("the held children spawned", () -> intentsAtWorkers(held).size() == 2);
    Await.until(
        "the unfreeze reached the workers",
        () ->
            workerA.records().get(unfreeze.id()).isPresent()
                && workerB.records().get(unfreeze.id()).isPresent());
  }

  @Test
  void heartbeatsAreAnsweredButOnlyRegistrationsAndTransitionsAreLogged() {
    Http.Response answer = pump.beat(workerA);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().path("object").asText()).isEqualTo("heartbeat");
    assertThat(answer.json().path("status").asText()).isEqualTo("live");
    int before = pump.accepted();
    Await.until("40 more heartbeats were taken", () -> pump.accepted() >= before + 40);

    List<StoredRecord> beats = query(coordinator, ThreadIds.INSTANCE_REGISTRY, "heartbeat", null);
    assertThat(beats).hasSize(2);
    assertThat(coordinator.fleetRegistry().orElseThrow().instances())
        .extracting(view -> view.did())
        .contains(workerA.did(), workerB.did(), coordinator.did());

    pump.pause(workerB, true);
    silencePausedWorkersPastTheLease();
    Await.until(
        "worker-b turned stale",
        () ->
            transitions().stream()
                .anyMatch(t -> t.did().equals(workerB.did()) && t.to().wire().equals("stale")));
    pump.pause(workerB, false);
    Await.until(
        "worker-b is live again",
        () ->
            transitions().stream()
                .anyMatch(
                    t ->
                        t.did().equals(workerB.did())
                            && t.from().wire().equals("stale")
                            && t.to().wire().equals("live")));
    assertThat(query(coordinator, ThreadIds.INSTANCE_REGISTRY, "heartbeat", null)).hasSize(2);
  }

  private List<InstanceTransition> transitions() {
    return query(coordinator, ThreadIds.INSTANCE_REGISTRY, InstanceTransition.TOPIC, Act.LEARN)
        .stream()
        .map(r -> InstanceTransition.fromBody(r.record().body()))
        .toList();
  }

  @Test
  void aRestartedCoordinatorResumesTheFanoutWithoutSpawningAnythingTwice() {
    FanoutHandle fanout =
        fanOut(
            coordinator,
            "default",
            "all",
            List.of(
                "{\"goal\":\"a\"}",
                "{\"goal\":\"b\"}",
                "{\"goal\":\"c\",\"depends\":[0]}",
                "{\"goal\":\"d\",\"depends\":[1]}"));
    Await.until("two children arrived", () -> intentsAtWorkers(fanout).size() == 2);
    complete(intentOf(fanout, 0, 1), Verdict.ACCEPT);
    Await.until("subtask 2 arrived", () -> intentsAtWorkers(fanout).size() == 3);

    Path home = coordinator.home();
    coordinator.close();
    coordinator = start(coordinatorConfig(home, INTERVAL));
    pump.coordinator(coordinator.url());
    awaitLiveWorkers(2);

    complete(intentOf(fanout, 1, 1), Verdict.ACCEPT);
    Await.until("subtask 3 arrived", () -> intentsAtWorkers(fanout).size() == 4);
    complete(intentOf(fanout, 2, 1), Verdict.ACCEPT);
    complete(intentOf(fanout, 3, 1), Verdict.ACCEPT);

    assertThat(joinOf(fanout).path("verdict").asText()).isEqualTo("accept");
    List<StoredRecord> intents = intentsAtWorkers(fanout);
    assertThat(intents).hasSize(4);
    assertThat(intents.stream().map(r -> r.record().thread()).distinct()).hasSize(4);
  }

  @Test
  void childrenOfAWorkerSilentPastItsLeaseAreSpawnedAgainElsewhere() {
    FanoutHandle fanout = fanOut(coordinator, "default", "all", goals(4));
    Await.until("four children arrived", () -> intentsAtWorkers(fanout).size() == 4);
    List<StoredRecord> onB = childIntents(workerB, fanout);
    assertThat(onB).hasSize(2);

    pump.pause(workerB, true);
    silencePausedWorkersPastTheLease();
    Await.until(
        "the children of worker-b were spawned again on worker-a",
        () -> childIntents(workerA, fanout).size() == 4);
    List<StoredRecord> retries = onParentThread(coordinator, fanout, FanoutRecords.RETRY);
    assertThat(retries).hasSize(2);
    assertThat(retries.get(0).record().body().path("reason").asText()).isEqualTo("worker_lost");

    Set<Integer> lostIndices = new HashSet<>();
    onB.forEach(r -> lostIndices.add(r.record().body().path("index").asInt()));
    for (int index = 0; index < 4; index++) {
      int attempt = lostIndices.contains(index) ? 2 : 1;
      StoredRecord intent = intentOf(fanout, index, attempt);
      assertThat(holderOf(intent)).isSameAs(workerA);
      complete(intent, Verdict.ACCEPT);
    }
    assertThat(joinOf(fanout).path("verdict").asText()).isEqualTo("accept");
  }

  @Test
  void fleetStatusShowsInstancesFreezesEmergencyAndPendingFanouts() {
    FanoutHandle fanout = fanOut(coordinator, "default", "all", goals(3));
    Await.until("three children arrived", () -> intentsAtWorkers(fanout).size() == 3);
    complete(intentOf(fanout, 0, 1), Verdict.ACCEPT);
    Record freeze =
        new Freeze("ns2", FreezeLevel.HARD, 30, "bad deploy", FleetTestSupport.USER, 5_000)
            .toRecord(FleetTestSupport.USER, 1);
    assertThat(FleetTestSupport.post(coordinator, freeze).status()).isEqualTo(201);

    Http http = new Http(coordinator.url());
    Await.until(
        "the status counts subtask 0 as completed",
        () ->
            http.get("/v1/fleet/status")
                    .json()
                    .path("fanouts")
                    .path("pending")
                    .path(0)
                    .path("completed")
                    .asInt()
                == 1);
    JsonNode status = http.get("/v1/fleet/status").json();
    assertThat(status.path("object").asText()).isEqualTo("fleet_status");
    assertThat(status.path("coordinator_url").asText()).isEqualTo(coordinator.url());
    assertThat(status.path("heartbeat_interval_ms").asLong()).isEqualTo(INTERVAL.toMillis());
    assertThat(status.path("counts").path("live").asInt()).isEqualTo(3);
    assertThat(status.path("instances")).hasSize(3);
    assertThat(status.path("freezes").path(0).path("namespace").asText()).isEqualTo("ns2");
    assertThat(status.path("freezes").path(0).path("level").asText()).isEqualTo("hard");
    assertThat(status.path("freezes").path(0).path("reason").asText()).isEqualTo("bad deploy");
    assertThat(status.path("emergency").path("active").asBoolean()).isFalse();
    JsonNode fanouts = status.path("fanouts");
    assertThat(fanouts.path("open").asInt()).isEqualTo(1);
    assertThat(fanouts.path("pending").path(0).path("fanout").asText()).isEqualTo(fanout.id());
    assertThat(fanouts.path("pending").path(0).path("width").asInt()).isEqualTo(3);
    assertThat(fanouts.path("pending").path(0).path("spawned").asInt()).isEqualTo(3);

    JsonNode rules = http.get("/v1/rules").json();
    assertThat(rules.path("data"))
        .extracting(rule -> rule.path("name").asText())
        .contains("emergency_stop", "namespace_frozen");
  }

  @Test
  void aWorkerSendsFleetQuestionsToItsCoordinator() {
    DaemonConfig config =
        coordinatorConfig(dir.resolve("worker-c")).toBuilder()
            .fleet(
                FleetSettings.builder()
                    .worker("worker-c", coordinator.url())
                    .heartbeatInterval(FleetTestSupport.INTERVAL)
                    .build())
            .build();
    try (Daemon worker = start(config)) {
      Http http = new Http(worker.url());
      Http.Response status = http.get("/v1/fleet/status");
      assertThat(status.status()).isEqualTo(409);
      assertThat(status.json().path("code").asText()).isEqualTo("NOT_COORDINATOR");
      assertThat(status.json().path("coordinator_url").asText()).isEqualTo(coordinator.url());
      assertThat(status.json().path("message").asText()).contains(coordinator.url());

      Record heartbeat = pump.heartbeat(workerA).toRecord(1);
      Http.Response misdirected = FleetTestSupport.post(worker, heartbeat);
      assertThat(misdirected.status()).isEqualTo(409);
      assertThat(worker.records().get(heartbeat.id())).isEmpty();
      assertThat(http.get("/v1/rules").status()).isEqualTo(200);
    }
  }
}
