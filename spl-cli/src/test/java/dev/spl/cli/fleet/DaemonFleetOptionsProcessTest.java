package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.Ports;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.daemon.DaemonProcesses;
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
}
