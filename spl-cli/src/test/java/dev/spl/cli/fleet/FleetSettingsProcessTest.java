package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet runs the way it was configured: a start with other options than its members have is
 * refused unless it reconfigures them, a restart keeps each member's settings, and a run command is
 * never silently echoed. Real background daemons started by {@code spl fleet start}.
 */
class FleetSettingsProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String[] QUICK = {
    "--port", "0", "--worker-port", "0", "--heartbeat-interval", "0.2", "--timeout", "60"
  };

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
    }
  }

  private CliRun spl(String... args) {
    return CliRun.run(env, args);
  }

  private CliRun ok(String... args) {
    CliRun run = spl(args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }

  private CliRun fleetStart(String... options) {
    String[] args =
        Stream.of(new String[] {"fleet", "start", "--workers", "2"}, QUICK, options)
            .flatMap(Stream::of)
            .toArray(String[]::new);
    return spl(args);
  }

  private Map<String, JsonNode> instances() {
    Map<String, JsonNode> byAlias = new HashMap<>();
    for (JsonNode instance : ok("-o", "json", "fleet", "list").json().path("instances")) {
      byAlias.put(instance.path("alias").asText(), instance);
    }
    return byAlias;
  }

  private void awaitLive(String alias) {
    Await.until(
        alias + " live",
        WAIT,
        () -> {
          JsonNode instance = instances().get(alias);
          return instance != null && "live".equals(instance.path("status").asText());
        });
  }

  private String fanOutAndJoin(String alias, String join, String... subtasks) {
    ok("task", "add", "Task " + alias, "--alias", alias);
    List<String> args = new ArrayList<>(List.of("task", "fan-out", alias, "--join", join));
    for (String subtask : subtasks) {
      args.add("--subtask");
      args.add(subtask);
    }
    ok(args.toArray(String[]::new));
    CliRun watch = spl("task", "join-status", alias, "--watch", "--timeout", "60");
    String verdict = ok("-o", "json", "task", "show", alias).json().path("verdict").asText();
    // The watch's exit code says the verdict: 0 for accept, 1 for any other completed join.
    assertThat(watch.exitCode())
        .as(watch.toString())
        .isEqualTo("accept".equals(verdict) ? ExitCodes.OK : ExitCodes.FAILURE);
    return verdict;
  }

  @Test
  void aShellStartOverAnEchoFleetIsRefusedUntilItReconfiguresAndThenRunsTheCommands()
      throws Exception {
    CliRun echo = fleetStart("--echo-delay", "0");
    assertThat(echo.exitCode()).as(echo.toString()).isZero();
    assertThat(instances().get("worker-a").path("executor").asText()).isEqualTo("echo");
    Path touched = base.resolve("touched");

    // The silent echo: "already running", "fleet converged", and echo workers kept.
    CliRun shell = fleetStart("--executor", "shell");
    assertThat(shell.exitCode()).as(shell.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(shell.err())
        .contains("worker-a: executor is echo, --executor shell asks for shell")
        .contains("worker-b: executor is echo, --executor shell asks for shell")
        .contains("--reconfigure");
    assertThat(shell.out()).doesNotContain("fleet converged");
    assertThat(instances().get("worker-a").path("executor").asText()).isEqualTo("echo");

    // A fan-out whose commands can only land on echo workers is refused, not echoed.
    ok("task", "add", "Touch", "--alias", "touch");
    CliRun refused =
        spl(
            "task",
            "fan-out",
            "touch",
            "--subtask",
            "goal=touch,run=touch " + touched,
            "--join",
            "all");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(refused.err()).contains("only workers that run the echo executor");

    CliRun reconfigure = fleetStart("--executor", "shell", "--reconfigure");
    assertThat(reconfigure.exitCode()).as(reconfigure.toString()).isZero();
    assertThat(reconfigure.out())
        .contains("[worker-a] reconfigured worker")
        .contains("executor is echo, --executor shell asks for shell")
        .contains("fleet converged");
    Map<String, JsonNode> shellFleet = instances();
    assertThat(shellFleet.get("worker-a").path("executor").asText()).isEqualTo("shell");
    assertThat(shellFleet.get("worker-b").path("executor").asText()).isEqualTo("shell");

    assertThat(fanOutAndJoin("touch2", "all", "goal=touch,run=touch " + touched))
        .isEqualTo("accept");
    assertThat(touched).exists();

    // The change is recorded in the worker's own log.
    Path homeA = home.resolveSibling("fleet-worker-a");
    JsonNode changes =
        CliRun.run(
                Map.of("USER", "tester", "SPL_HOME", homeA.toString()),
                "-o",
                "json",
                "records",
                "list",
                "--thread",
                "th_instance_registry",
                "--topic",
                "settings_changed")
            .json();
    assertThat(changes.path("data")).hasSize(1);
    JsonNode body = changes.path("data").get(0).path("body");
    assertThat(body.path("changed").toString()).contains("executor");
    assertThat(body.path("from").path("executor").asText()).isEqualTo("echo");
    assertThat(body.path("to").path("executor").asText()).isEqualTo("shell");
  }

  @Test
  void aWorkerRestartedTheRunbookWayKeepsItsExecutorAndSlots() throws Exception {
    CliRun shell = fleetStart("--executor", "shell", "--slots", "2", "--label", "zone=eu-1");
    assertThat(shell.exitCode()).as(shell.toString()).isZero();
    Path homeA = home.resolveSibling("fleet-worker-a");
    OptionalLong pid = DaemonProcesses.livePid(homeA);
    assertThat(pid).isPresent();
    ProcessHandle.of(pid.getAsLong()).orElseThrow().destroyForcibly();
    Await.until(
        "worker-a stale after kill -9",
        WAIT,
        () -> "stale".equals(instances().get("worker-a").path("status").asText()));

    // docs/runbook.md: "Restart it: spl fleet start --workers N".
    CliRun restart = spl("fleet", "start", "--workers", "2", "--timeout", "60");
    assertThat(restart.exitCode()).as(restart.toString()).isZero();
    assertThat(restart.out()).contains("[worker-a] spawned worker");
    awaitLive("worker-a");
    JsonNode workerA = instances().get("worker-a");
    assertThat(workerA.path("executor").asText()).isEqualTo("shell");
    assertThat(workerA.path("slots").asInt()).isEqualTo(2);
    assertThat(workerA.path("labels").path("zone").asText()).isEqualTo("eu-1");
    CliRun show = ok("fleet", "show", "worker-a");
    assertThat(show.out()).contains("shell").contains("free of 2").contains("zone=eu-1");
    assertThat(ok("fleet", "list").out()).contains("EXECUTOR").contains("shell");

    // Two children whose commands fail are failures, not echoes that satisfy k_of_n:1.
    Path ran = base.resolve("ran");
    assertThat(
            fanOutAndJoin(
                "failing",
                "k_of_n:1",
                "goal=one,target=worker-a,run=echo one >> " + ran + "; exit 1",
                "goal=two,target=worker-a,run=echo two >> " + ran + "; exit 1"))
        .isEqualTo("reject");
    assertThat(Files.readAllLines(ran)).containsExactlyInAnyOrder("one", "two");
  }
}
