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
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.RetrySubtask;
import dev.spl.core.fanout.Verdict;
import dev.spl.daemon.FleetTestSupport.FanoutHandle;
import dev.spl.daemon.FleetTestSupport.HeartbeatPump;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out read routes and the operator actions over HTTP, on a coordinator with two stand-in
 * workers whose results the test reports itself.
 */
class FanoutApiTest {
  @TempDir Path dir;

  private Daemon coordinator;
  private Daemon workerA;
  private Daemon workerB;
  private HeartbeatPump pump;
  private Http http;

  @BeforeEach
  void startCluster() {
    coordinator = Daemon.start(coordinatorConfig(dir.resolve("coordinator")));
    workerA = Daemon.start(coordinatorConfig(dir.resolve("worker-a")));
    workerB = Daemon.start(coordinatorConfig(dir.resolve("worker-b")));
    pump = new HeartbeatPump(coordinator.url());
    pump.add("worker-a", workerA);
    pump.add("worker-b", workerB);
    http = new Http(coordinator.url());
    FleetTestSupport.awaitLiveWorkers(coordinator, 2);
  }

  @AfterEach
  void stopCluster() {
    pump.close();
    Stream.of(coordinator, workerA, workerB).forEach(Daemon::close);
  }

  private List<StoredRecord> intents(FanoutHandle fanout) {
    List<StoredRecord> all = new ArrayList<>(childIntents(workerA, fanout));
    all.addAll(childIntents(workerB, fanout));
    return all;
  }

  private StoredRecord intentOf(FanoutHandle fanout, int index, int attempt) {
    return intents(fanout).stream()
        .filter(r -> r.record().body().path("index").asInt() == index)
        .filter(r -> r.record().body().path("attempt").asInt() == attempt)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no INTEND for subtask " + index));
  }

