package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.store.Durability;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
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
 * The task commands against a real fleet in one JVM: a coordinator and two echo workers, each on
 * port 0 in its own folder.
 */
class FleetEndToEndTest {
  private static final Duration HEARTBEAT = Duration.ofMillis(100);
  // No worker is lost in these tests: a long lease, so a pause of a busy machine moves nothing.
  private static final Duration LEASE = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Daemon coordinator;
  private Daemon workerA;
  private Map<String, String> env;

  @BeforeEach
  void startFleet() {
    coordinator =
        start(
            DaemonConfig.builder(dir.resolve("coordinator"))
                .port(0)
                .durability(Durability.FAST)
                .fleet(FleetSettings.builder().heartbeatInterval(HEARTBEAT).lease(LEASE).build())
                .build());
    workerA = start(worker("worker-a"));
    start(worker("worker-b"));
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", dir.resolve("coordinator").toString());
    Await.until(
        "both workers live",
        Duration.ofMillis(30_000),
        () -> {
          JsonNode fleet = coordinatorFleet();
          int live = 0;
          for (JsonNode instance : fleet.path("instances")) {
            if ("worker".equals(instance.path("role").asText())
                && "live".equals(instance.path("status").asText())) {
              live++;
            }
          }
          return live == 2;
        });
  }

  @AfterEach
  void stopFleet() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  @Test
  void addFanOutJoinAndShowAccepted() {
    ok("task", "add", "End to end", "--alias", "E2E-1", "--namespace", "e2e");
    CliRun fan =
        ok(
            "task",
            "fan-out",
            "E2E-1",
            "--subtask",
            "goal=Part A,target=worker-a",
            "--subtask",
            "goal=Part B,target=specific:" + workerA.did(),
            "--subtask",
            "goal=Merge,target=least-loaded-worker,depends=0+1",
            "--join",
            "all");
    assertThat(fan.out()).contains("subtasks: 3");

    CliRun unknown =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "E2E-1",
            "--subtask",
            "goal=x,target=worker-z",
            "--join",
            "all",
            "--replace");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err())
        .contains("subtask 0: target: no worker with alias 'worker-z' is registered (known:")
        .contains("worker-a", "worker-b");

    CliRun watch = ok("task", "join-status", "E2E-1", "--watch", "--timeout", "60");
    assertThat(watch.out())
        .containsPattern("Join complete:\\s+yes \\(accept\\)")
        .contains("[0] Part A → specific:" + workerA.did())
        .contains("[1] Part B → specific:" + workerA.did());

    CliRun show = ok("task", "show", "E2E-1");
    assertThat(show.out())
        .containsPattern("Status:\\s+accepted")
        .contains("Completed by: " + coordinator.did());

    JsonNode speedup = ok("-o", "json", "task", "speedup", "E2E-1").json();
    assertThat(speedup.path("with_results").asInt()).isEqualTo(3);
    assertThat(speedup.path("critical_path").size()).isEqualTo(2);

    CliRun rules = ok("rules", "list");
    assertThat(rules.out()).contains("namespace_frozen", "built-in", "emergency_stop");
    ok(
        "rules",
        "add",
        "no-calls",
        "--expression",
        "record.act == \"CALL\"",
        "--code",
        "NO_CALLS",
        "--message",
        "no CALL records");
    Await.until(
        "the rule listed",
        Duration.ofMillis(10_000),
        () -> CliRun.run(env, "rules", "list").out().contains("no-calls"));
    assertThat(ok("rules", "remove", "no-calls").out()).contains("✓ rule 'no-calls' removed");
    CliRun builtIn = CliRun.run(env, "rules", "remove", "namespace_frozen");
    assertThat(builtIn.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(builtIn.err()).contains("a built-in rule cannot be removed");
  }

  @Test
  void specificWithAnAliasIsThatAliasAndSpeedupUsesTheSlotsOfTheWorkers() {
    ok("task", "add", "Slots", "--alias", "SL-1", "--namespace", "e2e");
    List<String> args =
        new ArrayList<>(
            List.of(
                "task", "fan-out", "SL-1", "--subtask", "goal=Pinned,target=specific:worker-a"));
    for (int i = 1; i < 16; i++) {
      args.add("--subtask");
      args.add("goal=Part " + i);
    }
    args.addAll(List.of("--join", "all"));
    ok(args.toArray(String[]::new));
    ok("task", "join-status", "SL-1", "--watch", "--timeout", "60");
    JsonNode status = ok("-o", "json", "task", "join-status", "SL-1").json();
    assertThat(status.path("per_subtask").get(0).path("worker").asText()).isEqualTo(workerA.did());
    assertThat(status.path("per_subtask").get(0).path("target").asText()).isEqualTo("worker-a");

    // 16 children on two workers of 4 slots: the estimate needs two rounds of the walls, so it
    // is longer than the longest wall, which the critical path alone would give.
    JsonNode speedup = ok("-o", "json", "task", "speedup", "SL-1").json();
    assertThat(speedup.path("workers").asInt()).isEqualTo(2);
    assertThat(speedup.path("slots").asInt()).isEqualTo(8);
    assertThat(speedup.path("unknown_workers").asInt()).isZero();
    assertThat(speedup.path("estimated_wall_secs").asDouble())
        .isGreaterThan(speedup.path("critical_path_secs").asDouble());
    assertThat(speedup.path("measured_wall_secs").isNumber()).isTrue();
    assertThat(ok("task", "speedup", "SL-1").out())
        .contains("the walls list-scheduled on 8 slots of 2 workers");

    // Echo children write no output file; the worker says so.
    CliRun logs = CliRun.run(env, "task", "logs", "SL-1", "--subtask", "0");
    assertThat(logs.exitCode()).as(logs.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(logs.err())
        .contains("the output of subtask 0 attempt 1 from worker-a")
        .contains("OUTPUT_NOT_FOUND")
        .contains("echo children write none");
  }

  private JsonNode coordinatorFleet() {
    return new DaemonClient(coordinator.url(), null).get("/v1/fleet/status");
  }

  private DaemonConfig worker(String alias) {
    return DaemonConfig.builder(dir.resolve(alias))
        .port(0)
        .durability(Durability.FAST)
        .fleet(
            FleetSettings.builder()
                .worker(alias, coordinator.url())
                .heartbeatInterval(HEARTBEAT)
                .executor(FleetSettings.ExecutorKind.ECHO)
                .echoDelay(Duration.ofMillis(200))
                .build())
        .build();
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }
}
