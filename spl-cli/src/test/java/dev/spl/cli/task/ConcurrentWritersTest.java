package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.Act;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.TestFleet;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two writers at the same moment: of two {@code task add} with one alias, and of two {@code task
 * fan-out} of one task, exactly one succeeds, decided by the coordinator's store, and only the
 * winning fan-out's children run.
 */
class ConcurrentWritersTest {
  private static final int TRIALS = 5;

  @RegisterExtension final TestFleet fleet = new TestFleet();
  private Daemon coordinator;
  private Daemon worker;
  private Map<String, String> env;
  private ExecutorService pool;

  @BeforeEach
  void startFleet() {
    Duration heartbeat = Duration.ofMillis(100);
    coordinator =
        fleet.start(
            fleet
                .config("coordinator")
                .fleet(FleetSettings.builder().heartbeatInterval(heartbeat).build())
                .build());
    worker =
        fleet.worker(
            coordinator,
            "worker-a",
            settings ->
                settings
                    .heartbeatInterval(heartbeat)
                    .executor(FleetSettings.ExecutorKind.ECHO)
                    .echoDelay(Duration.ZERO));
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", fleet.home("coordinator").toString());
    Await.until(
        "the worker live",
        Duration.ofSeconds(30),
        () -> {
          for (JsonNode instance :
              new DaemonClient(coordinator.url(), null).get("/v1/fleet/status").path("instances")) {
            if ("worker-a".equals(instance.path("alias").asText())
                && "live".equals(instance.path("status").asText())) {
              return true;
            }
          }
          return false;
        });
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stopFleet() {
    pool.shutdownNow();
  }

  /** Runs both commands at once; returns their runs in the order given. */
  private List<CliRun> together(String[] first, String[] second) throws Exception {
    CountDownLatch ready = new CountDownLatch(2);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<CliRun>> runs = new ArrayList<>();
    for (String[] args : List.of(first, second)) {
      runs.add(
          pool.submit(
              () -> {
                ready.countDown();
                go.await();
                return CliRun.run(env, args);
              }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    go.countDown();
    List<CliRun> done = new ArrayList<>();
    for (Future<CliRun> run : runs) {
      done.add(run.get(60, TimeUnit.SECONDS));
    }
    return done;
  }

  private static CliRun theOnlyWinner(List<CliRun> runs) {
    List<CliRun> won = runs.stream().filter(run -> run.exitCode() == 0).toList();
    assertThat(won).as("exactly one succeeds: %s", runs).hasSize(1);
    CliRun lost = runs.get(runs.get(0) == won.get(0) ? 1 : 0);
    assertThat(lost.exitCode()).as(lost.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    return won.get(0);
  }

  @Test
  void ofTwoTaskAddsWithOneAliasExactlyOneSucceeds() throws Exception {
    for (int trial = 0; trial < TRIALS; trial++) {
      String alias = "race-" + trial;
      List<CliRun> runs =
          together(
              new String[] {"task", "add", "First " + trial, "--alias", alias},
              new String[] {"task", "add", "Second " + trial, "--alias", alias});
      CliRun winner = theOnlyWinner(runs);
      CliRun loser = runs.get(runs.get(0) == winner ? 1 : 0);
      assertThat(loser.err()).containsAnyOf("CONFLICT", "is taken by the task");
      long tasks =
          coordinator.records().query(new RecordQuery(null, "task", Act.INTEND, 0, 10_000)).stream()
              .filter(stored -> alias.equals(stored.record().body().path("alias").asText()))
              .count();
      assertThat(tasks).as("trial %d", trial).isEqualTo(1);
    }
  }

  @Test
  void ofTwoFanOutsOfOneTaskExactlyOneSucceedsAndOnlyItsChildrenRun() throws Exception {
    for (int trial = 0; trial < TRIALS; trial++) {
      String alias = "fan-" + trial;
      CliRun add = CliRun.run(env, "task", "add", "Task " + trial, "--alias", alias);
      assertThat(add.exitCode()).as(add.toString()).isZero();
      List<CliRun> runs =
          together(
              new String[] {
                "-o",
                "json",
                "task",
                "fan-out",
                alias,
                "--subtask",
                "goal=left-" + trial,
                "--subtask",
                "goal=left2-" + trial,
                "--join",
                "all"
              },
              new String[] {
                "-o",
                "json",
                "task",
                "fan-out",
                alias,
                "--subtask",
                "goal=right-" + trial,
                "--join",
                "all"
              });
      CliRun winner = theOnlyWinner(runs);
      String thread = winner.json().path("thread").asText();
      String fanout = winner.json().path("record").asText();
      Set<String> expected =
          runs.get(0) == winner
              ? Set.of("left-" + trial, "left2-" + trial)
              : Set.of("right-" + trial);

      CliRun watch = CliRun.run(env, "task", "join-status", alias, "--watch", "--timeout", "60");
      assertThat(watch.exitCode()).as(watch.toString()).isZero();
      List<StoredRecord> parents =
          coordinator
              .records()
              .query(new RecordQuery(thread, FanoutRecords.FANOUT, Act.INTEND, 0, 100));
      assertThat(parents).extracting(StoredRecord::id).containsExactly(fanout);
      Set<String> ran = new HashSet<>();
      for (StoredRecord child :
          worker
              .records()
              .query(new RecordQuery(null, FanoutRecords.CHILD, Act.INTEND, 0, 10_000))) {
        ChildIntent intent = ChildIntent.fromBody(child.record().body());
        if (intent.parentThread().equals(thread)) {
          assertThat(intent.fanout()).isEqualTo(fanout);
          ran.add(intent.goal());
        }
      }
      assertThat(ran).as("trial %d", trial).isEqualTo(expected);
    }
  }
}