  private void complete(FanoutHandle fanout, int index, int attempt, Verdict verdict) {
    StoredRecord intent = intentOf(fanout, index, attempt);
    Daemon holder = workerA.records().get(intent.id()).isPresent() ? workerA : workerB;
    Http.Response response = childDone(coordinator, intent, holder.did(), verdict);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  private JsonNode get(String path) {
    Http.Response response = http.get(path);
    assertThat(response.status()).as(path + ": " + response.text()).isEqualTo(200);
    return response.json();
  }

  private JsonNode awaitJson(String path, java.util.function.Predicate<JsonNode> condition) {
    JsonNode[] last = new JsonNode[1];
    Await.until(
        path + " answers as expected (last: " + last[0] + ")",
        () -> {
          Http.Response response = http.get(path);
          last[0] = response.status() == 200 ? response.json() : null;
          return last[0] != null && condition.test(last[0]);
        });
    return last[0];
  }

  @Test
  void listsFanOutsWithCountsAndPagesChildrenAndTheirChanges() {
    FanoutHandle fanout = fanOut(coordinator, "default", "all", goals(5));
    Await.until("five children spawned", () -> intents(fanout).size() == 5);
    String base = "/v1/fanouts/" + fanout.id();

    JsonNode list = awaitJson("/v1/fanouts", l -> l.path("data").size() == 1);
    assertThat(list.path("open").asInt()).isEqualTo(1);
    JsonNode listed = list.path("data").get(0);
    assertThat(listed.path("fanout").asText()).isEqualTo(fanout.id());
    assertThat(listed.path("thread").asText()).isEqualTo(fanout.thread());
    assertThat(listed.path("width").asInt()).isEqualTo(5);
    assertThat(listed.path("alias").isNull()).isTrue();

    JsonNode summary = awaitJson(base, s -> s.path("spawned").asInt() == 5);
    assertThat(summary.path("running").asInt()).isEqualTo(5);
    assertThat(summary.path("completed").asInt()).isZero();
    assertThat(summary.path("complete").asBoolean()).isFalse();
    assertThat(summary.path("counters").path("active").asInt()).isEqualTo(5);

    JsonNode firstPage = get(base + "/children?limit=2");
    assertThat(firstPage.path("data").size()).isEqualTo(2);
    assertThat(firstPage.path("data").get(0).path("index").asInt()).isZero();
    assertThat(firstPage.path("data").get(0).path("state").asText()).isEqualTo("in progress");
    assertThat(firstPage.path("data").get(0).path("worker_alias").asText()).startsWith("worker-");
    assertThat(firstPage.path("has_more").asBoolean()).isTrue();
    assertThat(firstPage.path("next_after").asInt()).isEqualTo(1);
    JsonNode lastPage = get(base + "/children?after=3&limit=2");
    assertThat(lastPage.path("data").size()).isEqualTo(1);
    assertThat(lastPage.path("data").get(0).path("index").asInt()).isEqualTo(4);
    assertThat(lastPage.path("has_more").asBoolean()).isFalse();

    long version = firstPage.path("version").asLong();
    assertThat(get(base + "/children?changed_after=" + version).path("data").size()).isZero();
    complete(fanout, 2, 1, Verdict.ACCEPT);
    JsonNode changed =
        awaitJson(base + "/children?changed_after=" + version, c -> c.path("data").size() > 0);
    assertThat(changed.path("data").size()).isEqualTo(1);
    JsonNode row = changed.path("data").get(0);
    assertThat(row.path("index").asInt()).isEqualTo(2);
    assertThat(row.path("state").asText()).isEqualTo("accept");
    assertThat(row.path("verdict").asText()).isEqualTo("accept");
    assertThat(row.path("summary").asText()).isEqualTo("result of g2");
    assertThat(row.path("changed_at").asLong()).isGreaterThan(version);
    assertThat(changed.path("version").asLong()).isGreaterThan(version);

    for (int i : new int[] {0, 1, 3, 4}) {
      complete(fanout, i, 1, Verdict.ACCEPT);
    }
    JsonNode done = awaitJson(base, s -> s.path("complete").asBoolean());
    assertThat(done.path("verdict").asText()).isEqualTo("accept");
    assertThat(done.path("accepted").asInt()).isEqualTo(5);
    assertThat(done.path("completed_at").asLong()).isPositive();
    assertThat(get("/v1/fanouts?status=open").path("data").size()).isZero();
    assertThat(get("/v1/fanouts?status=complete").path("data").size()).isEqualTo(1);
    assertThat(get("/v1/fanouts?thread=" + fanout.thread()).path("data").size()).isEqualTo(1);

    JsonNode speedup = get(base + "/speedup?measured_serial_wall_secs=12.5");
    assertThat(speedup.path("object").asText()).isEqualTo("speedup_report");
    assertThat(speedup.path("fanout").asText()).isEqualTo(fanout.id());
    assertThat(speedup.path("subtasks").asInt()).isEqualTo(5);
    assertThat(speedup.path("with_results").asInt()).isEqualTo(5);
    assertThat(speedup.path("walls_secs").size()).isEqualTo(5);
    assertThat(speedup.path("workers").asInt()).isBetween(1, 2);
    assertThat(speedup.path("unknown_workers").asInt()).isZero();
    assertThat(speedup.path("measured_wall_secs").isNumber()).isTrue();
    assertThat(speedup.path("measured_serial_wall_secs").asDouble()).isEqualTo(12.5);
    assertThat(speedup.path("measured_speedup").asDouble())
        .isEqualTo(12.5 / speedup.path("measured_wall_secs").asDouble());
    assertThat(get(base + "/speedup").path("measured_speedup").isNull()).isTrue();
  }

  @Test
  void theAliasOfTheTaskIsListed() {
    String thread = ThreadIds.derive("task", "aliased");
    Record task =
        new Record(
            thread,
            FleetTestSupport.USER,
            Act.INTEND,
            (ObjectNode)
                FleetTestSupport.parse(
                    "{\"topic\":\"task\",\"title\":\"t\",\"alias\":\"nightly\"}"),
            0,
            List.of());
    assertThat(FleetTestSupport.post(coordinator, task).status()).isEqualTo(201);
    List<Record> records = FleetTestSupport.fanoutRecords(thread, "default", "all", goals(1));
    assertThat(FleetTestSupport.post(coordinator, records).status()).isEqualTo(201);
    JsonNode list = awaitJson("/v1/fanouts", l -> l.path("data").size() == 1);
    assertThat(list.path("data").get(0).path("alias").asText()).isEqualTo("nightly");
  }

  @Test
  void aReplacedFanOutIsListedAsReplacedNotOpenAndCannotBeRetried() {
    FanoutHandle first = fanOut(coordinator, "default", "k_of_n:2", goals(3));
    Await.until("three children spawned", () -> intents(first).size() == 3);
    complete(first, 0, 1, Verdict.REJECT);
    List<Record> records =
        FleetTestSupport.fanoutRecords(first.thread(), "default", "all", goals(1));
    Record draft = records.remove(records.size() - 1);
    FanoutParent parent = FanoutParent.fromBody(draft.body());
    Record replacing =
        new Record(
            draft.thread(),
            draft.actor(),
            draft.act(),
            new FanoutParent(
                    parent.namespace(),
                    parent.join(),
                    parent.subtaskCount(),
                    parent.chunks(),
                    parent.maxAttempts(),
                    first.id(),
                    parent.createdAtMillis())
                .toBody(),
            draft.clock(),
            draft.parents());
    records.add(replacing);
    assertThat(FleetTestSupport.post(coordinator, records).status()).isEqualTo(201);

    JsonNode list = awaitJson("/v1/fanouts", l -> l.path("data").size() == 2);
    assertThat(list.path("open").asInt()).isEqualTo(1);
    assertThat(list.path("data").get(0).path("fanout").asText()).isEqualTo(replacing.id());
    JsonNode old = list.path("data").get(1);
    assertThat(old.path("replaced_by").asText()).isEqualTo(replacing.id());
    assertThat(old.path("open").asBoolean()).isFalse();
    Http.Response retry = http.post("/v1/fanouts/" + first.id() + "/children/0/retry", "{}");
    assertThat(retry.status()).isEqualTo(409);
    assertThat(retry.json().path("message").asText())
        .isEqualTo(
            "cannot retry subtask 0: the fan-out was replaced by fan-out "
                + replacing.id()
                + ", which gets the decisions now");
  }

  @Test
  void badParametersAndUnknownFanOutsAreClearErrors() {
    Http.Response unknown = http.get("/v1/fanouts/" + "a".repeat(64));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().path("code").asText()).isEqualTo("FANOUT_NOT_FOUND");
    Http.Response malformed = http.get("/v1/fanouts/nope/children");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().path("message").asText()).contains("64 lowercase hex");
    Http.Response limit = http.get("/v1/fanouts/" + "a".repeat(64) + "/children?limit=0");
    assertThat(limit.status()).isEqualTo(400);
    assertThat(limit.json().path("message").asText())
        .isEqualTo("limit: expected a whole number 1..1000 but found '0'");
    Http.Response status = http.get("/v1/fanouts?status=closed");
    assertThat(status.json().path("message").asText())
        .isEqualTo("status: expected 'open', 'complete' or 'all' but found 'closed'");
    Http.Response extra = http.get("/v1/fanouts?colour=red");
    assertThat(extra.status()).isEqualTo(400);
    assertThat(extra.json().path("code").asText()).isEqualTo("INVALID_PARAMETER");
    Http.Response state = http.get("/v1/fanouts/" + "a".repeat(64) + "/results?state=accept,done");
    assertThat(state.status()).isEqualTo(400);
    assertThat(state.json().path("message").asText())
        .isEqualTo(
            "state: expected one of accept, cancelled, check_failed, conflict, failed,"
                + " over_budget, pending, reject, running, skipped, timeout but found 'done'");
    Http.Response results = http.get("/v1/fanouts/" + "a".repeat(64) + "/results?limit=100001");
    assertThat(results.json().path("message").asText())
        .isEqualTo("limit: expected a whole number 1..100000 but found '100001'");
    Http.Response format = http.get("/v1/fanouts/" + "a".repeat(64) + "/results?format=csv");
    assertThat(format.status()).isEqualTo(400);
    assertThat(format.json().path("message").asText())
        .isEqualTo("format: expected 'json' or 'jsonl' but found 'csv'");
    assertThat(http.get("/v1/fanouts/" + "a".repeat(64) + "/results").status()).isEqualTo(404);
    assertThat(http.get("/v1/fanouts/" + "a".repeat(64) + "/speedup").status()).isEqualTo(404);
    Http.Response serial =
        http.get("/v1/fanouts/" + "a".repeat(64) + "/speedup?measured_serial_wall_secs=soon");
    assertThat(serial.status()).isEqualTo(400);
    assertThat(serial.json().path("message").asText())
        .isEqualTo("measured_serial_wall_secs: expected a number of seconds >= 0 but found 'soon'");
  }

  @Test
  void freezeAndUnfreezeWriteTheRecordsTheCliWrites() {
    Http.Response frozen =
        http.post(
            "/v1/control/freeze",
            "{\"namespace\":\"ns1\",\"level\":\"hard\",\"grace_secs\":5,\"reason\":\"drill\","
                + "\"user\":\"ana\"}");
    assertThat(frozen.status()).as(frozen.text()).isEqualTo(201);
    StoredRecord stored = coordinator.records().get(frozen.json().path("id").asText()).get();
    assertThat(stored.record().thread()).isEqualTo(ThreadIds.FLEET_CONTROL);
    assertThat(stored.record().actor()).isEqualTo("did:sync:user:ana");
    assertThat(stored.record().act()).isEqualTo(Act.LEARN);
    Freeze freeze = Freeze.fromBody((ObjectNode) stored.record().body());
    assertThat(freeze.namespace()).isEqualTo("ns1");
    assertThat(freeze.level()).isEqualTo(FreezeLevel.HARD);
    assertThat(freeze.graceSecs()).isEqualTo(5);
    assertThat(freeze.reason()).isEqualTo("drill");
    assertThat(freeze.issuedBy()).isEqualTo("did:sync:user:ana");
    JsonNode status = get("/v1/fleet/status");
    assertThat(status.path("freezes").get(0).path("namespace").asText()).isEqualTo("ns1");

    Http.Response refused = FleetTestSupport.post(coordinator, taskIntent("ns1"));
    assertThat(refused.status()).isEqualTo(403);

    Http.Response unfrozen = http.post("/v1/control/unfreeze", "{\"namespace\":\"ns1\"}");
    assertThat(unfrozen.status()).as(unfrozen.text()).isEqualTo(201);
    assertThat(
            coordinator.records().get(unfrozen.json().path("id").asText()).get().record().actor())
        .isEqualTo("did:sync:user:dashboard");
    assertThat(get("/v1/fleet/status").path("freezes").size()).isZero();
    assertThat(FleetTestSupport.post(coordinator, taskIntent("ns1")).status()).isEqualTo(201);

    Http.Response again = http.post("/v1/control/unfreeze", "{\"namespace\":\"ns1\"}");
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.json().path("message").asText())
        .isEqualTo("namespace 'ns1' is not frozen; frozen namespaces: none");
  }

  @Test
  void badActionBodiesAreRefusedAndStoreNothing() {
    // Counted on the control thread: the registry may write its own records meanwhile (a worker
    // whose heartbeat was late on a loaded machine).
    int before = controlRecords();
    assertRefused(
        "/v1/control/freeze",
        "{\"namespace\":\"ns1\",\"reason\":\"r\",\"colour\":1}",
        "request body: unknown field 'colour' (expected grace_secs, level, namespace, reason,"
            + " user)");
    assertRefused(
        "/v1/control/freeze",
        "{\"namespace\":\"ns1\"}",
        "reason: expected a short text saying why (--reason) but found none");
    assertRefused(
        "/v1/control/freeze",
        "{\"namespace\":\"ns1\",\"reason\":\"r\",\"grace_secs\":5}",
        "grace_secs: applies to level 'hard' (a soft freeze never stops running work)");
    assertRefused(
        "/v1/control/freeze",
        "{\"namespace\":\"ns1\",\"reason\":\"r\",\"user\":\"a b\"}",
        "user: expected 1 to 64 letters, digits or . _ @ - (it names did:sync:user:<user>) but"
            + " found 'a b'");
    assertRefused(
        "/v1/control/freeze",
        "{\"namespace\":\"ns1\",\"namespace\":\"ns2\",\"reason\":\"r\"}",
        null);
    assertThat(controlRecords()).isEqualTo(before);
  }

  private int controlRecords() {
    return coordinator
        .records()
        .query(new RecordQuery(ThreadIds.FLEET_CONTROL, null, null, 0, RecordQuery.MAX_LIMIT))
        .size();
  }

  private void assertRefused(String path, String body, String message) {
    Http.Response response = http.post(path, body);
    assertThat(response.status()).as(response.text()).isEqualTo(400);
    if (message != null) {
      assertThat(response.json().path("message").asText()).isEqualTo(message);
    }
  }

  @Test
  void retryWritesTheRetryRecordOfAFinishedChildAndRefusesARunningOne() {
    FanoutHandle fanout = fanOut(coordinator, "default", "k_of_n:2", goals(3));
    Await.until("three children spawned", () -> intents(fanout).size() == 3);
    complete(fanout, 0, 1, Verdict.REJECT);
    String base = "/v1/fanouts/" + fanout.id();
    awaitJson(base, s -> s.path("failed").asInt() == 1);

    Http.Response running = http.post(base + "/children/1/retry", "{}");
    assertThat(running.status()).isEqualTo(409);
    assertThat(running.json().path("code").asText()).isEqualTo("CANNOT_RETRY");
    assertThat(running.json().path("message").asText()).contains("is still running");
    Http.Response outOfRange = http.post(base + "/children/7/retry", "{}");
    assertThat(outOfRange.json().path("message").asText()).contains("out of range");

    Http.Response retried =
        http.post(base + "/children/0/retry", "{\"hint\":\"try harder\",\"user\":\"ana\"}");
    assertThat(retried.status()).as(retried.text()).isEqualTo(201);
    assertThat(retried.json().path("replaces_attempt").asInt()).isEqualTo(1);
    assertThat(retried.json().path("replacing").asText()).isEqualTo("reject");
    StoredRecord record = coordinator.records().get(retried.json().path("record").asText()).get();
    assertThat(record.record().thread()).isEqualTo(fanout.thread());
    assertThat(record.record().parents()).containsExactly(fanout.id());
    RetrySubtask request = RetrySubtask.fromBody((ObjectNode) record.record().body());
    assertThat(request.index()).isZero();
    assertThat(request.attempt()).isEqualTo(1);
    assertThat(request.hint()).isEqualTo("try harder");
    assertThat(request.reason()).isEqualTo(FanoutRecords.REASON_MANUAL);
    Await.until("attempt 2 of subtask 0 spawned", () -> intents(fanout).size() == 4);
    assertThat(intentOf(fanout, 0, 2).record().body().path("hint").asText())
        .isEqualTo("try harder");
    assertThat(onParentThread(coordinator, fanout, FanoutRecords.RETRY)).hasSize(1);
    assertThat(query(coordinator, fanout.thread(), FanoutRecords.RETRY, Act.LEARN)).hasSize(1);
  }

  /** Reports attempt {@code attempt} of child {@code index} with the result {"v": value}. */
  private void completeWithResult(
      FanoutHandle fanout, int index, int attempt, Verdict verdict, int value) {
    StoredRecord intent = intentOf(fanout, index, attempt);
    Daemon holder = workerA.records().get(intent.id()).isPresent() ? workerA : workerB;
    dev.spl.core.fanout.ChildIntent child =
        dev.spl.core.fanout.ChildIntent.fromBody(intent.record().body());
    long now = System.currentTimeMillis();
    ObjectNode result = dev.spl.core.Json.MAPPER.createObjectNode().put("v", value);
    ObjectNode done =
        new dev.spl.core.fanout.ChildDone(
                child.namespace(),
                child.fanout(),
                index,
                attempt,
                intent.record().thread(),
                holder.did(),
                verdict,
                java.math.BigDecimal.ZERO,
                0.01,
                "attempt " + attempt,
                now,
                now,
                null,
                0,
                null,
                new dev.spl.core.fanout.ChildOutput(result, List.of()))
            .toBody();
    Record record = new Record(child.parentThread(), holder.did(), Act.KNOW, done, now, List.of());
    Http.Response response = FleetTestSupport.postSigned(coordinator, holder, record);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  @Test
  void resultsAreTheAcceptedAttemptsOfRetriedChildrenWhateverArrivesLate() throws Exception {
    FanoutHandle fanout = fanOut(coordinator, "default", "k_of_n:2", goals(3));
    Await.until("three children spawned", () -> intents(fanout).size() == 3);
    String base = "/v1/fanouts/" + fanout.id();
    // Child 0 fails and is retried; a late accept of its first attempt arrives before the second
    // attempt's accept, which completes the join. Child 2 never reports.
    completeWithResult(fanout, 0, 1, Verdict.REJECT, 1);
    awaitJson(base, s -> s.path("failed").asInt() == 1);
    Http.Response retry = http.post(base + "/children/0/retry", "{}");
    assertThat(retry.status()).as(retry.text()).isEqualTo(201);
    Await.until("attempt 2 of subtask 0 spawned", () -> intents(fanout).size() == 4);
    completeWithResult(fanout, 1, 1, Verdict.ACCEPT, 11);
    completeWithResult(fanout, 0, 1, Verdict.ACCEPT, 99);
    completeWithResult(fanout, 0, 2, Verdict.ACCEPT, 2);
    awaitJson(base, s -> s.path("complete").asBoolean());

    JsonNode page = get(base + "/results");
    JsonNode first = page.path("data").get(0);
    // Whichever attempt the fold accepted, the row carries that attempt's own result.
    assertThat(first.path("state").asText()).isEqualTo("accept");
    assertThat(first.path("result").path("v").asInt())
        .isEqualTo(first.path("attempt").asInt() == 2 ? 2 : 99);
    assertThat(page.path("data").get(1).path("result").toString()).isEqualTo("{\"v\":11}");
    assertThat(page.path("data").get(2).path("result").isNull()).isTrue();
    // Read through the store's index of child results: every report, in child order.
    List<Integer> indexed = new ArrayList<>();
    assertThat(
            coordinator
                .records()
                .store()
                .childResults(fanout.id(), 0, 2, (index, seq, parts) -> indexed.add(index)))
        .isTrue();
    assertThat(indexed).containsExactly(0, 0, 0, 1);
    // The same rows as JSON lines, after the page's header line.
    Http.Response lines = http.get(base + "/results?format=jsonl");
    assertThat(lines.status()).isEqualTo(200);
    String[] split = lines.text().split("\n");
    assertThat(split).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(dev.spl.core.Json.MAPPER.readTree(split[i + 1]))
          .isEqualTo(page.path("data").get(i));
    }
  }

  private static Record taskIntent(String namespace) {
    return new Record(
        ThreadIds.derive("task", namespace, String.valueOf(System.nanoTime())),
        FleetTestSupport.USER,
        Act.INTEND,
        (ObjectNode)
            FleetTestSupport.parse(
                "{\"topic\":\"task\",\"title\":\"t\",\"namespace\":\"" + namespace + "\"}"),
        0,
        List.of());
  }
}
