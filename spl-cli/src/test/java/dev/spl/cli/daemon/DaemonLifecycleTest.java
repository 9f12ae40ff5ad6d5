package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.HomeLayout;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spl daemon start|status|stop} with a real background daemon process. */
class DaemonLifecycleTest {
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
    DaemonProcesses.livePid(home)
        .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void startStatusStopOfABackgroundDaemon() throws IOException {
    CliRun start = CliRun.run(env, "daemon", "start", "--port", "0");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    assertThat(start.out())
        .contains("spl daemon started", "role=coordinator", "pid=", "home=" + home);
    long pid = Long.parseLong(Files.readString(new HomeLayout(home).pidFile()).trim());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

    CliRun again = CliRun.run(env, "-o", "json", "daemon", "start", "--port", "0");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.json().path("already_running").asBoolean()).isTrue();
    assertThat(again.json().path("pid").asLong()).isEqualTo(pid);

    String thread = "th_" + "c3".repeat(32);
    CliRun emit = CliRun.run(env, "records", "emit", "--thread", thread, "--act", "INTEND");
    assertThat(emit.exitCode()).as(emit.toString()).isZero();

    CliRun status = CliRun.run(env, "-o", "json", "daemon", "status");
    assertThat(status.exitCode()).as(status.toString()).isZero();
    JsonNode json = status.json();
    assertThat(json.path("pid").asLong()).isEqualTo(pid);
    assertThat(json.path("health").path("records").asLong()).isEqualTo(1);
    assertThat(json.path("url").asText()).startsWith("http://127.0.0.1:");

    CliRun stop = CliRun.run(env, "daemon", "stop");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out()).contains("pid " + pid).contains("stopped");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    // Removed by the daemon's own shutdown hook: the SIGTERM led to a clean shutdown.
    assertThat(new HomeLayout(home).endpointFile()).doesNotExist();
    assertThat(new HomeLayout(home).pidFile()).doesNotExist();

    CliRun statusAfter = CliRun.run(env, "daemon", "status");
    assertThat(statusAfter.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(statusAfter.err()).contains("no spl daemon is running");

    CliRun stopAgain = CliRun.run(env, "daemon", "stop");
    assertThat(stopAgain.exitCode()).isZero();
    assertThat(stopAgain.out()).contains("nothing to stop");
  }

  @Test
  void startOnABusyPortFailsWithTheTailOfTheLog() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun start =
          CliRun.run(
              env,
              "daemon",
              "start",
              "--port",
              Integer.toString(busy.getLocalPort()),
              "--wait",
              "30");
      assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(start.err())
          .contains("exited with code")
          .contains("daemon.log")
          .contains(Integer.toString(busy.getLocalPort()));
    }
    assertThat(DaemonProcesses.livePid(home)).isEmpty();
  }
}
