package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real fleet: a coordinator and workers as background processes started by {@code spl fleet
 * start} in a temporary home on free ports, with a short heartbeat interval so a killed worker
 * turns stale quickly.
 */
class FleetProcessTest {
  private static final long WAIT_MILLIS = 60_000;

  @TempDir Path base;
  private Path home;
  private Map<String, String> env;

  @BeforeEach
  void environment() {
    home = base.resolve("fleet");
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
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

  private CliRun spl(String... args) {
    return CliRun.run(env, args);
  }

  private CliRun startFleet(int workers) {
    CliRun start =
        spl(
            "fleet",
            "start",
            "--workers",
            Integer.toString(workers),
            "--port",
            "0",
            "--worker-port",
            "0",
            "--heartbeat-interval",
            "0.2",
            "--echo-delay",
            "0",
            "--timeout",
            "60");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    return start;
  }

  private JsonNode status() {
    CliRun list = spl("-o", "json", "fleet", "list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    return list.json();
  }

  private static Map<String, JsonNode> byAlias(JsonNode status) {
    Map<String, JsonNode> instances = new HashMap<>();
    for (JsonNode instance : status.path("instances")) {
      instances.put(instance.path("alias").asText(), instance);
    }
    return instances;
  }

  private String statusOf(String alias) {
    JsonNode instance = byAlias(status()).get(alias);
    return instance == null ? "missing" : instance.path("status").asText();
  }

  @Test
  void startListStopRestartWithTheSameDidsAndAKilledWorkerTurnsStaleThenComesBack()
      throws IOException {
    CliRun start = startFleet(2);
    assertThat(start.out())
        .contains("[coordinator] spawned coordinator PID")
        .contains("[worker-a] spawned worker PID")
        .contains("[worker-b] spawned worker PID")
        .contains("fleet converged");
    assertThat(home.resolveSibling("fleet-worker-a").resolve("daemon.pid")).exists();

    CliRun list = spl("fleet", "list");
    assertThat(list.out()).as(list.toString()).contains("3 live · 0 stale · 0 archived");
    Map<String, JsonNode> first = byAlias(status());
    String didA = first.get("worker-a").path("did").asText();
    String didB = first.get("worker-b").path("did").asText();
    assertThat(first.get("coordinator").path("role").asText()).isEqualTo("coordinator");

    CliRun show = spl("fleet", "show", "worker-a");
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.out()).contains(didA).contains("free of");

    CliRun stopWorkers = spl("fleet", "stop", "--workers");
    assertThat(stopWorkers.exitCode()).as(stopWorkers.toString()).isZero();
    assertThat(stopWorkers.out()).contains("[worker-a] stopped").contains("[worker-b] stopped");
    Await.until(
        "no live worker after fleet stop --workers",
        Duration.ofMillis(WAIT_MILLIS),
        () -> !statusOf("worker-a").equals("live") && !statusOf("worker-b").equals("live"));
    assertThat(statusOf("coordinator")).isEqualTo("live");

    CliRun stopAll = spl("fleet", "stop", "--all");
    assertThat(stopAll.exitCode()).as(stopAll.toString()).isZero();
    assertThat(stopAll.out()).contains("[coordinator] stopped");
    assertThat(spl("fleet", "list").exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    CliRun stopAgain = spl("fleet", "stop", "--all");
    assertThat(stopAgain.out()).contains("nothing to stop");

    // The worker homes persist: the same workers come back with the same DIDs.
    startFleet(2);
    Map<String, JsonNode> second = byAlias(status());
    assertThat(second.get("worker-a").path("did").asText()).isEqualTo(didA);
    assertThat(second.get("worker-b").path("did").asText()).isEqualTo(didB);

    // kill -9 of worker-a: no last heartbeat, so it turns stale by age.
    Path homeA = home.resolveSibling("fleet-worker-a");
    OptionalLong pidA = DaemonProcesses.livePid(homeA);
    assertThat(pidA).isPresent();
    ProcessHandle.of(pidA.getAsLong()).orElseThrow().destroyForcibly();
    Await.until(
        "worker-a stale after kill -9",
        Duration.ofMillis(WAIT_MILLIS),
        () -> statusOf("worker-a").equals("stale"));
    assertThat(statusOf("worker-b")).isEqualTo("live");

    // Starting the fleet again reuses worker-b and brings worker-a back under its DID.
    CliRun again = startFleet(2);
    assertThat(again.out())
        .contains("[worker-b] already running")
        .contains("[worker-a] spawned worker");
    Map<String, JsonNode> third = byAlias(status());
    assertThat(third.get("worker-a").path("did").asText()).isEqualTo(didA);
    assertThat(third.get("worker-a").path("status").asText()).isEqualTo("live");
  }

  @Test
  void resetRefusesWhileAFanOutIsOpenThenDeletesEveryHomeAndTheFleetStartsFromScratch() {
    CliRun start =
        spl(
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
            "--echo-delay",
            "60",
            "--timeout",
            "60");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    Path homeA = home.resolveSibling("fleet-worker-a");
    Path homeB = home.resolveSibling("fleet-worker-b");
    assertThat(spl("task", "add", "Slow", "--alias", "RS-1").exitCode()).isZero();
    CliRun fan = spl("task", "fan-out", "RS-1", "--subtask", "goal=wait a minute", "--join", "all");
    assertThat(fan.exitCode()).as(fan.toString()).isZero();

    CliRun refused = spl("fleet", "reset");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(refused.err())
        .contains("cannot reset: a fan-out is still open: RS-1 (0/1 completed)")
        .contains("spl task cancel RS-1")
        .contains("--force");
    assertThat(home).isDirectory();
    assertThat(DaemonProcesses.livePid(home)).isPresent();

    assertThat(spl("task", "cancel", "RS-1").exitCode()).isZero();
    Await.until(
        "the cancelled fan-out is closed",
        Duration.ofMillis(WAIT_MILLIS),
        () -> spl("task", "show", "RS-1").out().contains("cancelled"));
    CliRun reset = spl("fleet", "reset");
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(reset.out())
        .contains("[worker-a] stopped", "[worker-b] stopped", "[coordinator] stopped")
        .contains("deleted " + home)
        .contains("deleted " + homeA)
        .contains("the fleet is reset");
    assertThat(home).doesNotExist();
    assertThat(homeA).doesNotExist();
    assertThat(homeB).doesNotExist();

    // From scratch: the alias is free again, and the fleet gets new DIDs.
    startFleet(1);
    CliRun again = spl("task", "add", "Slow", "--alias", "RS-1");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(spl("fleet", "stop", "--all").exitCode()).isZero();

    // The coordinator is down: spl cannot tell whether fan-outs are open, so only --force resets.
    CliRun blind = spl("fleet", "reset");
    assertThat(blind.exitCode()).as(blind.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(blind.err()).contains("is not running, so spl cannot tell");
    assertThat(home).isDirectory();
    CliRun forced = spl("fleet", "reset", "--force");
    assertThat(forced.exitCode()).as(forced.toString()).isZero();
    assertThat(home).doesNotExist();
    assertThat(homeA).doesNotExist();
    assertThat(spl("fleet", "reset").out()).contains("nothing to reset");
  }

  @Test
  void resetRefusesAFolderThatIsNotAFleetHome() throws IOException {
    Files.createDirectories(home);
    Path precious = home.resolve("thesis.tex");
    Files.writeString(precious, "years of work");
    CliRun reset = spl("fleet", "reset", "--force");
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(reset.err())
        .contains("does not look like a fleet home (it holds 'thesis.tex'")
        .contains("nothing was deleted");
    assertThat(precious).hasContent("years of work");
  }

  @Test
  void aBusyCoordinatorPortAndABusyWorkerPortAreNamedTogether() throws IOException {
    try (ServerSocket coordinatorPort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket workerPort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun start =
          spl(
              "fleet",
              "start",
              "--workers",
              "1",
              "--port",
              Integer.toString(coordinatorPort.getLocalPort()),
              "--worker-port",
              Integer.toString(workerPort.getLocalPort()));
      assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(start.err())
          .contains("coordinator: port " + coordinatorPort.getLocalPort() + " is already in use")
          .contains("worker-a: port " + workerPort.getLocalPort() + " is already in use");
    }
    assertThat(DaemonProcesses.livePid(home)).isEmpty();
  }

  @Test
  void aBusyWorkerPortIsNamedAndNothingIsLeftRunning() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun start =
          spl(
              "fleet",
              "start",
              "--workers",
              "1",
              "--port",
              "0",
              "--worker-port",
              Integer.toString(busy.getLocalPort()),
              "--timeout",
              "60");
      assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(start.err())
          .contains("worker-a: port " + busy.getLocalPort() + " is already in use");
    }
    assertThat(DaemonProcesses.livePid(home.resolveSibling("fleet-worker-a"))).isEmpty();
  }

  @Test
  void aWorkerHomeHeldByAStrangerIsRefused() throws IOException {
    // worker-a's home is served by a daemon of another coordinator (a stand-alone daemon here).
    Path homeA = home.resolveSibling("fleet-worker-a");
    Files.createDirectories(homeA);
    Map<String, String> strangerEnv = CliRun.cleanEnv();
    strangerEnv.put("SPL_HOME", homeA.toString());
    CliRun stranger = CliRun.run(strangerEnv, "daemon", "start", "--port", "0");
    assertThat(stranger.exitCode()).as(stranger.toString()).isZero();

    CliRun start = spl("fleet", "start", "--workers", "1", "--port", "0", "--worker-port", "0");
    assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(start.err())
        .contains("worker-a: " + homeA)
        .contains("not a worker of")
        .contains("spl daemon stop --home " + homeA);
  }
}
