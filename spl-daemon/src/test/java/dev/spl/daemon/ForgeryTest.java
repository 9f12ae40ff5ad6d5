package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.childDone;
import static dev.spl.daemon.FleetTestSupport.childIntents;
import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.goals;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static dev.spl.daemon.FleetTestSupport.post;
import static dev.spl.daemon.FleetTestSupport.postSigned;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.AuthRule;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.FleetTestSupport.FanoutHandle;
import dev.spl.daemon.FleetTestSupport.HeartbeatPump;
import dev.spl.daemon.auth.SignedHeartbeats;
import dev.spl.daemon.auth.Trust;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every forgery of a fleet's records, over HTTP, by a writer who holds the token (or reaches a
 * daemon without one): each is refused with 403 naming its rule, stores nothing, changes nothing,
 * and is counted where an operator sees it.
 */
class ForgeryTest {
  @TempDir Path dir;
  private Daemon coordinator;
  private Daemon workerA;
  private HeartbeatPump pump;

  @BeforeEach
  void startFleet() {
    coordinator = Daemon.start(coordinatorConfig(dir.resolve("coordinator")));
    workerA = Daemon.start(coordinatorConfig(dir.resolve("worker-a")));
    pump = new HeartbeatPump(coordinator.url());
    pump.add("worker-a", workerA);
    Await.until(
        "worker-a is live and knows its coordinator",
        () ->
            workerA.trust().coordinator().isPresent()
                && coordinator
                        .fleetRegistry()
                        .orElseThrow()
                        .directory(coordinator.url(), 60_000)
                        .live()
                        .size()
                    == 1);
  }

  @AfterEach
  void stopFleet() {
    pump.close();
    Stream.of(coordinator, workerA).forEach(Daemon::close);
  }

  private static void assertRefused(Http.Response response, AuthRule rule, String named) {
    assertThat(response.status()).as(response.text()).isEqualTo(403);
    JsonNode json = response.json();
    assertThat(json.path("code").asText()).isEqualTo(rule.name());
    assertThat(json.path("rule").asText()).isEqualTo(rule.name());
    assertThat(json.path("message").asText()).contains(named);
  }

  private StoredRecord spawnedChild(FanoutHandle fanout) {
    Await.until("the child reached worker-a", () -> childIntents(workerA, fanout).size() == 1);
    return childIntents(workerA, fanout).get(0);
  }

  private static Record withBody(Record record, ObjectNode body) {
    return new Record(
        record.thread(), record.actor(), record.act(), body, record.clock(), record.parents());
  }

  @Test
  void nobodyButTheSpawnedWorkerCompletesAChild() {
    FanoutHandle fanout = fanOut(coordinator, "default", "all", goals(1));
    StoredRecord intent = spawnedChild(fanout);
    long before = coordinator.records().count();

    // A user-actor result of a "join all" task whose child is still running.
    Http.Response asUser =
        post(
            coordinator,
            new Record(
                fanout.thread(),
                "did:sync:user:mallory",
                Act.KNOW,
                doneBody(intent, null),
                1,
                List.of()));
    assertRefused(asUser, AuthRule.NOT_SPAWNED_ON_SIGNER, "not signed");
    // Written as worker-a but not signed by it.
    assertRefused(
        post(coordinator, doneRecord(intent, fanout.thread())), AuthRule.ACTOR_NOT_SIGNER, "");
    // Signed by worker-a, on an unrelated thread (it would complete another task invisibly).
    Record unrelated = doneRecord(intent, ThreadIds.derive("unrelated"));
    assertRefused(
        postSigned(coordinator, workerA, unrelated),
        AuthRule.NOT_SPAWNED_ON_SIGNER,
        "on thread " + fanout.thread());
    // For an attempt never spawned.
    ObjectNode secondAttempt = doneBody(intent, workerA.did());
    secondAttempt.put("attempt", 2);
    assertRefused(
        postSigned(
            coordinator, workerA, withBody(doneRecord(intent, fanout.thread()), secondAttempt)),
        AuthRule.NOT_SPAWNED_ON_SIGNER,
        "never spawned");
    // A join verdict of the writer's choosing.
    ObjectNode join = Json.MAPPER.createObjectNode();
    join.put("topic", FanoutRecords.JOIN_COMPLETE);
    join.put("namespace", "default");
    join.put("fanout", fanout.id());
    join.put("verdict", "banana");
    assertRefused(
        post(
            coordinator,
            new Record(fanout.thread(), "did:sync:user:mallory", Act.KNOW, join, 1, List.of())),
        AuthRule.WRITTEN_BY_RECEIVER_ONLY,
        "fanout_join_complete");

    assertThat(coordinator.records().count()).isEqualTo(before);
    assertThat(onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE)).isEmpty();
    JsonNode refusals = new Http(coordinator.url()).get("/v1/security/refusals").json();
    assertThat(refusals.path("by_rule").path("NOT_SPAWNED_ON_SIGNER").asLong()).isEqualTo(3);
    assertThat(refusals.path("by_rule").path("ACTOR_NOT_SIGNER").asLong()).isEqualTo(1);
    assertThat(refusals.path("by_rule").path("WRITTEN_BY_RECEIVER_ONLY").asLong()).isEqualTo(1);
    assertThat(
            new Http(coordinator.url())
                .get("/v1/fleet/status")
                .json()
                .path("refusals")
                .path("total")
                .asLong())
        .isEqualTo(refusals.path("total").asLong());

