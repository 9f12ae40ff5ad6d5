package dev.spl.cli.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Unfreeze;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl kill} and {@code spl unkill} read the control state back: records dated far in the
 * future do not defeat them, and a daemon that stores a record without it taking effect makes them
 * fail instead of printing a check mark.
 */
class KillReadBackTest {
  private static final long TEN_YEARS = 10L * 365 * 24 * 3600 * 1000;
  @TempDir Path home;

  private static Map<String, String> envFor(Path home) {
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    return env;
  }

  @Test
  void recordsDatedTenYearsAheadDoNotDefeatKillOrUnkill() {
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      Map<String, String> env = envFor(home);
      long future = System.currentTimeMillis() + TEN_YEARS;
      daemon
          .records()
          .append(
              new Unfreeze("ns", "did:sync:user:mallory", future)
                  .toRecord("did:sync:user:mallory", 1));

      CliRun kill = CliRun.run(env, "kill", "--namespace", "ns", "--reason", "drill");
      assertThat(kill.exitCode()).as(kill.toString()).isEqualTo(ExitCodes.OK);
      assertThat(daemon.controlGate().snapshot().freezes()).containsKey("ns");

      // A freeze dated in the future can still be lifted.
      daemon
          .records()
          .append(
              ControlRequests.freeze("other", "soft", null, "x", "did:sync:user:mallory", future)
                  .toRecord("did:sync:user:mallory", 2));
      CliRun unkill = CliRun.run(env, "unkill", "--namespace", "other");
      assertThat(unkill.exitCode()).as(unkill.toString()).isEqualTo(ExitCodes.OK);
      assertThat(daemon.controlGate().snapshot().freezes()).doesNotContainKey("other");

      daemon
          .records()
          .append(
              new EmergencyStop(false, "early", "did:sync:user:mallory", future)
                  .toRecord("did:sync:user:mallory", 3));
      CliRun stop = CliRun.run(env, "kill", "--emergency", "--reason", "drill");
      assertThat(stop.exitCode()).as(stop.toString()).isEqualTo(ExitCodes.OK);
      assertThat(daemon.controlGate().snapshot().emergency().active()).isTrue();
    }
  }

  /** A daemon that acknowledges every write and holds no control records. */
  @Test
  void aWriteThatDoesNotTakeEffectFailsLoudly() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          if ("POST".equals(exchange.getRequestMethod())) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            answer(exchange, 201, recordAnswer(body));
          } else if (exchange.getRequestURI().getPath().startsWith("/v1/threads/")) {
            answer(
                exchange,
                404,
                "{\"object\":\"error\",\"type\":\"not_found\",\"code\":\"THREAD_NOT_FOUND\","
                    + "\"message\":\"no records\"}");
          } else {
            answer(exchange, 200, "{\"object\":\"list\",\"data\":[],\"next_after\":0}");
          }
        });
    server.start();
    try {
      Map<String, String> env = envFor(home);
      env.put("SPL_URL", "http://127.0.0.1:" + server.getAddress().getPort());

      CliRun kill = CliRun.run(env, "kill", "--namespace", "ns", "--reason", "drill");
      assertThat(kill.exitCode()).as(kill.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(kill.out()).doesNotContain("✓");
      assertThat(kill.err())
          .contains("the freeze of 'ns' was sent")
          .contains("reading the control state back shows namespace 'ns' not frozen");

      CliRun stop = CliRun.run(env, "kill", "--emergency", "--reason", "drill");
      assertThat(stop.exitCode()).as(stop.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(stop.err()).contains("shows the emergency stop not active");
    } finally {
      server.stop(0);
    }
  }

  private static String recordAnswer(byte[] body) {
    var record = RecordJson.parse(CliRun.jsonOf(new String(body, StandardCharsets.UTF_8)));
    var node = RecordJson.toJson(record, record.id());
    node.put("object", "record");
    node.put("created", true);
    node.put("seq", 1);
    node.put("received_at", 0);
    assertThat(node.path("thread").asText()).isEqualTo(ThreadIds.FLEET_CONTROL);
    return node.toString();
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void aNamespaceGivenAsAWordIsPointedToItsOption() {
    Map<String, String> env = envFor(home);

    CliRun kill = CliRun.run(env, "kill", "default", "--reason", "drill");
    CliRun unkill = CliRun.run(env, "unkill", "default");

    assertThat(kill.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(kill.err())
        .contains("Unmatched argument at index 1: 'default'")
        .contains("A namespace is given with --namespace: spl kill --namespace default ...");
    assertThat(unkill.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unkill.err())
        .contains("A namespace is given with --namespace: spl unkill --namespace default ...");
    CliRun other = CliRun.run(env, "fleet", "status", "extra");
    assertThat(other.err()).doesNotContain("A namespace is given");
  }
}
