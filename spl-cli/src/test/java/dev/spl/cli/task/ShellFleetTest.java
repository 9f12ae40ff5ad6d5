package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.TestFleet;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why a child failed, what runs where, and stopping it: the task and fleet commands against a
 * coordinator and one shell worker in this JVM, each on port 0 in its own folder.
 */
class ShellFleetTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();
  @TempDir Path dir;
  private Daemon coordinator;
  private Daemon worker;
  private Map<String, String> env;

  @BeforeEach
  void startFleet() {
    coordinator = fleet.coordinator();
    worker =
        fleet.worker(
            coordinator,
            "worker-a",
            settings ->
                settings.executor(FleetSettings.ExecutorKind.SHELL).echoDelay(Duration.ZERO));
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", fleet.home("coordinator").toString());
    Await.until(
        "the worker is live",
        Duration.ofMillis(30_000),
        () -> {
          for (JsonNode instance :
              new DaemonClient(coordinator.url(), null).get("/v1/fleet/status").path("instances")) {
            if ("worker".equals(instance.path("role").asText())
                && "live".equals(instance.path("status").asText())) {
              return true;
            }
          }
          return false;
        });
  }

  @Test
  void aFailedChildShowsItsExitCodeAndItsLastLinesAndLogsPrintsItsWholeOutput() {
    ok("task", "add", "Failing", "--alias", "SH-1", "--namespace", "sh");
    ok(
        "task",
        "fan-out",
        "SH-1",
        "--subtask",
        "goal=Count,run=for i in $(seq 1 30); do echo line $i; done; echo broken >&2; exit 4",
        "--join",
        "all");
    CliRun watch = CliRun.run(env, "task", "join-status", "SH-1", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.out())
        .contains("reject (")
        .contains("exit 4")
        .contains("          | line 29\n          | line 30\n          | broken\n")
        .contains("full output: spl task logs SH-1 --subtask 0")
        .doesNotContain("| line 26");

    CliRun logs = ok("task", "logs", "SH-1", "--subtask", "0");
    List<String> lines = logs.out().lines().toList();
    assertThat(lines).hasSize(31);
    assertThat(lines.get(0)).isEqualTo("line 1");
    assertThat(lines.get(30)).isEqualTo("broken");
    assertThat(ok("task", "logs", "SH-1", "--subtask", "0", "--attempt", "1").out())
        .isEqualTo(logs.out());

    CliRun noSuchAttempt =
        CliRun.run(env, "task", "logs", "SH-1", "--subtask", "0", "--attempt", "2");
    assertThat(noSuchAttempt.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noSuchAttempt.err())
        .contains("--attempt: subtask 0 of 'SH-1' has attempts 1..1 but 2 was asked for");
    CliRun noSuchSubtask = CliRun.run(env, "task", "logs", "SH-1", "--subtask", "3");
    assertThat(noSuchSubtask.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noSuchSubtask.err())
        .contains("--subtask: index 3 is out of range (1 subtasks: 0..0)");
  }

  @Test
  void fleetStatusListsTheRunningChildrenAndCancelStopsThem() throws Exception {
    Path started = dir.resolve("started");
    ok("task", "add", "Slow", "--alias", "SLOW-1", "--namespace", "sh");
    ok(
        "task",
        "fan-out",
        "SLOW-1",
        "--subtask",
        "goal=Spend and wait,run=echo '{\"cost_usd\": 0.25}'; touch " + started + "; sleep 600",
        "--subtask",
        "goal=After,depends=0,run=true",
        "--join",
        "all");
    Await.until("the child started", Duration.ofMillis(30_000), () -> Files.exists(started));
    Await.until(
        "the worker reports what the child spent",
        Duration.ofMillis(30_000),
        () -> CliRun.run(env, "fleet", "status").out().contains("$0.2500"));

    CliRun status = ok("fleet", "status");
    assertThat(status.out())
        .contains("running children")
        .containsPattern("worker-a +SLOW-1 +0 +1 +[0-9.]+s +\\$0\\.2500 +Spend and wait");
    JsonNode json = ok("-o", "json", "fleet", "status").json();
    JsonNode child = json.path("running_children").get(0);
    assertThat(child.path("instance").asText()).isEqualTo("worker-a");
    assertThat(child.path("did").asText()).isEqualTo(worker.did());
    assertThat(child.path("task").asText()).isEqualTo("SLOW-1");
    assertThat(child.path("subtask").asInt()).isZero();
    assertThat(child.path("attempt").asInt()).isEqualTo(1);
    assertThat(child.path("spent_usd").decimalValue()).isEqualByComparingTo("0.25");

    CliRun cancel = ok("task", "cancel", "SLOW-1");
    assertThat(cancel.out()).contains("1 running and 1 pending subtasks are stopped");
    CliRun watch = CliRun.run(env, "task", "join-status", "SLOW-1", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(cancelled\\)");
    // The worker stopped the shell: its result comes back cancelled, and nothing runs any more.
    Await.until(
        "the running child is stopped and reported",
        Duration.ofMillis(30_000),
        () ->
            CliRun.run(env, "-o", "json", "task", "join-status", "SLOW-1")
                .json()
                .path("per_subtask")
                .get(0)
                .path("state")
                .asText()
                .equals("cancelled"));
    Await.until(
        "no child runs",
        Duration.ofMillis(30_000),
        () -> CliRun.run(env, "fleet", "status").out().matches("(?s).*running children +none.*"));
    assertThat(ok("task", "list", "--status", "cancelled").out()).contains("SLOW-1");
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }
}
