package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Ports;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.home.SettingsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spl daemon start} with fleet options: a real background daemon takes every one. */
class DaemonFleetOptionsProcessTest {
  @TempDir Path home;
  private Map<String, String> env;

  @BeforeEach
  void environment() {
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopWhateverStarted() {
    DaemonProcesses.stop(home, Duration.ofSeconds(10), true);
  }

  @Test
  void aBackgroundWorkerRunsWithTheFleetOptionsGiven() throws IOException {
    String coordinator = "http://127.0.0.1:" + Ports.closedPort();
    List<String> options =
        List.of(
            "--role",
            "worker",
            "--alias",
            "worker-q",
            "--coordinator",
            coordinator,
            "--heartbeat-interval",
            "0.2",
            "--lease",
            "1",
            "--executor",
            "echo",
            "--echo-delay",
            "0",
            "--slots",
            "2",
            "--durability",
            "fast");
    String[] args =
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of("daemon", "start", "--port", "0"), options.stream())
            .toArray(String[]::new);
    CliRun start = CliRun.run(env, args);
    assertThat(start.exitCode()).as(start.toString()).isZero();
    assertThat(start.out()).contains("role=worker");

    long pid = Long.parseLong(Files.readString(new HomeLayout(home).pidFile()).trim());
    List<String> running = LocalFleet.arguments(pid);
    assertThat(String.join(" ", running)).contains(String.join(" ", options));
    assertThat(Files.readString(new HomeLayout(home).logFile()))
        .contains("worker worker-q of " + coordinator);
  }

  @Test
  void aRestartWithoutOptionsKeepsTheSettingsAndOtherOptionsAreRefusedUnlessReconfigured()
      throws IOException {
    String coordinator = "http://127.0.0.1:" + Ports.closedPort();
    CliRun first =
        CliRun.run(
            env,
            "daemon",
            "start",
            "--wait",
            "60",
            "--port",
            "0",
            "--coordinator",
            coordinator,
            "--alias",
            "worker-q",
            "--executor",
            "shell",
            "--slots",
            "3",
            "--label",
            "zone=a",
            "--durability",
            "fast");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    InstanceSettings kept = SettingsFile.read(home).orElseThrow();
    assertThat(kept.executor()).isEqualTo(ExecutorKind.SHELL);
    assertThat(kept.slots()).isEqualTo(3);
    assertThat(kept.port()).isZero();

    CliRun differs = CliRun.run(env, "daemon", "start", "--executor", "echo", "--slots", "3");
    assertThat(differs.exitCode()).as(differs.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(differs.err())
        .contains("the running daemon of " + home)
        .contains("executor is shell, --executor echo asks for echo")
        .doesNotContain("slots is");

    assertThat(CliRun.run(env, "daemon", "stop").exitCode()).isZero();
    CliRun stopped = CliRun.run(env, "daemon", "start", "--executor", "echo");
    assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(stopped.err()).contains("the daemon of " + home);
    assertThat(DaemonProcesses.inUse(home)).isFalse();

    // No options: the worker comes back exactly as it was.
    CliRun again = CliRun.run(env, "daemon", "start", "--wait", "60");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("role=worker");
    assertThat(SettingsFile.read(home)).contains(kept);
    long pid = DaemonProcesses.livePid(home).orElseThrow();
    assertThat(String.join(" ", LocalFleet.arguments(pid))).doesNotContain("--executor");

    CliRun reconfigure =
        CliRun.run(
            env, "daemon", "start", "--executor", "echo", "--echo-delay", "0", "--reconfigure");
    assertThat(reconfigure.exitCode()).as(reconfigure.toString()).isZero();
    assertThat(reconfigure.out()).contains("reconfigured: executor is shell, --executor echo");
    assertThat(DaemonProcesses.livePid(home).orElseThrow()).isNotEqualTo(pid);
    InstanceSettings now = SettingsFile.read(home).orElseThrow();
    assertThat(now.executor()).isEqualTo(ExecutorKind.ECHO);
    assertThat(now.echoDelayMillis()).isZero();
    assertThat(now.slots()).isEqualTo(3);
    assertThat(now.labels()).containsEntry("zone", "a");
    JsonNode changes =
        CliRun.run(
                env,
                "-o",
                "json",
                "records",
                "list",
                "--thread",
                "th_instance_registry",
                "--topic",
                "settings_changed")
            .json()
            .path("data");
    assertThat(changes).hasSize(1);
    assertThat(changes.get(0).path("body").path("changed").toString())
        .isEqualTo("[\"executor\",\"echo_delay_secs\"]");
  }
}
