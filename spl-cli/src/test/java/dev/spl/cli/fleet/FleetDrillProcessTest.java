package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.testing.Await;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure drills against real daemon processes (a coordinator and workers started as {@code spl
 * daemon start} and {@code spl fleet start} start them), with assertions on the records each daemon
 * keeps rather than on status lines alone.
 */
class FleetDrillProcessTest {
  private static final long WAIT = DrillFleet.WAIT_MILLIS;
  private static final String PROBE_ACTOR = "did:sync:user:drill";

  @TempDir Path base;
  private DrillFleet fleet;

  @BeforeEach
  void fleet() {
    fleet = new DrillFleet(base);
  }

  @AfterEach
  void stopEverything() {
    fleet.close();
  }

  @Test
  void walkthroughFreezeMidRunDrainUnfreezeRetryAndTheJoinIsAccepted() {
    fleet.startCoordinator(0, "3");
    fleet.startWorkers(2, "--echo-delay", "3");
    String thread = addTask("WALK-1", "docs/v1");
    fleet.ok(
        "task",
        "fan-out",
        "WALK-1",
        "--subtask",
        "goal=Write section A,target=worker-a",
        "--subtask",
        "goal=Write section B,target=worker-b",
        "--subtask",
        "goal=Summarise A and B,target=least-loaded-worker,depends=0+1",
        "--join",
        "all");
    awaitJoinStatus("subtasks 0 and 1 spawned", "WALK-1", js -> js.path("spawned").asInt() == 2);
    // A spawned child may still wait in its worker's queue, and a freeze holds queued children:
    // freeze only once both run (the workers' heartbeats count running children).
    Await.until(
        "a child running on each worker",
        Duration.ofMillis(WAIT),
        () -> runningOn("worker-a") == 1 && runningOn("worker-b") == 1);

    CliRun kill =
        fleet.ok("kill", "--namespace", "docs/v1", "--reason", "wrong approach on section A");
    assertThat(kill.out()).contains("✓ soft freeze of 'docs/v1' recorded");
    long frozenAt = freezeRecord("coordinator", "docs/v1").path("body").path("issued_at").asLong();

    CliRun status = fleet.ok("fleet", "status");
    assertThat(status.out()).contains("docs/v1").contains("soft").contains("wrong approach");
    JsonNode statusJson = fleet.ok("-o", "json", "fleet", "status").json();
    JsonNode freezes = statusJson.has("freezes") ? statusJson : statusJson.path("status");
    assertThat(freezes.path("freezes")).hasSize(1);
    JsonNode freeze = freezes.path("freezes").get(0);
    assertThat(freeze.path("namespace").asText()).isEqualTo("docs/v1");
    assertThat(freeze.path("level").asText()).isEqualTo("soft");
    assertThat(freeze.path("reason").asText()).isEqualTo("wrong approach on section A");

    // A new INTEND in the namespace: 403 from the coordinator, and from each worker once the
    // freeze has reached it.
    for (String alias : List.of("coordinator", "worker-a", "worker-b")) {
      Await.until(
          alias + " refuses an INTEND in docs/v1",
          Duration.ofMillis(WAIT),
          () -> fleet.post(alias, probe(thread, "docs/v1")).statusCode() == 403);
    }
    HttpResponse<String> refused = fleet.post("coordinator", probe(thread, "docs/v1"));
    JsonNode error = parse(refused.body());
    assertThat(error.path("code").asText()).as(refused.body()).isEqualTo("NAMESPACE_FROZEN");
    assertThat(refused.body()).contains("docs/v1").contains("wrong approach on section A");
    assertThat(fleet.post("coordinator", probe(thread, "docs/other")).statusCode()).isEqualTo(201);
    CliRun add = fleet.spl("task", "add", "More docs", "--namespace", "docs/v1");
    assertThat(add.exitCode()).as(add.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(add.err()).contains("NAMESPACE_FROZEN").contains("docs/v1");

    // The running children drain and report; the dependent subtask is not spawned while frozen.
    JsonNode drained =
        awaitJoinStatus(
            "subtasks 0 and 1 reported", "WALK-1", js -> js.path("completed").asInt() == 2);
    assertThat(subtask(drained, 2).path("state").asText()).isEqualTo("pending spawn");
    CliRun frozenRetry = fleet.spl("task", "retry", "WALK-1", "--subtask", "0");
    assertThat(frozenRetry.exitCode()).as(frozenRetry.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(frozenRetry.err()).contains("cannot retry").contains("docs/v1");
    for (JsonNode done : doneRecords(thread)) {
      assertThat(done.path("body").path("verdict").asText()).isEqualTo("accept");
      assertThat(done.path("body").path("finished_at").asLong())
          .as("subtask %s finished after the freeze", done.path("body").path("index"))
          .isGreaterThan(frozenAt);
    }

    CliRun unkill = fleet.ok("unkill", "--namespace", "docs/v1");
    assertThat(unkill.out()).contains("✓ unfreeze of 'docs/v1' recorded");
    long unfrozenSeq = controlRecord("coordinator", "unfreeze", "docs/v1").path("seq").asLong();
    CliRun retry = fleet.ok("task", "retry", "WALK-1", "--subtask", "0", "--hint", "approach B");
    assertThat(retry.out()).contains("◇ Retry requested for subtask 0");

    CliRun watch = fleet.ok("task", "join-status", "WALK-1", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    CliRun show = fleet.ok("task", "show", "WALK-1");
    assertThat(show.out())
        .containsPattern("Status:\\s+accepted")
        .containsPattern("Verdict:\\s+accept");

    // The records: subtask 2 was spawned only after the unfreeze, subtask 0 ran twice (the retry
    // is attempt 2), the join accepted with every child accepted.
    for (JsonNode spawned : records("coordinator", thread, FanoutRecords.SPAWNED)) {
      for (JsonNode spawn : spawned.path("body").path("spawns")) {
        if (spawn.path("index").asInt() == 2) {
          assertThat(spawned.path("seq").asLong()).isGreaterThan(unfrozenSeq);
        }
      }
    }
    List<String> attempts = new ArrayList<>();
    for (JsonNode done : doneRecords(thread)) {
      attempts.add(
          done.path("body").path("index").asInt()
              + "/"
              + done.path("body").path("attempt").asInt());
    }
    assertThat(attempts).containsExactlyInAnyOrder("0/1", "1/1", "0/2", "2/1");
    List<JsonNode> retries = records("coordinator", thread, FanoutRecords.RETRY);
    assertThat(retries).hasSize(1);
    assertThat(retries.get(0).path("body").path("reason").asText()).isEqualTo("manual");
    List<JsonNode> joins = records("coordinator", thread, FanoutRecords.JOIN_COMPLETE);
    assertThat(joins).hasSize(1);
    assertThat(joins.get(0).path("body").path("verdict").asText()).isEqualTo("accept");
    assertThat(joins.get(0).path("body").path("totals").path("accepted").asInt()).isEqualTo(3);
  }

  @Test
  void aWorkerKilledWhileItsChildrenRunHasThemRunElsewhereAndNoCompletedChildRunsTwice() {
    fleet.startCoordinator(0, "1.5");
    fleet.startWorkers(2, "--executor", "shell");
    Path executions = base.resolve("executions");
    String record = "echo $SPL_INDEX $SPL_ATTEMPT $PWD >> " + executions;
    addTask("KILLW", "drill/kill-worker");
    List<String> args = new ArrayList<>(List.of("task", "fan-out", "KILLW", "--join", "all"));
    for (int i = 0; i < 6; i++) {
      // Round-robin: each worker gets one quick child and two that run for a while.
      String run = i < 2 ? record : record + "; sleep 3";
      args.addAll(List.of("--subtask", "goal=Child " + i + ",run=" + run));
    }
    fleet.ok(args.toArray(String[]::new));
    JsonNode beforeKill =
        awaitJoinStatus(
            "the quick children completed and the slow ones run",
            "KILLW",
            js -> js.path("completed").asInt() == 2 && DrillFleet.lines(executions).size() == 6);

    String victimDid = subtask(beforeKill, 0).path("worker").asText();
    String victim = aliasOf(victimDid);
    String survivor = victim.equals("worker-a") ? "worker-b" : "worker-a";
    String survivorDid = DaemonProcesses.homeDid(fleet.home(survivor));
    List<Integer> completedBeforeKill = new ArrayList<>();
    List<Integer> runningOnVictim = new ArrayList<>();
    for (JsonNode row : beforeKill.path("per_subtask")) {
      if (row.path("state").asText().equals("accept")) {
        completedBeforeKill.add(row.path("index").asInt());
      } else if (row.path("worker").asText().equals(victimDid)) {
        runningOnVictim.add(row.path("index").asInt());
      }
    }
    assertThat(completedBeforeKill).containsExactlyInAnyOrder(0, 1);
    assertThat(runningOnVictim).hasSize(2);
    fleet.kill9(victim);

    CliRun watch = fleet.ok("task", "join-status", "KILLW", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");

    // One line per execution: completed children ran once; the victim's unfinished children ran
    // again as attempt 2 on the survivor; the survivor's own children ran once.
    Map<Integer, List<String>> runs = executionsByIndex(executions);
    for (int index = 0; index < 6; index++) {
      List<String> lines = runs.getOrDefault(index, List.of());
      if (runningOnVictim.contains(index)) {
        assertThat(lines).as("executions of subtask " + index).hasSize(2);
        assertThat(lines.get(0)).startsWith("1 " + fleet.home(victim));
        assertThat(lines.get(1)).startsWith("2 " + fleet.home(survivor));
      } else {
        assertThat(lines).as("executions of subtask " + index).hasSize(1);
      }
    }
    String thread = beforeKill.path("thread").asText();
    List<Integer> reassigned = new ArrayList<>();
    for (JsonNode retry : records("coordinator", thread, FanoutRecords.RETRY)) {
      assertThat(retry.path("body").path("reason").asText()).isEqualTo("worker_lost");
      reassigned.add(retry.path("body").path("index").asInt());
    }
    assertThat(reassigned).containsExactlyInAnyOrderElementsOf(runningOnVictim);
    for (JsonNode spawned : records("coordinator", thread, FanoutRecords.SPAWNED)) {
      for (JsonNode spawn : spawned.path("body").path("spawns")) {
        if (spawn.path("attempt").asInt() == 2) {
          assertThat(spawn.path("worker").asText()).isEqualTo(survivorDid);
        }
      }
    }
  }

  @Test
  void aCoordinatorKilledMidFanOutAndRestartedCompletesItWithNothingSpawnedTwice() {
    fleet.startCoordinator(0, "1.5");
    int port = fleet.port("coordinator");
    fleet.startWorkers(2, "--executor", "shell");
    Path executions = base.resolve("executions");
    String thread = addTask("KILLC", "drill/kill-coordinator");
    List<String> args = twoSecondChildren("KILLC", 6, executions);
    // Spawned only once 0 and 1 are accepted: by the restarted coordinator.
    args.addAll(
        List.of(
            "--subtask",
            "goal=After 0 and 1,depends=0+1,run=echo $SPL_INDEX $SPL_ATTEMPT $PWD >> "
                + executions));
    fleet.ok(args.toArray(String[]::new));
    Await.until(
        "six children running",
        Duration.ofMillis(WAIT),
        () -> DrillFleet.lines(executions).size() == 6);
    fleet.kill9("coordinator");
    long killedAt = System.currentTimeMillis();

    // The workers finish their children and keep the results for the coordinator.
    Await.until(
        "six results on the workers",
        Duration.ofMillis(WAIT),
        () ->
            fleet.records("worker-a", null, "child_result", "KNOW").size()
                    + fleet.records("worker-b", null, "child_result", "KNOW").size()
                == 6);
    long restartedAt = System.currentTimeMillis();
    fleet.restartCoordinator(port);

    CliRun watch = fleet.ok("task", "join-status", "KILLC", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");

    // Nothing spawned twice: one child INTEND per subtask across the workers, all attempt 1.
    List<String> intents = new ArrayList<>();
    for (String worker : List.of("worker-a", "worker-b")) {
      for (JsonNode intent : fleet.records(worker, null, FanoutRecords.CHILD, "INTEND")) {
        intents.add(
            intent.path("body").path("index").asInt()
                + "/"
                + intent.path("body").path("attempt").asInt());
      }
    }
    assertThat(intents).containsExactlyInAnyOrder("0/1", "1/1", "2/1", "3/1", "4/1", "5/1", "6/1");
    Map<Integer, List<String>> runs = executionsByIndex(executions);
    for (int index = 0; index < 7; index++) {
      assertThat(runs.getOrDefault(index, List.of())).as("executions of " + index).hasSize(1);
    }
    assertThat(records("coordinator", thread, FanoutRecords.RETRY)).isEmpty();
    // The results of 0..5 were produced while the coordinator was down and delivered later.
    int deliveredLate = 0;
    for (JsonNode done : doneRecords(thread)) {
      long finishedAt = done.path("body").path("finished_at").asLong();
      if (finishedAt > killedAt && finishedAt < restartedAt) {
        deliveredLate++;
      }
    }
    assertThat(deliveredLate).isEqualTo(6);
  }

  @Test
  void aCoordinatorPausedPastTheLeaseMovesNoChildAwayAndNothingRunsTwice() {
    fleet.startCoordinator(0, "1.5");
    fleet.startWorkers(2, "--executor", "shell");
    Path executions = base.resolve("executions");
    String thread = addTask("PAUSEC", "drill/pause-coordinator");
    fleet.ok(twoSecondChildren("PAUSEC", 4, executions).toArray(String[]::new));
    Await.until(
        "four children running",
        Duration.ofMillis(WAIT),
        () -> DrillFleet.lines(executions).size() == 4);
    fleet.pause("coordinator");
    // Paused past the lease (1.5 s): the children finish (2 s) and the workers' heartbeats go
    // unanswered, so every worker was silent for longer than its lease when the coordinator runs
    // again.
    Await.until(
        "four results on the workers",
        Duration.ofMillis(WAIT),
        () ->
            fleet.records("worker-a", null, "child_result", "KNOW").size()
                    + fleet.records("worker-b", null, "child_result", "KNOW").size()
                == 4);
    fleet.resume("coordinator");

    CliRun watch = fleet.ok("task", "join-status", "PAUSEC", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    assertThat(records("coordinator", thread, FanoutRecords.RETRY))
        .as("children moved away from workers taken for lost")
        .isEmpty();
    Map<Integer, List<String>> runs = executionsByIndex(executions);
    for (int index = 0; index < 4; index++) {
      assertThat(runs.getOrDefault(index, List.of())).as("executions of " + index).hasSize(1);
    }
  }

  @Test
  void aHardFreezeInterruptsRunningShellChildrenWhichRunAgainAfterTheUnfreeze() {
    fleet.startCoordinator(0, "3");
    fleet.startWorkers(2, "--executor", "shell");
    Path pids = base.resolve("pids");
    Path runs = base.resolve("runs");
    String thread = addTask("HARD", "drill/hard");
    // Each run records index.attempt; only the first attempt of A, B and C runs long.
    String longRun =
        "run=echo $SPL_INDEX.$SPL_ATTEMPT >> "
            + runs
            + "; [ $SPL_ATTEMPT = 1 ] || exit 0; echo $$ >> "
            + pids
            + "; exec sleep 60";
    fleet.ok(
        "task",
        "fan-out",
        "HARD",
        "--join",
        "all",
        "--subtask",
        "goal=Long A," + longRun,
        "--subtask",
        "goal=Long B," + longRun,
        "--subtask",
        "goal=Long C," + longRun,
        "--subtask",
        "goal=Quick D,run=echo $SPL_INDEX.$SPL_ATTEMPT >> " + runs);
    Await.until(
        "three children running",
        Duration.ofMillis(WAIT),
        () -> DrillFleet.lines(pids).size() == 3);
    awaitJoinStatus(
        "subtask 3 accepted", "HARD", js -> js.path("counters").path("accepted").asInt() == 1);
    List<ProcessHandle> children = new ArrayList<>();
    for (String pid : DrillFleet.lines(pids)) {
      children.add(ProcessHandle.of(Long.parseLong(pid.trim())).orElseThrow());
    }

    CliRun kill =
        fleet.ok(
            "kill",
            "--namespace",
            "drill/hard",
            "--level",
            "hard",
            "--grace",
            "1",
            "--reason",
            "runaway children");
    assertThat(kill.out()).contains("✓ hard freeze of 'drill/hard' recorded");
    long issuedAt =
        freezeRecord("coordinator", "drill/hard").path("body").path("issued_at").asLong();
    for (ProcessHandle child : children) {
      Await.until(
          "child " + child.pid() + " stopped", Duration.ofMillis(WAIT), () -> !child.isAlive());
    }
    Await.until(
        "three interrupted children reported",
        Duration.ofMillis(WAIT),
        () ->
            doneRecords(thread).stream()
                    .filter(done -> done.path("body").path("verdict").asText().equals("cancelled"))
                    .count()
                == 3);
    for (JsonNode done : doneRecords(thread)) {
      JsonNode body = done.path("body");
      if (body.path("index").asInt() == 3) {
        assertThat(body.path("verdict").asText()).isEqualTo("accept");
        continue;
      }
      assertThat(body.path("verdict").asText()).isEqualTo("cancelled");
      assertThat(body.path("attempt").asInt()).isEqualTo(1);
      assertThat(body.path("interrupted_by").asText()).isEqualTo("hard_freeze");
      assertThat(body.path("finished_at").asLong())
          .as("stopped after the grace")
          .isGreaterThanOrEqualTo(issuedAt + 1000);
    }
    // Interrupted, not failed: the join stays open and the children wait to spawn again.
    JsonNode held =
        awaitJoinStatus(
            "three children back to pending spawn",
            "HARD",
            js -> {
              for (int index = 0; index < 3; index++) {
                if (!subtask(js, index).path("state").asText().equals("pending spawn")) {
                  return false;
                }
              }
              return true;
            });
    assertThat(held.path("complete").asBoolean()).as(held.toString()).isFalse();
    assertThat(held.path("counters").path("failed").asInt()).isZero();
    for (int index = 0; index < 3; index++) {
      assertThat(subtask(held, index).path("attempt").asInt()).isEqualTo(2);
      assertThat(subtask(held, index).path("interrupted_by").asText()).isEqualTo("hard_freeze");
    }
    assertThat(subtask(held, 3).path("state").asText()).isEqualTo("accept");
    assertThat(fleet.ok("task", "join-status", "HARD").out())
        .contains("pending spawn (attempt 1 interrupted by a hard freeze)");

    fleet.ok("unkill", "--namespace", "drill/hard");
    CliRun watch = fleet.ok("task", "join-status", "HARD", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    // Each interrupted child ran once more, as a later attempt (2, or later still if a worker that
    // had not yet heard of the unfreeze held and interrupted a re-spawn before it started); the
    // one that had completed did not run again.
    Map<Integer, List<Integer>> attemptsRun = new TreeMap<>();
    for (String line : DrillFleet.lines(runs)) {
      String[] indexAndAttempt = line.trim().split("\\.");
      attemptsRun
          .computeIfAbsent(Integer.parseInt(indexAndAttempt[0]), index -> new ArrayList<>())
          .add(Integer.parseInt(indexAndAttempt[1]));
    }
    assertThat(attemptsRun.keySet()).containsExactly(0, 1, 2, 3);
    for (int index = 0; index < 3; index++) {
      List<Integer> attempts = attemptsRun.get(index);
      assertThat(attempts).as("attempts of subtask %d", index).hasSize(2).startsWith(1);
      assertThat(attempts.get(1)).as("re-run of subtask %d", index).isGreaterThan(1);
    }
    assertThat(attemptsRun.get(3)).containsExactly(1);
  }

  @Test
  void aFreezeReachesAWorkerThatWasDownAndSurvivesRestartsOfEveryDaemon() {
    fleet.startCoordinator(0, "3");
    int port = fleet.port("coordinator");
    fleet.startWorkers(1, "--echo-delay", "0");
    String thread = addTask("DOWN", "drill/other");
    fleet.ok("fleet", "stop", "--instance", "worker-a");
    fleet.ok("kill", "--namespace", "drill/down", "--reason", "issued while worker-a was down");
    fleet.startWorkers(1, "--echo-delay", "0");
    Await.until(
        "worker-a refuses an INTEND in drill/down after it came back",
        Duration.ofMillis(WAIT),
        () -> fleet.post("worker-a", probe(thread, "drill/down")).statusCode() == 403);

    // Restart every daemon: each keeps the freeze from its own log.
    fleet.ok("fleet", "stop", "--all");
    fleet.restartCoordinator(port);
    assertRefused("coordinator", thread);
    fleet.startWorkers(1, "--echo-delay", "0");
    assertRefused("worker-a", thread);
    assertThat(fleet.post("worker-a", probe(thread, "drill/other")).statusCode()).isEqualTo(201);
    CliRun status = fleet.ok("fleet", "status");
    assertThat(status.out()).contains("drill/down").contains("issued while worker-a was down");
  }

  // ---- helpers

  /**
   * The arguments of {@code spl task fan-out TASK --join all} with {@code count} shell children
   * that each note their index, attempt and folder in {@code executions} and then run for 2 s.
   */
  private static List<String> twoSecondChildren(String task, int count, Path executions) {
    List<String> args = new ArrayList<>(List.of("task", "fan-out", task, "--join", "all"));
    for (int i = 0; i < count; i++) {
      args.addAll(
          List.of(
              "--subtask",
              "goal=Child "
                  + i
                  + ",run=echo $SPL_INDEX $SPL_ATTEMPT $PWD >> "
                  + executions
                  + "; sleep 2"));
    }
    return args;
  }

  private int runningOn(String alias) {
    for (JsonNode instance : fleet.ok("-o", "json", "fleet", "list").json().path("instances")) {
      if (instance.path("alias").asText().equals(alias)) {
        return instance.path("active").asInt();
      }
    }
    return -1;
  }

  private void assertRefused(String alias, String thread) {
    HttpResponse<String> refused = fleet.post(alias, probe(thread, "drill/down"));
    assertThat(refused.statusCode()).as(alias + ": " + refused.body()).isEqualTo(403);
    assertThat(parse(refused.body()).path("code").asText()).isEqualTo("NAMESPACE_FROZEN");
  }

  private String aliasOf(String did) {
    for (String alias : List.of("worker-a", "worker-b")) {
      if (did.equals(DaemonProcesses.homeDid(fleet.home(alias)))) {
        return alias;
      }
    }
    throw new AssertionError("no worker home holds " + did);
  }

  /** Lines "ATTEMPT WORKDIR" of each subtask, in the order they were written. */
  private static Map<Integer, List<String>> executionsByIndex(Path executions) {
    Map<Integer, List<String>> runs = new TreeMap<>();
    for (String line : DrillFleet.lines(executions)) {
      int space = line.indexOf(' ');
      runs.computeIfAbsent(Integer.parseInt(line.substring(0, space)), i -> new ArrayList<>())
          .add(line.substring(space + 1));
    }
    return runs;
  }

  private String addTask(String alias, String namespace) {
    CliRun add =
        fleet.ok(
            "-o",
            "json",
            "task",
            "add",
            "Drill " + alias,
            "--alias",
            alias,
            "--namespace",
            namespace);
    String thread = add.json().path("thread").asText();
    assertThat(thread).as(add.toString()).startsWith("th_");
    return thread;
  }

  private JsonNode joinStatus(String task) {
    return fleet.ok("-o", "json", "task", "join-status", task).json();
  }

  private JsonNode awaitJoinStatus(String what, String task, Predicate<JsonNode> condition) {
    JsonNode[] last = new JsonNode[1];
    Await.until(
        task + ": " + what,
        Duration.ofMillis(WAIT),
        () -> {
          last[0] = joinStatus(task);
          return condition.test(last[0]);
        });
    return last[0];
  }

  private static JsonNode subtask(JsonNode joinStatus, int index) {
    return joinStatus.path("per_subtask").get(index);
  }

  private List<JsonNode> records(String alias, String thread, String topic) {
    return fleet.records(alias, thread, topic, null);
  }

  private List<JsonNode> doneRecords(String parentThread) {
    return records("coordinator", parentThread, FanoutRecords.CHILD_DONE);
  }

  private JsonNode freezeRecord(String alias, String namespace) {
    return controlRecord(alias, "freeze", namespace);
  }

  private JsonNode controlRecord(String alias, String topic, String namespace) {
    JsonNode found = null;
    for (JsonNode record : fleet.records(alias, ThreadIds.FLEET_CONTROL, topic, null)) {
      if (record.path("body").path("namespace").asText().equals(namespace)) {
        found = record;
      }
    }
    assertThat(found).as(alias + " holds a " + topic + " of " + namespace).isNotNull();
    return found;
  }

  private static Record probe(String thread, String namespace) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", "probe");
    body.put("namespace", namespace);
    body.put("nonce", System.nanoTime());
    return new Record(thread, PROBE_ACTOR, Act.INTEND, body, 1, List.of());
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
