package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's read-only routes about its children ({@code GET /v1/children}, {@code GET
 * /v1/children/{thread}/output}): a coordinator and a real shell worker in one JVM, both with a
 * token, as a local fleet has.
 */
class ChildRoutesTest {
  private static final String TOKEN = "child-routes-token-0123456789";
  private static final String BEARER = "Bearer " + TOKEN;

  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config.toBuilder().token(TOKEN).build());
    daemons.add(daemon);
    return daemon;
  }

  private Daemon coordinator() {
    return start(FleetTestSupport.coordinatorConfig(dir.resolve("coordinator")));
  }

  private Daemon shellWorker(Daemon coordinator) {
    Daemon worker =
        start(
            DaemonConfig.builder(dir.resolve("worker-a"))
                .port(0)
                .durability(Durability.FAST)
                .fleet(
                    FleetSettings.builder()
                        .worker("worker-a", coordinator.url())
                        .heartbeatInterval(FleetTestSupport.INTERVAL)
                        .executor(FleetSettings.ExecutorKind.SHELL)
                        .echoDelay(Duration.ZERO)
                        .build())
                .build());
    FleetTestSupport.awaitLiveWorkers(coordinator, 1);
    return worker;
  }

  /** A fan-out as the CLI writes it, sent with the fleet's token. */
  private static FleetTestSupport.FanoutHandle fanOut(
      Daemon coordinator, String namespace, String join, List<String> descriptors) {
    String thread = ThreadIds.derive("task", java.util.UUID.randomUUID().toString());
    List<Record> records = FleetTestSupport.fanoutRecords(thread, namespace, join, descriptors);
    ArrayNode array = Json.MAPPER.createArrayNode();
    records.forEach(r -> array.add(RecordJson.toJson(r, r.id())));
    Http.Response response =
        new Http(coordinator.url(), BEARER).post("/v1/records", array.toString());
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    Record parent = records.get(records.size() - 1);
    return new FleetTestSupport.FanoutHandle(parent.id(), thread, namespace, descriptors.size());
  }

  private static Optional<ChildDone> result(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int index) {
    return onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
        .map(stored -> ChildDone.fromBody(stored.record().body()))
        .filter(done -> done.index() == index)
        .findFirst();
  }

  private static String childThread(Daemon worker, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the worker has the child", () -> !FleetTestSupport.childIntents(worker, fanout).isEmpty());
    StoredRecord intent = FleetTestSupport.childIntents(worker, fanout).get(0);
    return intent.record().thread();
  }

  @Test
  void theWholeOutputOfAnAttemptIsServedWithItsExitCodeReported() {
    Daemon coordinator = coordinator();
    Daemon worker = shellWorker(coordinator);
    StringBuilder script = new StringBuilder();
    // 30 lines: more than the 20 of the summary, so the route must serve the file, not the tail.
    script.append("for i in $(seq 1 30); do echo line $i; done; exit 7");
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator, "docs", "all", List.of("{\"goal\":\"count\",\"run\":\"" + script + "\"}"));
    Await.until("the child reported", () -> result(coordinator, fanout, 0).isPresent());
    ChildDone done = result(coordinator, fanout, 0).orElseThrow();
    assertThat(done.exitCode()).isEqualTo(7);
    assertThat(done.summary()).startsWith("line 11\n").endsWith("line 30");

    String thread = childThread(worker, fanout);
    Http http = new Http(worker.url(), BEARER);
    Http.Response output = http.get("/v1/children/" + thread + "/output?attempt=1");
    assertThat(output.status()).as(output.text()).isEqualTo(200);
    assertThat(output.text()).startsWith("line 1\nline 2\n").endsWith("line 30\n");
    assertThat(output.text().lines()).hasSize(30);
    assertThat(http.get("/v1/children/" + thread + "/output").text()).isEqualTo(output.text());

    Http.Response noToken = new Http(worker.url()).get("/v1/children/" + thread + "/output");
    assertThat(noToken.status()).isEqualTo(401);
    Http.Response otherAttempt = http.get("/v1/children/" + thread + "/output?attempt=2");
    assertThat(otherAttempt.status()).isEqualTo(404);
    assertThat(otherAttempt.json().path("code").asText()).isEqualTo("ATTEMPT_NOT_FOUND");
    assertThat(otherAttempt.json().path("message").asText()).contains("it received attempts [1]");
    Http.Response badAttempt = http.get("/v1/children/" + thread + "/output?attempt=0");
    assertThat(badAttempt.status()).isEqualTo(400);
    assertThat(badAttempt.json().path("message").asText())
        .isEqualTo("attempt: expected a whole number >= 1 but found '0'");
    Http.Response unknownParameter = http.get("/v1/children/" + thread + "/output?path=/etc");
    assertThat(unknownParameter.status()).isEqualTo(400);
  }

  @Test
  void onlyThatChildsOutputFileIsServed() throws Exception {
    Daemon coordinator = coordinator();
    Daemon worker = shellWorker(coordinator);
    FleetTestSupport.FanoutHandle fanout =
        fanOut(coordinator, "docs", "all", List.of("{\"goal\":\"link\",\"run\":\"echo first\"}"));
    Await.until("the child reported", () -> result(coordinator, fanout, 0).isPresent());
    String thread = childThread(worker, fanout);
    Http http = new Http(worker.url(), BEARER);

    for (String path :
        List.of(
            "/v1/children/..%2F..%2Ftoken/output",
            "/v1/children/th_fleet_control/output",
            "/v1/children/th_" + "A".repeat(64) + "/output")) {
      Http.Response refused = http.get(path);
      assertThat(refused.status()).as(path).isEqualTo(400);
    }
    Http.Response unknown = http.get("/v1/children/" + ThreadIds.derive("x") + "/output");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().path("code").asText()).isEqualTo("CHILD_NOT_FOUND");

    // A child that replaces its output file with a link to a file outside gets nothing served.
    Path log;
    try (Stream<Path> files = Files.walk(worker.home().resolve("work"))) {
      log = files.filter(p -> p.getFileName().toString().equals("output-1.log")).findFirst().get();
    }
    Files.delete(log);
    Files.createSymbolicLink(log, worker.home().resolve("instance.json"));
    Http.Response linked = http.get("/v1/children/" + thread + "/output");
    assertThat(linked.status()).isEqualTo(404);
    assertThat(linked.json().path("code").asText()).isEqualTo("OUTPUT_NOT_FOUND");
    assertThat(linked.text()).doesNotContain(worker.did());

    Http.Response onCoordinator =
        new Http(coordinator.url(), BEARER).get("/v1/children/" + thread + "/output");
    assertThat(onCoordinator.status()).isEqualTo(404);
    assertThat(onCoordinator.json().path("code").asText()).isEqualTo("NOT_A_WORKER");
  }

  @Test
  void onlyFilesInsideTheAttemptsOutputFolderAreServed() throws Exception {
    Daemon coordinator = coordinator();
    Daemon worker = shellWorker(coordinator);
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "docs",
            "all",
            List.of(
                "{\"goal\":\"files\",\"run\":\"printf part > $SPL_OUTPUT_DIR/p.txt; ln -s"
                    + " ../output-1.log $SPL_OUTPUT_DIR/link\"}"));
    Await.until("the child reported", () -> result(coordinator, fanout, 0).isPresent());
    ChildDone done = result(coordinator, fanout, 0).orElseThrow();
    // The link is not a regular file: it is no reference.
    assertThat(done.output().refs()).extracting(ref -> ref.path()).containsExactly("p.txt");
    String thread = childThread(worker, fanout);
    Http http = new Http(worker.url(), BEARER);
    Http.Response file = http.get("/v1/children/" + thread + "/files?attempt=1&path=p.txt");
    assertThat(file.status()).as(file.text()).isEqualTo(200);
    assertThat(file.text()).isEqualTo("part");
    for (String path : List.of("..%2Foutput-1.log", "%2Fetc%2Fpasswd", "a%2F%2Fb", "")) {
      Http.Response refused = http.get("/v1/children/" + thread + "/files?attempt=1&path=" + path);
      assertThat(refused.status()).as(path).isEqualTo(400);
      assertThat(refused.json().path("message").asText()).as(path).startsWith("path: expected");
    }
    Http.Response linked = http.get("/v1/children/" + thread + "/files?attempt=1&path=link");
    assertThat(linked.status()).isEqualTo(404);
    assertThat(linked.json().path("code").asText()).isEqualTo("FILE_NOT_FOUND");
    assertThat(http.get("/v1/children/" + thread + "/files?path=p.txt").status()).isEqualTo(400);
  }

  @Test
  void theRunningChildrenAreListedWithWhatTheyHaveSpentSoFar() throws Exception {
    Daemon coordinator = coordinator();
    Daemon worker = shellWorker(coordinator);
    Path release = dir.resolve("release");
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "docs",
            "all",
            List.of(
                "{\"goal\":\"spend\",\"run\":\"echo '{\\\"cost_usd\\\": 0.125}'; while [ ! -f "
                    + release
                    + " ]; do sleep 0.05; done\"}"));
    Http http = new Http(worker.url(), BEARER);
    Await.until(
        "the running child reports its spend",
        () -> {
          JsonNode data = http.get("/v1/children").json().path("data");
          return data.size() == 1 && data.get(0).path("spent_usd").decimalValue().signum() > 0;
        });
    JsonNode list = http.get("/v1/children").json();
    JsonNode child = list.path("data").get(0);
    assertThat(list.path("object").asText()).isEqualTo("list");
    assertThat(list.path("slots").asInt()).isEqualTo(4);
    assertThat(child.path("parent_thread").asText()).isEqualTo(fanout.thread());
    assertThat(child.path("fanout").asText()).isEqualTo(fanout.id());
    assertThat(child.path("index").asInt()).isZero();
    assertThat(child.path("attempt").asInt()).isEqualTo(1);
    assertThat(child.path("goal").asText()).isEqualTo("spend");
    assertThat(child.path("spent_usd").decimalValue()).isEqualByComparingTo("0.125");
    assertThat(child.path("elapsed_ms").asLong()).isNotNegative();
    assertThat(new Http(worker.url()).get("/v1/children").status()).isEqualTo(401);

    Files.writeString(release, "");
    Await.until("the child finished", () -> result(coordinator, fanout, 0).isPresent());
    Await.until("no child runs", () -> http.get("/v1/children").json().path("data").isEmpty());
  }
}
