package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.core.Json;
import dev.spl.core.home.SettingsFile;
import dev.spl.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl fleet start --tls-cert --tls-key} with the fleet's own CA: every instance serves
 * HTTPS, data fan-outs run across them as users run them ({@code --range} and {@code --items} with
 * {@code --shard-size}, echo children in compute mode, results in shard order), and a restart
 * without any option serves HTTPS again with the echo mode and the children cap it was started with
 * (all kept in each home's settings.json). Real background daemons.
 */
class FleetTlsProcessTest {
  @TempDir Path base;
  private Path home;
  private Map<String, String> env;
  private TestCertificates.Authority ca;
  private TestCertificates.Leaf cert;

  @BeforeEach
  void environment() throws Exception {
    home = base.resolve("fleet");
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    Path pki = Files.createDirectories(base.resolve("pki"));
    ca = TestCertificates.authority(pki, "fleet-ca");
    cert = ca.issue(pki, "local-fleet", "127.0.0.1", "localhost");
  }

  @AfterEach
  void stopEverything() {
    List<Path> homes = new ArrayList<>(new LocalFleet(home).existingWorkerHomes());
    homes.add(home);
    for (Path each : homes) {
      DaemonProcesses.stop(each, Duration.ofSeconds(10), true);
      DaemonProcesses.livePid(each)
          .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isZero();
    return run;
  }

  private static JsonNode settings(Path home) throws Exception {
    return Json.parse(Files.readAllBytes(SettingsFile.of(home)));
  }

  @Test
  void aFleetStartedWithTlsServesHttpsRunsAFanOutAndKeepsItsSettingsOverARestart()
      throws Exception {
    JsonNode started =
        ok(
                "--tls-ca",
                ca.pem().toString(),
                "-o",
                "json",
                "fleet",
                "start",
                "--workers",
                "2",
                "--port",
                "0",
                "--worker-port",
                "0",
                "--heartbeat-interval",
                "0.2",
                "--timeout",
                "240",
                "--echo-delay",
                "0",
                "--echo-mode",
                "compute",
                "--max-children",
                "50",
                "--tls-cert",
                cert.cert().toString(),
                "--tls-key",
                cert.key().toString())
            .json();
    assertThat(started.path("coordinator_url").asText()).startsWith("https://127.0.0.1:");
    for (JsonNode instance : started.path("instances")) {
      assertThat(instance.path("url").asText()).as(instance.toString()).startsWith("https://");
    }

    env.put("SPL_TLS_CA", ca.pem().toString());
    ok("task", "add", "Sum a range", "--alias", "SUM-1");
    ok(
        "task",
        "fan-out",
        "SUM-1",
        "--range",
        "0..100",
        "--shard-size",
        "10",
        "--template",
        "goal=Sum shard {{shard}}",
        "--join",
        "all");
    ok("task", "join-status", "SUM-1", "--watch", "--timeout", "240");
    JsonNode results = ok("-o", "json", "task", "results", "SUM-1").json();
    // In shard order, each summed by a compute-mode echo child over its slice of the range.
    assertThat(results).hasSize(10);
    for (int i = 0; i < 10; i++) {
      JsonNode row = results.get(i);
      assertThat(row.path("index").asInt()).isEqualTo(i);
      long from = 10L * i;
      assertThat(row.path("iter_from").asLong()).isEqualTo(from);
      assertThat(row.path("result").path("value").asLong()).isEqualTo(10 * from + 45);
    }
    // Over the cap kept by the coordinator: refused.
    Path numbers = base.resolve("numbers.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= 25; i++) {
      lines.append(i).append('\n');
    }
    Files.writeString(numbers, lines);
    ok("task", "add", "Sum a file", "--alias", "ITEMS-1");
    ok(
        "task",
        "fan-out",
        "ITEMS-1",
        "--items",
        numbers.toString(),
        "--template",
        "goal=Sum shard {{shard}} of {{n}}",
        "--shard-size",
        "10",
        "--join",
        "all");
    ok("task", "join-status", "ITEMS-1", "--watch", "--timeout", "240");
    JsonNode sums = ok("-o", "json", "task", "results", "ITEMS-1").json();
    assertThat(sums).hasSize(3);
    long[] expected = {55, 155, 115};
    for (int i = 0; i < 3; i++) {
      assertThat(sums.get(i).path("index").asInt()).isEqualTo(i);
      assertThat(sums.get(i).path("result").path("value").asLong()).isEqualTo(expected[i]);
    }

    ok("task", "add", "Too wide", "--alias", "WIDE-1");
    CliRun wide =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "WIDE-1",
            "--range",
            "0..100",
            "--template",
            "goal=one point {{index}}",
            "--join",
            "all");
    assertThat(wide.exitCode()).as(wide.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(wide.err()).contains("100 children but the coordinator allows at most 50");

    JsonNode kept = settings(home);
    assertThat(kept.path("tls_cert").asText()).isEqualTo(cert.cert().toString());
    assertThat(kept.path("tls_ca").asText()).isEqualTo(ca.pem().toString());
    assertThat(kept.path("max_children").asInt()).isEqualTo(50);
    JsonNode worker = settings(new LocalFleet(home).workerHome("worker-a"));
    assertThat(worker.path("echo_mode").asText()).isEqualTo("compute");
    assertThat(worker.path("tls_key").asText()).isEqualTo(cert.key().toString());

    ok("fleet", "stop", "--all");
    // No TLS option and no CA given: the homes keep both.
    env.remove("SPL_TLS_CA");
    JsonNode again =
        ok("-o", "json", "fleet", "start", "--workers", "2", "--timeout", "240").json();
    assertThat(again.path("coordinator_url").asText()).startsWith("https://127.0.0.1:");
    assertThat(settings(home)).isEqualTo(kept);
    assertThat(settings(new LocalFleet(home).workerHome("worker-a")).path("echo_mode").asText())
        .isEqualTo("compute");

    CliRun other = CliRun.run(env, "fleet", "start", "--workers", "2", "--echo-mode", "plain");
    assertThat(other.exitCode()).as(other.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(other.err()).contains("echo mode is compute, --echo-mode plain asks for plain");
  }
}
