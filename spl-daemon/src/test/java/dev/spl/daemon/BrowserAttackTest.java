package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a web page could do to a worker without a token: post it a child whose command the worker
 * runs. A cross-site "simple" request and a DNS-rebound page are refused and nothing is stored or
 * run; the same record sent the way a daemon sends it runs, so the test would see a run.
 */
class BrowserAttackTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();
  @TempDir Path dir;
  private Daemon coordinator;
  private Daemon worker;
  private Path marker;
  private String child;
  private String signedChild;

  @BeforeEach
  void start() {
    coordinator = fleet.coordinator();
    worker =
        fleet.worker(
            coordinator,
            "worker-a",
            settings ->
                settings
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(FleetSettings.DEFAULT_ECHO_DELAY));
    marker = dir.resolve("pwned.txt");
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.CHILD);
    body.put("namespace", "default");
    body.put("fanout", "e".repeat(64));
    body.put("parent_thread", ThreadIds.derive("parent"));
    body.put("index", 0);
    body.put("attempt", 1);
    body.put("worker", worker.did());
    body.put("goal", "page");
    body.put("run", "id > " + marker);
    body.putArray("inputs");
    Record record =
        new Record(
            ThreadIds.derive("e".repeat(64), "0", "page"),
            coordinator.did(),
            Act.INTEND,
            body,
            1,
            List.of());
    child = RecordJson.toJson(record, record.id()).toString();
    ObjectNode request = Json.MAPPER.createObjectNode();
    request.putArray("records").add(RecordJson.toJson(record, record.id()));
    request.set("signature", coordinator.trust().key().sign(List.of(record.id())).toJson());
    signedChild = request.toString();
  }

  private RawHttp.Response post(String... headers) {
    return RawHttp.exchange(
        worker.port(), RawHttp.request("POST /v1/records HTTP/1.1", child, headers));
  }

  @Test
  void aPageCannotMakeAWorkerRunACommand() {
    String host = "Host: 127.0.0.1:" + worker.port();
    long before = worker.records().count();

    // A cross-site form or fetch without preflight: text/plain, from the page's origin.
    RequestGuardTest.assertError(
        post(host, "Content-Type: text/plain", "Origin: http://evil.example"),
        403,
        "FOREIGN_ORIGIN",
        "evil.example");
    RequestGuardTest.assertError(
        post(host, "Content-Type: text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", "text/plain");
    // A page whose name was rebound to 127.0.0.1: same origin for the browser, foreign Host here.
    RequestGuardTest.assertError(
        post(
            "Host: evil.example:" + worker.port(),
            "Content-Type: application/json",
            "Origin: http://evil.example:" + worker.port()),
        403,
        "FOREIGN_HOST",
        "evil.example");
    RequestGuardTest.assertError(
        post("Host: evil.example:" + worker.port(), "Content-Type: application/json"),
        403,
        "FOREIGN_HOST",
        "evil.example");
    assertThat(worker.records().count()).isEqualTo(before);
    assertThat(marker).doesNotExist();

    // A local program can send any header, and the record names the coordinator as its actor,
    // but it is not signed by the coordinator: refused, nothing stored or run.
    RequestGuardTest.assertError(
        post(host, "Content-Type: application/json"), 403, "ACTOR_NOT_SIGNER", "not signed");
    assertThat(worker.records().count()).isEqualTo(before);

    // Signed by the coordinator, as its outbox sends it, the same child runs: the checks above are
    // what stopped it.
    Await.until(
        "the worker learned its coordinator", () -> worker.trust().coordinator().isPresent());
    RawHttp.Response signed =
        RawHttp.exchange(
            worker.port(),
            RawHttp.request(
                "POST /v1/records HTTP/1.1", signedChild, host, "Content-Type: application/json"));
    assertThat(signed.status()).isEqualTo(201);
    Await.until("the child ran", () -> Files.exists(marker));
    assertThat(marker).exists();
  }
}
