package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.Act;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl task join-status|speedup|retry|show} rendering the records a running fan-out produces,
 * and {@code spl kill|unkill}.
 */
class JoinCommandsTest {
  @TempDir Path home;
  private Daemon daemon;
  private Map<String, String> env;
  private TaskFixture fx;

  @BeforeEach
  void startDaemon() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    fx = new TaskFixture(daemon, env);
  }

  @AfterEach
  void stopDaemon() {
    daemon.close();
  }

  private FanoutRef threeWithADependency(String alias) {
    return threeWithADependency(alias, "all");
  }

  private FanoutRef threeWithADependency(String alias, String join) {
    String thread = fx.addTask(alias, "--namespace", "docs");
    fx.ok(
        "task",
        "fan-out",
        alias,
        "--subtask",
        "goal=Write A",
        "--subtask",
        "goal=Write B",
        "--subtask",
        "goal=Summarise,depends=0+1",
        "--join",
        join);
    return fx.fanoutOf(thread);
  }

  @Test
  void joinStatusFollowsSpawnsAndResults() {
    FanoutRef ref = threeWithADependency("JS-1");
    CliRun fresh = fx.ok("task", "join-status", "JS-1");
    assertThat(fresh.out())
        .contains("Fan-out join status: " + ref.thread())
        .containsPattern("Subtasks:\\s+3")
        .containsPattern("Spawned:\\s+0 / 3")
        .containsPattern("Join complete:\\s+no")
        .contains("[0] Write A → round-robin", "[2] Summarise → round-robin")
        .contains("pending spawn");

    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    fx.spawned(ref, 1, 1, TaskFixture.WORKER_B);
    fx.done(ref, 0, 1, TaskFixture.WORKER_A, "accept", 1.0);
    List<String> lines = fx.ok("task", "join-status", "JS-1").out().lines().toList();
    assertThat(String.join("\n", lines))
        .containsPattern("Spawned:\\s+2 / 3")
        .containsPattern("Completed:\\s+1 / 3");
    int first = lines.indexOf("    [0] Write A → specific:" + TaskFixture.WORKER_A);
    assertThat(first).isPositive();
    assertThat(lines.get(first + 1).trim()).isEqualTo("accept ($0.25, 1.0s)");
    int second = lines.indexOf("    [1] Write B → specific:" + TaskFixture.WORKER_B);
    assertThat(lines.get(second + 1).trim()).isEqualTo("in progress");
    int third = lines.indexOf("    [2] Summarise → round-robin");
    assertThat(lines.get(third + 1).trim()).isEqualTo("pending spawn");

    fx.done(ref, 1, 1, TaskFixture.WORKER_B, "accept", 1.0);
    fx.spawned(ref, 2, 1, TaskFixture.WORKER_A);
    fx.done(ref, 2, 1, TaskFixture.WORKER_A, "accept", 0.5);

    // The daemon is a coordinator: its reconciler decides the join from these records.
    CliRun watch = fx.ok("task", "join-status", "JS-1", "--watch", "--timeout", "10");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    // Watching reads the coordinator's fan-out routes, and prints what the thread's fold prints.
    assertThat(watch.out()).isEqualTo(fx.ok("task", "join-status", "JS-1").out());
    assertThat(fx.ok("-o", "json", "task", "join-status", "JS-1", "--watch").json())
        .isEqualTo(fx.ok("-o", "json", "task", "join-status", "JS-1").json());

    JsonNode json = fx.ok("-o", "json", "task", "join-status", ref.thread()).json();
    assertThat(json.path("complete").asBoolean()).isTrue();
    assertThat(json.path("verdict").asText()).isEqualTo("accept");
    assertThat(json.path("completed").asInt()).isEqualTo(3);
    assertThat(json.path("per_subtask").get(2).path("wall_time_secs").asDouble()).isEqualTo(0.5);
    assertThat(json.path("per_subtask").get(2).path("resolved_target").asText())
        .isEqualTo("specific:" + TaskFixture.WORKER_A);

    CliRun show = fx.ok("task", "show", "JS-1");
    assertThat(show.out())
        .containsPattern("Status:\\s+accepted")
        .contains("Completed by: " + daemon.did())
        .contains("Verdict:      accept");
    assertThat(fx.ok("task", "list").out()).containsPattern("JS-1\\s+accepted");
  }

  @Test
  void watchingReadsOnlyTheChildrenThatChangedSinceTheLastRound() {
    FanoutRef ref = threeWithADependency("JS-C");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    fx.spawned(ref, 1, 1, TaskFixture.WORKER_B);
    FanoutWatch watch = new FanoutWatch(new DaemonClient(daemon.url(), null), ref.id());
    Await.until(
        "the coordinator folded the spawns", Duration.ofSeconds(10), () -> spawnedTwo(watch));
    assertThat(watch.poll()).isEmpty();

    fx.done(ref, 1, 1, TaskFixture.WORKER_B, "accept", 1.0);
    List<List<JoinStatus.SubtaskStatus>> changed = new java.util.ArrayList<>();
    Await.until(
        "the result is folded",
        Duration.ofSeconds(10),
        () -> changed.add(watch.poll()) && !changed.get(changed.size() - 1).isEmpty());
    List<JoinStatus.SubtaskStatus> lines = changed.get(changed.size() - 1);
    assertThat(lines).extracting(JoinStatus.SubtaskStatus::index).containsExactly(1);
    assertThat(lines.get(0).state()).isEqualTo("accept");
    assertThat(watch.poll()).isEmpty();
    assertThat(watch.progress()).isEqualTo("spawned 2/3 · completed 1/3");
    assertThat(watch.complete()).isFalse();
  }

  private static boolean spawnedTwo(FanoutWatch watch) {
    return watch.poll() != null && watch.progress().startsWith("spawned 2/3");
  }

  @Test
  void watchPrintsProgressAsTheCoordinatorFoldsAndEndsAtTheJoin() throws Exception {
    FanoutRef ref = threeWithADependency("JS-P");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    fx.spawned(ref, 1, 1, TaskFixture.WORKER_B);
    FanoutWatch folded = new FanoutWatch(new DaemonClient(daemon.url(), null), ref.id());
    Await.until(
        "the coordinator folded the spawns", Duration.ofSeconds(10), () -> spawnedTwo(folded));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.util.concurrent.ExecutorService runner =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try (java.io.PrintStream o =
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        java.io.PrintStream e =
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)) {
      java.util.concurrent.Future<Integer> watch =
          runner.submit(
              () ->
                  dev.spl.cli.Spl.run(
                      new java.io.ByteArrayInputStream(new byte[0]),
                      o,
                      e,
                      env,
                      "task",
                      "join-status",
                      "JS-P",
                      "--watch",
                      "--timeout",
                      "30",
                      "--interval",
                      "0.05"));
      Await.until(
          "the watch printed where the fan-out stands",
          Duration.ofSeconds(10),
          () -> errText(err).contains("spawned 2/3 · completed 0/3") || watch.isDone());
      assertThat(watch.isDone()).as(errText(err)).isFalse();

      fx.done(ref, 0, 1, TaskFixture.WORKER_A, "accept", 1.0);
      Await.until(
          "the watch printed the first result",
          Duration.ofSeconds(10),
          () -> errText(err).contains("spawned 2/3 · completed 1/3"));
      fx.done(ref, 1, 1, TaskFixture.WORKER_B, "accept", 1.0);
      fx.spawned(ref, 2, 1, TaskFixture.WORKER_A);
      fx.done(ref, 2, 1, TaskFixture.WORKER_A, "accept", 0.5);

      assertThat(watch.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
    } finally {
      runner.shutdownNow();
    }
    assertThat(errText(err))
        .contains("[0] Write A: accept")
        .contains("spawned 3/3 · completed 3/3")
        .doesNotContain("null");
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .containsPattern("Join complete:\\s+yes \\(accept\\)")
        .isEqualTo(fx.ok("task", "join-status", "JS-P").out());
  }

  // ByteArrayOutputStream's methods are synchronized: reading it while the watch writes is safe.
  private static String errText(java.io.ByteArrayOutputStream err) {
    return err.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void watchGivesUpAfterItsTimeout() {
    threeWithADependency("JS-W");
    CliRun run =
        fx.spl("task", "join-status", "JS-W", "--watch", "--timeout", "0.3", "--interval", "0.1");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(run.err())
        .contains("spawned 0/3 · completed 0/3")
        .contains("the join of 'JS-W' did not complete within 0.3 s");
  }

  @Test
  void wideFanOutsShowASummaryUnlessAll() {
    String thread = fx.addTask("WIDE");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      lines.append("{\"goal\":\"g").append(i).append("\"}\n");
    }
    CliRun fan =
        CliRun.runWithInput(
            env,
            lines.toString(),
            "task",
            "fan-out",
            "WIDE",
            "--subtasks-file",
            "-",
            "--join",
            "any");
    assertThat(fan.exitCode()).as(fan.toString()).isZero();
    FanoutRef ref = fx.fanoutOf(thread);
    fx.spawned(ref, 3, 1, TaskFixture.WORKER_A);
    String summary = fx.ok("task", "join-status", "WIDE").out();
    assertThat(summary)
        .contains("By state: in progress 1 · pending spawn 49")
        .contains("[9] g9", "[45] g45", "[49] g49")
        .contains("... 35 more (--all lists every subtask")
        .doesNotContain("[10] g10");
    assertThat(fx.ok("task", "join-status", "WIDE", "--all").out()).contains("[10] g10", "[30]");
  }

  @Test
  void speedupNamesEachWallAndComparesWithASerialRun() {
    FanoutRef ref = threeWithADependency("SP-1");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    fx.spawned(ref, 1, 1, TaskFixture.WORKER_B);
    fx.done(ref, 0, 1, TaskFixture.WORKER_A, "accept", 1.0);
    fx.done(ref, 1, 1, TaskFixture.WORKER_B, "accept", 2.0);
    fx.spawned(ref, 2, 1, TaskFixture.WORKER_A);
    CliRun early = fx.spl("task", "speedup", "SP-1", "--vs-serial", "SP-1");
    assertThat(early.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(early.err()).contains("its join has not completed");
    fx.done(ref, 2, 1, TaskFixture.WORKER_A, "accept", 0.5);
    fx.ok("task", "join-status", "SP-1", "--watch", "--timeout", "10");
    CliRun run = fx.ok("task", "speedup", "SP-1");
    // This daemon's registry knows neither worker, so the estimate has no slot count to use.
    assertThat(run.out())
        .contains("Fan-out speedup report: " + ref.thread())
        .contains("per-subtask walls: [1.0s, 2.0s, 0.5s]")
        .containsPattern("measured: +[0-9.]+s  \\(first spawn → last result, as the coordinator")
        .contains(
            "estimated:         2.5s  (the critical path: the slots of the workers the children"
                + " ran on are not known)")
        .contains("critical path:     2.5s  (1 → 2: the estimate with unlimited slots)")
        .contains("total cost:        $0.7500")
        .contains("serial estimate:   3.5s")
        .contains("estimated speedup: 1.40×")
        .contains("caveat:");

    String serialThread = fx.addTask("SER-1");
    fx.ok("task", "fan-out", "SER-1", "--subtask", "goal=all of it", "--join", "all");
    FanoutRef serial = fx.fanoutOf(serialThread);
    fx.spawned(serial, 0, 1, TaskFixture.WORKER_A);
    fx.done(serial, 0, 1, TaskFixture.WORKER_A, "accept", 3.5);
    fx.ok("task", "join-status", "SER-1", "--watch", "--timeout", "10");

    JsonNode json = fx.ok("-o", "json", "task", "speedup", "SP-1", "--vs-serial", "SER-1").json();
    assertThat(json.path("critical_path_secs").asDouble()).isEqualTo(2.5);
    assertThat(json.path("estimated_wall_secs").asDouble()).isEqualTo(2.5);
    assertThat(json.path("slots").asInt()).isZero();
    assertThat(json.path("workers").asInt()).isEqualTo(2);
    assertThat(json.path("unknown_workers").asInt()).isEqualTo(2);
    assertThat(json.path("critical_path").toString()).isEqualTo("[1,2]");
    double measured = json.path("measured_wall_secs").asDouble();
    double serialMeasured = json.path("measured_serial_wall_secs").asDouble();
    assertThat(json.path("measured_wall_secs").isNumber()).isTrue();
    assertThat(json.path("measured_serial_wall_secs").isNumber()).isTrue();
    assertThat(json.path("measured_speedup").asDouble()).isEqualTo(serialMeasured / measured);
    assertThat(json.path("measured_serial_thread").asText()).isEqualTo(serialThread);
    assertThat(fx.ok("task", "speedup", "SP-1", "--vs-serial", serialThread).out())
        .contains("Measured against a serial run")
        .containsPattern("serial run: +[0-9.]+s  " + serialThread)
        .contains("measured speedup:");
  }

  @Test
  void aFailedChildShowsItsExitCodeAndTheLastLinesOfItsOutput() {
    FanoutRef ref = threeWithADependency("FL-1", "any");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    String output = "step 1\nstep 2\nstep 3\nstep 4\nstep 5\nstep 6\nerror: disk full";
    fx.done(ref, 0, 1, TaskFixture.WORKER_A, "reject", 0.4, output, 3);
    List<String> lines = fx.ok("task", "join-status", "FL-1").out().lines().toList();
    int row = lines.indexOf("    [0] Write A → specific:" + TaskFixture.WORKER_A);
    assertThat(lines.subList(row + 1, row + 8))
        .containsExactly(
            "        reject ($0.25, 0.4s)  exit 3",
            "          | step 3",
            "          | step 4",
            "          | step 5",
            "          | step 6",
            "          | error: disk full",
            "          full output: spl task logs FL-1 --subtask 0");
    JsonNode json = fx.ok("-o", "json", "task", "join-status", "FL-1").json();
    assertThat(json.path("per_subtask").get(0).path("exit_code").asInt()).isEqualTo(3);
    assertThat(json.path("per_subtask").get(1).has("exit_code")).isFalse();
  }

  @Test
  void watchExitsOneWhenTheJoinIsNotAcceptedAndPrintsTheErrorAsJsonWithJsonOutput() {
    FanoutRef ref = threeWithADependency("RJ-1");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    fx.done(ref, 0, 1, TaskFixture.WORKER_A, "reject", 0.4, "tests fail", 1);
    CliRun watch = fx.spl("task", "join-status", "RJ-1", "--watch", "--timeout", "10");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(reject\\)");
    assertThat(watch.err()).contains("spl: the join of 'RJ-1' completed with reject, not accept");

    CliRun json = fx.spl("-o", "json", "task", "join-status", "RJ-1", "--watch");
    assertThat(json.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(json.json().path("verdict").asText()).isEqualTo("reject");
    JsonNode error = CliRun.jsonOf(json.err().strip());
    assertThat(error.path("object").asText()).isEqualTo("error");
    assertThat(error.path("type").asText()).isEqualTo("failure");
    assertThat(error.path("exit_code").asInt()).isEqualTo(1);
    assertThat(error.path("message").asText())
        .isEqualTo("the join of 'RJ-1' completed with reject, not accept");
    // Without --watch the status is only shown.
    assertThat(fx.spl("task", "join-status", "RJ-1").exitCode()).isZero();
  }

  @Test
  void watchStopsWithThreeWhenAFreezeHoldsEverythingThatIsLeft() {
    threeWithADependency("FZ-1");
    fx.ok("kill", "--namespace", "docs", "--reason", "wrong approach");
    CliRun watch = fx.spl("task", "join-status", "FZ-1", "--watch", "--timeout", "10");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(watch.out()).containsPattern("Join complete:\\s+no");
    assertThat(watch.err())
        .contains(
            "the join of 'FZ-1' is held: namespace 'docs' is frozen (soft: wrong approach); lift"
                + " it with `spl unkill --namespace docs`");
    fx.ok("unkill", "--namespace", "docs");
    CliRun open =
        fx.spl("task", "join-status", "FZ-1", "--watch", "--timeout", "0.3", "--interval", "0.1");
    assertThat(open.exitCode()).isEqualTo(ExitCodes.FAILURE);
    assertThat(open.err()).contains("did not complete within 0.3 s");
  }

  @Test
  void cancelStopsEveryChildAndTheJoinEndsCancelled() {
    FanoutRef ref = threeWithADependency("CN-1");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    CliRun cancel = fx.ok("task", "cancel", "CN-1", "--reason", "wrong approach");
    assertThat(cancel.out())
        .contains(
            "◇ Cancel requested for CN-1: 1 running and 2 pending subtasks are stopped, and the"
                + " join ends cancelled")
        .contains("Watch progress: spl task join-status CN-1");
    StoredRecord request =
        daemon
            .records()
            .query(new RecordQuery(ref.thread(), "fanout_cancel_request", Act.LEARN, 0, 10))
            .get(0);
    assertThat(request.record().body().path("reason").asText()).isEqualTo("wrong approach");
    assertThat(request.record().body().path("fanout").asText()).isEqualTo(ref.id());
    assertThat(request.record().parents()).containsExactly(ref.id());

    CliRun watch = fx.spl("task", "join-status", "CN-1", "--watch", "--timeout", "10");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(cancelled\\)");
    assertThat(watch.err()).contains("completed with cancelled, not accept");
    // The coordinator asked worker-a to stop subtask 0 and never spawns the others.
    List<StoredRecord> sent =
        daemon
            .records()
            .query(new RecordQuery(ref.thread(), "fanout_cancel_sent", Act.LEARN, 0, 10));
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).record().body().path("reason").asText()).isEqualTo("cancel_requested");
    assertThat(fx.ok("task", "show", "CN-1").out()).containsPattern("Status:\\s+cancelled");

    CliRun again = fx.spl("task", "cancel", "CN-1");
    assertThat(again.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(again.err())
        .contains(
            "cannot cancel 'CN-1': its join already completed (cancelled); there is nothing left"
                + " to stop");
    String none = fx.addTask("CN-2");
    CliRun noFanout = fx.spl("task", "cancel", "CN-2");
    assertThat(noFanout.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noFanout.err()).contains("task 'CN-2' has no fan-out yet");
    assertThat(none).startsWith("th_");
  }

  @Test
  void taskListFiltersByStatus() {
    fx.addTask("NEW-1");
    threeWithADependency("RUN-1");
    FanoutRef done = threeWithADependency("ACC-1");
    fx.joinComplete(done, "accept", 1);
    FanoutRef cancelled = threeWithADependency("CAN-1");
    fx.joinComplete(cancelled, "cancelled", 1);
    assertThat(aliases("open")).containsExactly("NEW-1", "RUN-1");
    assertThat(aliases("fanned-out")).containsExactly("RUN-1");
    assertThat(aliases("complete")).containsExactly("ACC-1", "CAN-1");
    assertThat(aliases("accepted")).containsExactly("ACC-1");
    assertThat(aliases("cancelled")).containsExactly("CAN-1");
    assertThat(aliases("rejected")).isEmpty();
    assertThat(fx.ok("task", "list", "--status", "rejected").out().trim())
        .isEqualTo("no tasks with status rejected");
    assertThat(fx.ok("task", "list").out()).containsPattern("CAN-1\\s+cancelled");
    CliRun bad = fx.spl("task", "list", "--status", "done");
    assertThat(bad.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err())
        .contains(
            "--status: expected open, fanned-out, complete, accepted, rejected, partial or"
                + " cancelled but found 'done'");
  }

  private List<String> aliases(String status) {
    JsonNode list = fx.ok("-o", "json", "task", "list", "--status", status).json();
    List<String> aliases = new java.util.ArrayList<>();
    list.path("data").forEach(row -> aliases.add(row.path("alias").asText()));
    return aliases;
  }

  @Test
  void recordsListTakesATaskAliasForItsThread() {
    String thread = fx.addTask("AL-1");
    CliRun list = fx.ok("-o", "json", "records", "list", "--thread", "AL-1");
    assertThat(list.json().path("data")).hasSize(1);
    assertThat(list.json().path("data").get(0).path("thread").asText()).isEqualTo(thread);
    CliRun unknown = fx.spl("records", "list", "--thread", "NOPE-1");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err())
        .contains(
            "--thread: expected a thread id (th_ + 64 hex) or a task alias, but unknown task"
                + " 'NOPE-1'");
  }

  @Test
  void aFreezeOfANamespaceNoTaskUsesIsRecordedWithAWarning() {
    fx.addTask("NS-1", "--namespace", "docs/v1");
    CliRun typo = fx.ok("kill", "--namespace", "docs", "--reason", "wrong approach");
    assertThat(typo.out().trim()).isEqualTo("✓ soft freeze of 'docs' recorded");
    assertThat(typo.err().trim())
        .isEqualTo(
            "spl: warning: no task uses namespace 'docs' (the tasks use docs/v1); the freeze is"
                + " recorded anyway");
    assertThat(
            daemon.records().query(new RecordQuery(ThreadIds.FLEET_CONTROL, "freeze", null, 0, 10)))
        .hasSize(1);
    assertThat(fx.ok("kill", "--namespace", "docs/v1", "--reason", "x").err()).isEmpty();
  }

  @Test
  void retryIsRefusedOutOfRangeWhileRunningAndWhenFrozenAndOtherwiseRecorded() {
    // With `any`, a rejected subtask 0 leaves the join open (subtask 1 may still accept).
    FanoutRef ref = threeWithADependency("RT-1", "any");
    CliRun range = fx.spl("task", "retry", "RT-1", "--subtask", "7");
    assertThat(range.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(range.err()).contains("subtask: index 7 is out of range (3 subtasks: 0..2)");
    CliRun pending = fx.spl("task", "retry", "RT-1", "--subtask", "0");
    assertThat(pending.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(pending.err()).contains("subtask 0: it has not been spawned yet (pending spawn)");
    fx.spawned(ref, 0, 1, TaskFixture.WORKER_A);
    CliRun running = fx.spl("task", "retry", "RT-1", "--subtask", "0");
    assertThat(running.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(running.err()).contains("attempt 1 is still running on " + TaskFixture.WORKER_A);
    fx.done(ref, 0, 1, TaskFixture.WORKER_A, "reject", 1.0);

    fx.ok("kill", "--namespace", "docs", "--reason", "wrong approach");
    CliRun frozen = fx.spl("task", "retry", "RT-1", "--subtask", "0");
    // A frozen namespace is a state of the fleet, exit 3 everywhere (docs/cli.md, Exit codes).
    assertThat(frozen.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(frozen.err())
        .contains("cannot retry subtask 0: namespace 'docs' is frozen (soft: wrong approach)");
    fx.ok("unkill", "--namespace", "docs");
    long beforeRetry = daemon.records().count();

    CliRun retry = fx.ok("task", "retry", "RT-1", "--subtask", "0", "--hint", "use approach B");
    assertThat(retry.out())
        .contains(
            "◇ Retry requested for subtask 0 (attempt 2, replacing reject) on " + ref.thread())
        .contains("Watch progress: spl task join-status RT-1");
    assertThat(daemon.records().count()).isEqualTo(beforeRetry + 1);
    StoredRecord learn =
        daemon
            .records()
            .query(new RecordQuery(ref.thread(), "fanout_retry_subtask", Act.LEARN, 0, 10))
            .get(0);
    JsonNode body = learn.record().body();
    assertThat(body.path("index").asInt()).isZero();
    assertThat(body.path("attempt").asInt()).isEqualTo(1);
    assertThat(body.path("hint").asText()).isEqualTo("use approach B");
    assertThat(body.path("reason").asText()).isEqualTo("manual");
    assertThat(body.path("fanout").asText()).isEqualTo(ref.id());
    assertThat(fx.ok("task", "join-status", "RT-1").out()).contains("pending spawn  attempt 2");
  }

  @Test
  void killAndUnkillRecordFreezesAndTheEmergencyStop() {
    CliRun soft = fx.ok("kill", "--namespace", "docs/v0.11", "--reason", "wrong approach on A");
    assertThat(soft.out().trim()).isEqualTo("✓ soft freeze of 'docs/v0.11' recorded");
    CliRun hard =
        fx.ok("kill", "--namespace", "batch", "--level", "hard", "--grace", "5", "--reason", "x");
    assertThat(hard.out().trim())
        .isEqualTo("✓ hard freeze of 'batch' recorded (running work is stopped after 5s)");
    List<StoredRecord> control =
        daemon.records().query(new RecordQuery(ThreadIds.FLEET_CONTROL, null, null, 0, 100));
    assertThat(control).hasSize(2);
    JsonNode freeze = control.get(1).record().body();
    assertThat(freeze.path("topic").asText()).isEqualTo("freeze");
    assertThat(freeze.path("level").asText()).isEqualTo("hard");
    assertThat(freeze.path("grace_secs").asLong()).isEqualTo(5);
    assertThat(freeze.path("issued_by").asText()).isEqualTo("did:sync:user:tester");
    assertThat(control.get(1).record().act()).isEqualTo(Act.LEARN);
    assertThat(control.get(1).record().clock()).isEqualTo(1);

    assertThat(fx.ok("unkill", "--namespace", "docs/v0.11").out().trim())
        .isEqualTo("✓ unfreeze of 'docs/v0.11' recorded");
    CliRun notFrozen = fx.spl("unkill", "--namespace", "docs/v0.11");
    assertThat(notFrozen.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notFrozen.err())
        .contains("namespace 'docs/v0.11' is not frozen; frozen namespaces: batch");

    assertThat(fx.ok("kill", "--emergency", "--reason", "all hands").out().trim())
        .startsWith("✓ emergency stop recorded");
    assertThat(fx.ok("unkill", "--emergency").out().trim()).isEqualTo("✓ emergency stop released");
    CliRun again = fx.spl("unkill", "--emergency");
    assertThat(again.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(again.err()).contains("none is active");
    long count = daemon.records().count();

    assertBad(
        "--grace: applies to --level hard",
        "kill",
        "--namespace",
        "a",
        "--grace",
        "3",
        "--reason",
        "r");
    assertBad(
        "level: expected 'soft' or 'hard' but found 'medium'",
        "kill",
        "--namespace",
        "a",
        "--level",
        "medium",
        "--reason",
        "r");
    assertBad("reason: expected a short text", "kill", "--namespace", "a", "--reason", " ");
    assertBad("namespace: expected no spaces", "kill", "--namespace", "a b", "--reason", "r");
    assertBad(
        "grace: expected a number of seconds from 0 to 86400",
        "kill",
        "--namespace",
        "a",
        "--level",
        "hard",
        "--grace",
        "100000",
        "--reason",
        "r");
    assertBad("mutually exclusive", "kill", "--namespace", "a", "--emergency", "--reason", "r");
    assertBad("Missing required option: '--reason", "kill", "--namespace", "a");
    assertBad(
        "--level: applies to --namespace freezes",
        "kill",
        "--emergency",
        "--level",
        "hard",
        "--reason",
        "r");
    assertThat(daemon.records().count()).isEqualTo(count);
  }

  @Test
  void rulesAddIsValidatedLocallyAndWrittenOnTheEngineConfigThread() {
    CliRun bad =
        fx.spl(
            "rules",
            "add",
            "no-calls",
            "--expression",
            "record.act == ",
            "--code",
            "NO_CALLS",
            "--message",
            "no");
    assertThat(bad.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("rule 'no-calls': expression at 1:");
    CliRun notBool =
        fx.spl(
            "rules",
            "add",
            "no-calls",
            "--expression",
            "record.act",
            "--code",
            "NO_CALLS",
            "--message",
            "no");
    assertThat(notBool.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notBool.err()).contains("rule 'no-calls': expression");
    CliRun badCode =
        fx.spl(
            "rules",
            "add",
            "no-calls",
            "--expression",
            "record.act == \"CALL\"",
            "--code",
            "lower",
            "--message",
            "no");
    assertThat(badCode.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badCode.err()).contains("code: expected an UPPER_SNAKE_CASE error code");
    CliRun builtIn =
        fx.spl(
            "rules",
            "add",
            "namespace_frozen",
            "--expression",
            "false",
            "--code",
            "X",
            "--message",
            "no");
    assertThat(builtIn.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(builtIn.err()).contains("is the name of a built-in rule");
    assertThat(daemon.records().count()).isZero();

    CliRun ok =
        fx.ok(
            "rules",
            "add",
            "no-calls",
            "--expression",
            "record.act == \"CALL\"",
            "--code",
            "NO_CALLS",
            "--message",
            "CALL records are refused by {rule}");
    assertThat(ok.out().trim()).isEqualTo("✓ rule 'no-calls' recorded; `spl rules list` shows it");
    StoredRecord rule =
        daemon.records().query(new RecordQuery(ThreadIds.ENGINE_CONFIG, null, null, 0, 10)).get(0);
    assertThat(rule.record().act()).isEqualTo(Act.LEARN);
    assertThat(rule.record().body().path("topic").asText()).isEqualTo("permission_rule");
    assertThat(rule.record().body().path("enabled").asBoolean()).isTrue();
    assertThat(rule.record().body().path("code").asText()).isEqualTo("NO_CALLS");
  }

  private void assertBad(String expected, String... args) {
    CliRun run = fx.spl(args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).as(run.toString()).contains(expected);
  }
}
