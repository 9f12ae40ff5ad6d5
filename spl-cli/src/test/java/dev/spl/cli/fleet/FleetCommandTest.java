package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Ports;
import dev.spl.core.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-only fleet commands against a stand-in coordinator on port 0 that answers {@code GET
 * /v1/fleet/status} with a fixture built from the core classes, and {@code /health} as the
 * coordinator and worker-a (whose endpoints point at it).
 */
class FleetCommandTest {
  // Worker homes sit beside the coordinator's, so the coordinator's home is a folder inside the
  // temporary one: everything the test creates is removed with it.
  @TempDir Path base;
  private Path home;
  private HttpServer server;
  private String url;
  private final AtomicInteger statusRequests = new AtomicInteger();
  private Map<String, String> env;

  @BeforeEach
  void startStandIn() throws IOException {
    home = base.resolve("coordinator");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    url = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext(
        "/v1/fleet/status",
        exchange -> {
          statusRequests.incrementAndGet();
          answer(exchange, 200, FleetFixture.statusJson(url));
        });
    server.createContext(
        "/health",
        exchange -> {
          ObjectNode health = Json.MAPPER.createObjectNode();
          health.put("status", "ok");
          // One server plays two instances: it answers as worker-a, so the coordinator's ping
          // shows a DID mismatch, which is what a wrong endpoint in the registry would look like.
          health.put("did", FleetFixture.WORKER_A);
          health.put("records", 42);
          answer(exchange, 200, health);
        });
    server.start();
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    env.put("SPL_URL", url);
  }

