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
    // worker-a (whose endpoint is this server) runs one child of task DOCS-1.
    String taskThread = dev.spl.core.ThreadIds.derive("task", "docs");
    server.createContext(
        "/v1/children",
        exchange -> {
          ObjectNode list = Json.MAPPER.createObjectNode();
          list.put("object", "list");
          ObjectNode child = list.putArray("data").addObject();
          child.put("child_thread", dev.spl.core.ThreadIds.derive("child", "0"));
          child.put("parent_thread", taskThread);
          child.put("fanout", "f".repeat(64));
          child.put("namespace", "docs");
          child.put("index", 2);
          child.put("attempt", 1);
          child.put("goal", "Merge A and B");
          child.put("started_at", FleetFixture.NOW - 3_200);
          child.put("elapsed_ms", 3_200);
          child.put("spent_usd", new java.math.BigDecimal("0.12"));
          list.put("slots", 4);
          answer(exchange, 200, list);
        });
    server.createContext(
        "/v1/records",
        exchange -> {
          ObjectNode body = Json.MAPPER.createObjectNode();
          body.put("topic", "task");
          body.put("title", "Write the docs");
          body.put("alias", "DOCS-1");
          dev.spl.core.Record record =
              new dev.spl.core.Record(
                  taskThread, "did:sync:user:tester", dev.spl.core.Act.INTEND, body, 0, List.of());
          ObjectNode page = Json.MAPPER.createObjectNode();
          page.put("object", "list");
          boolean tasks = exchange.getRequestURI().getQuery().contains("topic=task");
          if (tasks && !exchange.getRequestURI().getQuery().contains("after=1")) {
            page.putArray("data")
                .add(
                    dev.spl.core.RecordJson.toJson(
                        new dev.spl.core.StoredRecord(record.id(), record, 1, FleetFixture.T0)));
            page.put("next_after", 1);
          } else {
            page.putArray("data");
            page.put("next_after", 1);
          }
          answer(exchange, 200, page);
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
  void statusListsTheChildrenEachLiveWorkerRunsWithTheirTask() {
    CliRun status = CliRun.run(env, "fleet", "status");
    assertThat(status.exitCode()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("  running children\n")
        .containsPattern("INSTANCE +TASK +SUBTASK +ATTEMPT +ELAPSED +SPENT +GOAL")
        .containsPattern("worker-a +DOCS-1 +2 +1 +3\\.2s +\\$0\\.1200 +Merge A and B");
    JsonNode json = CliRun.run(env, "-o", "json", "fleet", "status").json();
    JsonNode child = json.path("running_children").get(0);
    assertThat(child.path("instance").asText()).isEqualTo("worker-a");
    assertThat(child.path("task").asText()).isEqualTo("DOCS-1");
    assertThat(child.path("subtask").asInt()).isEqualTo(2);
    assertThat(child.path("elapsed_ms").asLong()).isEqualTo(3_200);
    assertThat(child.path("spent_usd").decimalValue()).isEqualByComparingTo("0.12");
    assertThat(json.path("running_children")).hasSize(1);
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
  void startRefusesOptionsThatDoNotHoldTogetherNamingTheMemberAndTheOption() {
    CliRun delay =
        CliRun.run(
            env, "fleet", "start", "--workers", "1", "--executor", "shell", "--echo-delay", "-1");
    assertThat(delay.exitCode()).as(delay.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(delay.err()).contains("--echo-delay");
    CliRun slots = CliRun.run(env, "fleet", "start", "--workers", "1", "--slots", "0");
    assertThat(slots.exitCode()).as(slots.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(slots.err()).contains("worker-a: --slots: expected 1..256 but found 0");
    CliRun template =
        CliRun.run(env, "fleet", "start", "--workers", "1", "--command-template", "agent");
    assertThat(template.exitCode()).as(template.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(template.err()).contains("--command-template: applies to --executor command only");
    for (String depth : List.of("0", "-1", "17")) {
      CliRun deep =
          CliRun.run(env, "fleet", "start", "--workers", "1", "--max-fanout-depth", depth);
      assertThat(deep.exitCode()).as(deep.toString()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(deep.err())
          .contains("coordinator: --max-fanout-depth: expected 1..16 but found " + depth);
    }
    CliRun word = CliRun.run(env, "fleet", "start", "--workers", "1", "--max-fanout-depth", "two");
    assertThat(word.exitCode()).as(word.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(word.err()).contains("--max-fanout-depth");
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