    // The real result, signed by the worker the child was spawned on, completes the join.
    Http.Response real = childDone(coordinator, intent, workerA.did(), Verdict.ACCEPT);
    assertThat(real.status()).as(real.text()).isEqualTo(201);
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    StoredRecord done = onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).get(0);
    JsonNode shown = new Http(coordinator.url()).get("/v1/records/" + done.id()).json();
    assertThat(shown.path("signature").path("signed_by").asText()).isEqualTo(workerA.did());
  }

  private static ObjectNode doneBody(StoredRecord intentRecord, String worker) {
    ChildIntent intent = ChildIntent.fromBody(intentRecord.record().body());
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.CHILD_DONE);
    body.put("namespace", intent.namespace());
    body.put("fanout", intent.fanout());
    body.put("index", intent.index());
    body.put("attempt", intent.attempt());
    body.put("child_thread", intentRecord.record().thread());
    if (worker != null) {
      body.put("worker", worker);
    }
    body.put("verdict", "accept");
    body.put("cost_usd", 0);
    body.put("wall_time_secs", 0.01);
    body.put("summary", "forged");
    body.put("started_at", 1);
    body.put("finished_at", 2);
    return body;
  }

  private Record doneRecord(StoredRecord intent, String thread) {
    return new Record(
        thread, workerA.did(), Act.KNOW, doneBody(intent, workerA.did()), 1, List.of());
  }

  @Test
  void aReplayedSignedRecordWithAChangedBodyIsRefused() {
    FanoutHandle fanout = fanOut(coordinator, "default", "all", goals(1));
    StoredRecord intent = spawnedChild(fanout);
    Record original = doneRecord(intent, fanout.thread());
    ObjectNode signed = Json.MAPPER.createObjectNode();
    signed.putArray("records").add(RecordJson.toJson(original, original.id()));
    signed.set("signature", workerA.trust().key().sign(List.of(original.id())).toJson());
    // The same envelope over a body that now says "reject".
    ObjectNode changedBody = doneBody(intent, workerA.did());
    changedBody.put("verdict", "reject");
    Record changed = withBody(original, changedBody);
    ObjectNode replay = signed.deepCopy();
    replay.putArray("records").add(RecordJson.toJson(changed, changed.id()));

    assertRefused(
        new Http(coordinator.url()).post("/v1/records", replay.toString()),
        AuthRule.ENVELOPE_MISMATCH,
        "a record changed after it was signed");
    assertThat(coordinator.records().get(changed.id())).isEmpty();
    // A signature by another key over the right ids does not verify.
    ObjectNode forged = signed.deepCopy();
    forged.set(
        "signature",
        withSigner(InstanceKey.generate().sign(List.of(original.id())).toJson(), workerA.did()));
    assertRefused(
        new Http(coordinator.url()).post("/v1/records", forged.toString()),
        AuthRule.BAD_SIGNATURE,
        workerA.did());
    assertThat(coordinator.records().get(original.id())).isEmpty();

    // The genuine request is taken; sent again, it is an idempotent no-op.
    Http.Response first = new Http(coordinator.url()).post("/v1/records", signed.toString());
    assertThat(first.status()).as(first.text()).isEqualTo(201);
    Http.Response again = new Http(coordinator.url()).post("/v1/records", signed.toString());
    assertThat(again.status()).as(again.text()).isEqualTo(200);
  }

  private static ObjectNode withSigner(ObjectNode envelope, String signer) {
    envelope.put("signer", signer);
    return envelope;
  }

  private Heartbeat beat(Daemon worker, String alias, Health health, long startedAt, long sentAt) {
    return new Heartbeat(
        worker.did(),
        alias,
        Role.WORKER,
        worker.url(),
        Daemon.VERSION,
        startedAt,
        1,
        0,
        256,
        256,
        health,
        sentAt);
  }

  private Http.Response sendSigned(Heartbeat heartbeat, Trust trust) {
    return new Http(coordinator.url())
        .post(
            "/v1/records",
            new String(SignedHeartbeats.request(heartbeat, trust), StandardCharsets.UTF_8));
  }

  @Test
  void heartbeatsComeOnlyFromTheirInstanceAndNeverFromTheFuture() {
    long now = coordinator.clock().millis();
    long aYear = 365L * 24 * 3600 * 1000;
    Heartbeat future = beat(workerA, "worker-a", Health.HEALTHY, now, now + aYear);
    assertRefused(
        sendSigned(future, workerA.trust()), AuthRule.HEARTBEAT_FROM_THE_FUTURE, "body.sent_at");
    // health "stopped" from someone else: unsigned, or signed by another key.
    Record stopped = beat(workerA, "worker-a", Health.STOPPED, now, now + 1).toRecord(now + 1);
    assertRefused(post(coordinator, stopped), AuthRule.ACTOR_NOT_SIGNER, "not signed");
    assertRefused(
        sendSigned(
            beat(workerA, "worker-a", Health.STOPPED, now, now + 2),
            Trust.inMemory(InstanceKey.generateFor(workerA.did()))),
        AuthRule.KEY_CHANGED,
        "spl fleet forget " + workerA.did());
    // Real beats still count: worker-a stays live and busy.
    pump.beatNow();
    assertThat(
            coordinator.fleetRegistry().orElseThrow().directory(coordinator.url(), 60_000).live())
        .hasSize(1);

    // A made-up DID posing as worker-a with 256 slots.
    try (Daemon impostor = Daemon.start(coordinatorConfig(dir.resolve("impostor")))) {
      Http.Response posing =
          sendSigned(beat(impostor, "worker-a", Health.HEALTHY, now, now + 3), impostor.trust());
      assertRefused(posing, AuthRule.ALIAS_HELD_BY_LIVE_INSTANCE, "alias 'worker-a'");
      assertThat(coordinator.fleetRegistry().orElseThrow().instances())
          .noneMatch(view -> view.did().equals(impostor.did()));
    }
  }

  @Test
  void aChangedKeyIsReadmittedOnlyAfterTheOperatorForgetsTheOldOne() {
    Trust newKey = Trust.inMemory(InstanceKey.generateFor(workerA.did()));
    long now = coordinator.clock().millis();
    assertRefused(
        sendSigned(beat(workerA, "worker-a", Health.HEALTHY, now, now + 10), newKey),
        AuthRule.KEY_CHANGED,
        "registered with key " + workerA.trust().key().publicKeyText());
    pump.close();

    Http.Response forget =
        new Http(coordinator.url()).post("/v1/fleet/forget", "{\"instance\":\"worker-a\"}");
    assertThat(forget.status()).as(forget.text()).isEqualTo(200);
    assertThat(forget.json().path("data").get(0).path("forgotten").asBoolean()).isTrue();

    Http.Response readmitted =
        sendSigned(beat(workerA, "worker-a", Health.HEALTHY, now, now + 20), newKey);
    assertThat(readmitted.status()).as(readmitted.text()).isEqualTo(200);
    assertThat(coordinator.trust().keyOf(workerA.did())).contains(newKey.key().publicKey());
  }

  @Test
  void controlRecordsComeFromOperatorsOrTheCoordinator() {
    Record unfreeze = new Unfreeze("ns", "did:sync:user:ops", 1).toRecord("did:sync:user:ops", 1);
    assertRefused(
        postSigned(workerA, workerA, unfreeze),
        AuthRule.NOT_OPERATOR,
        "signed by " + workerA.did());
    // worker-a signs a control record for the coordinator: it is no operator.
    assertRefused(
        postSigned(coordinator, workerA, unfreeze),
        AuthRule.NOT_OPERATOR,
        "signed by " + workerA.did());
    assertThat(coordinator.records().get(unfreeze.id())).isEmpty();
    // The coordinator relaying it to its worker is taken.
    Http.Response relayed = postSigned(workerA, coordinator, unfreeze);
    assertThat(relayed.status()).as(relayed.text()).isEqualTo(201);
  }

  @Test
  void aWorkerRunsOnlyChildrenItsCoordinatorSigned() throws Exception {
    Path marker = dir.resolve("pwned.txt");
    DaemonConfig config =
        coordinatorConfig(dir.resolve("worker-b")).toBuilder()
            .fleet(
                FleetSettings.builder()
                    .worker("worker-b", coordinator.url())
                    .heartbeatInterval(FleetTestSupport.INTERVAL)
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(FleetSettings.DEFAULT_ECHO_DELAY)
                    .build())
            .build();
    try (Daemon worker = Daemon.start(config)) {
      Await.until(
          "worker-b learned its coordinator", () -> worker.trust().coordinator().isPresent());
      ObjectNode body =
          new ChildIntent(
                  "default",
                  "e".repeat(64),
                  ThreadIds.derive("parent"),
                  null,
                  worker.did(),
                  0,
                  1,
                  "page",
                  null,
                  null,
                  "id > " + marker,
                  List.of(),
                  null)
              .toBody();
      Record intend =
          new Record(
              ThreadIds.derive("e".repeat(64), "0"),
              coordinator.did(),
              Act.INTEND,
              body,
              1,
              List.of());
      long before = worker.records().count();

      // Signed by a key the worker does not know, naming the coordinator as signer.
      ObjectNode request = Json.MAPPER.createObjectNode();
      request.putArray("records").add(RecordJson.toJson(intend, intend.id()));
      request.set(
          "signature",
          withSigner(
              InstanceKey.generate().sign(List.of(intend.id())).toJson(), coordinator.did()));
      assertRefused(
          new Http(worker.url()).post("/v1/records", request.toString()),
          AuthRule.BAD_SIGNATURE,
          coordinator.did());
      // Signed by another daemon of the fleet (worker-a), whom worker-b does not take children
      // from.
      Record fromWorkerA =
          new Record(intend.thread(), workerA.did(), Act.INTEND, body, 1, List.of());
      assertRefused(
          postSigned(worker, workerA, fromWorkerA), AuthRule.UNKNOWN_SIGNER, workerA.did());
      // Signed by the coordinator, but addressed to another worker.
      ObjectNode elsewhere = body.deepCopy();
      elsewhere.put("worker", workerA.did());
      assertRefused(
          postSigned(worker, coordinator, withBody(intend, elsewhere)),
          AuthRule.NOT_ADDRESSED_TO_THIS_WORKER,
          "body.worker");

      assertThat(worker.records().count()).isEqualTo(before);
      assertThat(worker.trust().refusals().total()).isEqualTo(3);
      assertThat(Files.exists(marker)).isFalse();
    }
  }
}