  @AfterEach
  void stopStandIn() {
    server.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Test
  void listPrintsTheTableAndTheCounts() {
    CliRun list = CliRun.run(env, "fleet", "list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("DID", FleetFixture.WORKER_A)
        .endsWith("2 live · 1 stale · 1 archived\n");
  }

  @Test
  void jsonIsTheCoordinatorsAnswer() {
    CliRun list = CliRun.run(env, "-o", "json", "fleet", "list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.json().toString()).isEqualTo(FleetFixture.statusJson(url).toString());
    CliRun status = CliRun.run(env, "fleet", "status", "-o", "json");
    assertThat(status.json().path("object").asText()).isEqualTo("fleet_status");
  }

  @Test
  void showAsksTheInstanceForItsRecordCount() {
    CliRun show = CliRun.run(env, "fleet", "show", "worker-a");
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.out()).contains("records          42").contains("3 active");

    CliRun json = CliRun.run(env, "-o", "json", "fleet", "show", FleetFixture.WORKER_A);
    assertThat(json.json().path("records").asInt()).isEqualTo(42);
    assertThat(json.json().path("free_slots").asInt()).isEqualTo(1);

    CliRun stale = CliRun.run(env, "fleet", "show", "worker-b");
    assertThat(stale.exitCode()).isZero();
    assertThat(stale.out()).contains("does not answer /health");
  }

  @Test
  void showOfAnUnknownInstanceListsTheKnownOnes() {
    CliRun show = CliRun.run(env, "fleet", "show", "worker-z");
    assertThat(show.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(show.err()).contains("no instance 'worker-z'").contains("worker-a (");
  }

  @Test
  void pingTimesEachInstanceAndFailsWhenALiveOneDoesNotAnswerAsItself() {
    CliRun ping = CliRun.run(env, "-o", "json", "fleet", "ping");
    JsonNode instances = ping.json().path("instances");
    assertThat(instances).hasSize(4);
    JsonNode workerA = instances.get(1);
    assertThat(workerA.path("alias").asText()).isEqualTo("worker-a");
    assertThat(workerA.path("ok").asBoolean()).isTrue();
    assertThat(workerA.path("rtt_ms").asDouble()).isPositive();
    // The coordinator's endpoint answers with worker-a's DID: a live instance that failed.
    assertThat(instances.get(0).path("error").asText()).contains("answered as");
    assertThat(instances.get(2).path("ok").asBoolean()).isFalse();
    assertThat(ping.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(ping.err()).contains("1 live instance(s) did not answer");

    CliRun text = CliRun.run(env, "fleet", "ping");
    assertThat(text.out()).contains("RTT").containsPattern("worker-a .* [0-9.]+ ms +ok");
  }

  @Test
  void liveStatusPrintsSuccessiveSnapshotsWhenNotATerminal() {
    CliRun live = CliRun.run(env, "fleet", "status", "--live", "--interval", "0.1", "--count", "3");
    assertThat(live.exitCode()).as(live.toString()).isZero();
    assertThat(live.out().lines().filter(line -> line.equals("Fleet status")).count()).isEqualTo(3);
    assertThat(live.out().lines().filter(line -> line.startsWith("--- ")).count()).isEqualTo(3);
    assertThat(live.out()).doesNotContain("\033[");
    assertThat(statusRequests.get()).isEqualTo(3);

    CliRun json =
        CliRun.run(
            env, "-o", "json", "fleet", "status", "--live", "--count", "2", "--interval", "0.1");
    List<String> lines = json.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines)
        .allSatisfy(line -> assertThat(line).startsWith("{\"object\":\"fleet_status\""));
  }

  @Test
  void liveOptionsNeedLive() {
    CliRun run = CliRun.run(env, "fleet", "status", "--count", "2");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("--count").contains("--live");
  }

  @Test
  void anUnreachableCoordinatorIsExitThreeNamingTheUrl() throws IOException {
    String closed = "http://127.0.0.1:" + Ports.closedPort();
    env.put("SPL_URL", closed);
    for (String command : List.of("list", "status", "ping")) {
      CliRun run = CliRun.run(env, "fleet", command);
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(run.err()).contains(closed).contains("SPL_URL");
    }
    CliRun show = CliRun.run(env, "fleet", "show", "worker-a");
    assertThat(show.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
  }

  @Test
  void startRefusesWorkerCountsOutsideTheCap() {
    for (String workers : List.of("0", "-1", "27")) {
      CliRun run = CliRun.run(env, "fleet", "start", "--workers", workers);
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(run.err()).contains("--workers: expected 1..26");
    }
    CliRun ports = CliRun.run(env, "fleet", "start", "--workers", "3", "--worker-port", "65534");
    assertThat(ports.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(ports.err()).contains("--worker-port").contains("worker-c");
    // Nothing was started.
    assertThat(home.resolve("daemon.pid")).doesNotExist();
  }

  @Test
  void stopWhenNothingRunsIsCalm() throws IOException {
    Files.createDirectories(home.resolveSibling(home.getFileName() + "-worker-a"));
    CliRun stop = CliRun.run(env, "fleet", "stop", "--all");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out()).contains("nothing to stop").contains("1 worker homes");

    CliRun workers = CliRun.run(env, "fleet", "stop", "--workers");
    assertThat(workers.exitCode()).isZero();
    assertThat(workers.out()).contains("nothing to stop");
  }

  @Test
  void stopNeedsExactlyOneTarget() {
    CliRun none = CliRun.run(env, "fleet", "stop");
    assertThat(none.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    CliRun two = CliRun.run(env, "fleet", "stop", "--all", "--workers");
    assertThat(two.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    CliRun unknown = CliRun.run(env, "fleet", "stop", "--instance", "worker-q");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("worker-q").contains("known: coordinator");
  }

  @Test
  void onATerminalLiveStatusRedrawsInPlaceAndShowsTheCursorAgain() {
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out =
        new java.io.PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8);
    CliContext context = CliRun.context(java.io.InputStream.nullInputStream(), out, out, env);
    int exit =
        new FleetCommand.LiveView(context, java.time.Duration.ofMillis(100), 2)
            .run((snapshot, compact) -> FleetText.status(out, snapshot), true);
    String text = buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(exit).isZero();
    assertThat(text).startsWith("\033[?25l").endsWith("\033[?25h");
    assertThat(text.split("\033\\[H\033\\[2J", -1)).hasSize(3);
    assertThat(text).contains("refreshing every 0.1s · Ctrl-C to quit").doesNotContain("--- ");
  }
}
