package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.Act;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spl task add|show|list|fan-out} against an in-process daemon. */
class TaskCommandTest {
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

  @Test
  void addWritesTheGenesisIntendAndPrintsThreadAndAlias() {
    CliRun run =
        fx.ok(
            "task",
            "add",
            "Tutorial: parallel docs writing",
            "--priority",
            "high",
            "--domain",
            "docs",
            "--hypothesis",
            "Fan-out works end to end",
            "--criteria",
            "All 3 subtasks complete",
            "--criteria",
            "Under 5 minutes",
            "--alias",
            "TUT-001",
            "--namespace",
            "docs/v1");
    assertThat(run.out()).startsWith("◇ Task created: Tutorial: parallel docs writing");
    assertThat(run.out()).containsPattern("thread: th_[0-9a-f]{64}").contains("alias:  TUT-001");
    StoredRecord genesis = only(new RecordQuery(null, "task", Act.INTEND, 0, 100));
    JsonNode body = genesis.record().body();
    assertThat(body.path("title").asText()).isEqualTo("Tutorial: parallel docs writing");
    assertThat(body.path("priority").asText()).isEqualTo("high");
    assertThat(body.path("domain").asText()).isEqualTo("docs");
    assertThat(body.path("criteria")).hasSize(2);
    assertThat(body.path("namespace").asText()).isEqualTo("docs/v1");
    assertThat(genesis.record().actor()).isEqualTo("did:sync:user:tester");
    assertThat(run.out()).contains(genesis.record().thread());
  }

  @Test
  void aliasesAreUniqueAndGeneratedWhenAbsent() {
    fx.addTask("FIRST-001");
    long before = daemon.records().count();
    CliRun duplicate = fx.spl("task", "add", "Another", "--alias", "FIRST-001");
    assertThat(duplicate.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(duplicate.err())
        .contains("--alias: 'FIRST-001' is taken by the task 'Task FIRST-001'");
    assertThat(daemon.records().count()).isEqualTo(before);

    CliRun bad = fx.spl("task", "add", "x", "--alias", "has space");
    assertThat(bad.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("--alias").contains("has space");

    CliRun generated = fx.ok("-o", "json", "task", "add", "No alias given");
    String alias = generated.json().path("alias").asText();
    assertThat(alias).matches("task-[0-9a-f]{8}");
    assertThat(generated.json().path("thread").asText()).startsWith("th_" + alias.substring(5));
    assertThat(fx.ok("task", "show", alias).out()).contains("Task: No alias given");
  }

  @Test
  void showAndListGiveStatusAndUnknownTasksAreNamed() {
    String thread = fx.addTask("SHOW-1", "--criteria", "it works", "--hypothesis", "maybe");
    CliRun show = fx.ok("task", "show", "SHOW-1");
    assertThat(show.out())
        .contains("Task: Task SHOW-1", "Thread:", thread, "Status:", "open", "- it works")
        .contains("Hypothesis:  maybe")
        .containsPattern("Records:\\s+1");
    assertThat(fx.ok("task", "show", thread).out()).contains("Alias:       SHOW-1");

    CliRun unknown = fx.spl("task", "show", "NOPE-9");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("unknown task 'NOPE-9'");
    CliRun unknownThread = fx.spl("task", "show", "th_" + "0".repeat(64));
    assertThat(unknownThread.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknownThread.err()).contains("unknown task 'th_000");

    fx.addTask("LIST-2");
    fx.ok("task", "fan-out", "LIST-2", "--subtask", "goal=a", "--join", "all");
    CliRun list = fx.ok("task", "list");
    List<String> lines = list.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ALIAS").contains("STATUS", "TITLE");
    assertThat(lines).anyMatch(l -> l.startsWith("SHOW-1") && l.contains("open"));
    assertThat(lines).anyMatch(l -> l.startsWith("LIST-2") && l.contains("fanned out"));
  }

  @Test
  void everyBadFanOutIsRefusedWithIndexAndKeyAndWritesNothing() throws IOException {
    fx.addTask("BAD-1");
    fx.addTask("DONE-1");
    fx.ok("task", "fan-out", "DONE-1", "--subtask", "goal=a", "--join", "all");
    Path badLines = home.resolve("bad.jsonl");
    Files.writeString(badLines, "{\"goal\":\"a\"}\n{not json\n");
    Path twiceLines = home.resolve("twice.jsonl");
    Files.writeString(twiceLines, "{\"goal\":\"a\",\"goal\":\"b\"}\n");
    long before = daemon.records().count();

    refused("subtasks: a fan-out needs at least one subtask", "BAD-1");
    refused("subtask 0: goal: required but missing", "BAD-1", "--subtask", "target=worker-a");
    refused(
        "subtask 1: unknown key 'colour'",
        "BAD-1",
        "--subtask",
        "goal=a",
        "--subtask",
        "goal=b,colour=red");
    refused(
        "subtask 0: budget: expected an amount in USD", "BAD-1", "--subtask", "goal=a,budget=lots");
    refused(
        "subtask 0: timeout: expected a whole number of seconds",
        "BAD-1",
        "--subtask",
        "goal=a,timeout=1.5");
    refused(
        "subtask 0: depends: index 3 is out of range (2 subtasks: 0..1)",
        "BAD-1",
        "--subtask",
        "goal=a,depends=3",
        "--subtask",
        "goal=b");
    refused(
        "subtask 1: depends: a subtask cannot depend on itself",
        "BAD-1",
        "--subtask",
        "goal=a",
        "--subtask",
        "goal=b,depends=1");
    refused(
        "depends: cycle",
        "BAD-1",
        "--subtask",
        "goal=a,depends=1",
        "--subtask",
        "goal=b,depends=0");
    refused(
        "subtask 0: target: no worker with DID 'did:sync:instance:0123456789abcdef'",
        "BAD-1",
        "--subtask",
        "goal=a,target=specific:did:sync:instance:0123456789abcdef");
    refused(
        "subtask 0: target: no worker with alias 'worker-z'",
        "BAD-1",
        "--subtask",
        "goal=a,target=worker-z");
    refusedWithJoin("join: k_of_n needs K in 1..2 (N = 2 subtasks) but K = 3", "k_of_n:3");
    refusedWithJoin("join: k_of_n needs K in 1..2 (N = 2 subtasks) but K = 0", "k_of_n:0");
    refusedWithJoin("join: the CEL expression does not compile (line 1, column 1)", "acepted >= 1");
    refusedWithJoin("join: expected a CEL expression of type bool", "accepted + 1");
    refused("unknown task 'NOPE'", "NOPE", "--subtask", "goal=a");
    refused("task 'DONE-1' already has a fan-out", "DONE-1", "--subtask", "goal=a");
    refused("subtask 1: line 2: not valid JSON", "BAD-1", "--subtasks-file", badLines.toString());
    refused("--subtasks-file: no such file", "BAD-1", "--subtasks-file", home + "/none");
    refused(
        "subtask 0: line 1: not valid JSON at line 1, column 19: the key 'goal' is given twice",
        "BAD-1",
        "--subtasks-file",
        twiceLines.toString());
    refused(
        "subtask 0: timeout: expected at most 2592000 seconds (30 days) but found 1e18",
        "BAD-1",
        "--subtask",
        "goal=a,timeout=1e18");
    refused(
        "--max-attempts: expected a whole number >= 1",
        "BAD-1",
        "--subtask",
        "goal=a",
        "--max-attempts",
        "0");

    assertThat(daemon.records().count()).isEqualTo(before);
  }

  @Test
  void fanOutWritesChunksThenTheParentAndTheFoldReadsThemBack() {
    String thread = fx.addTask("FAN-1", "--namespace", "docs/v1");
    CliRun run =
        fx.ok(
            "task",
            "fan-out",
            "FAN-1",
            "--subtask",
            "goal=Write section A,target=round-robin,budget=0.50,timeout=300",
            "--subtask",
            "goal=\"Write B, with a comma\",budget=0.50",
            "--subtask",
            "goal=Summarise,target=least-loaded-worker,depends=0+1",
            "--join",
            "all");
    assertThat(run.out())
        .contains("◇ Fan-out parent INTEND created", "thread:   " + thread, "subtasks: 3")
        .contains("join:     all", "Watch progress: spl task join-status FAN-1");
    List<StoredRecord> chunks =
        daemon.records().query(new RecordQuery(thread, "fanout_subtasks", Act.LEARN, 0, 100));
    StoredRecord parent = only(new RecordQuery(thread, "fanout", Act.INTEND, 0, 100));
    assertThat(chunks).hasSize(1);
    assertThat(chunks.get(0).record().body().path("subtasks").get(1).path("goal").asText())
        .isEqualTo("Write B, with a comma");
    assertThat(parent.record().parents()).containsExactly(chunks.get(0).id());
    assertThat(parent.record().body().path("namespace").asText()).isEqualTo("docs/v1");
    assertThat(parent.record().body().path("subtask_count").asInt()).isEqualTo(3);
    assertThat(run.out()).contains("record:   " + parent.id());
    assertThat(parent.seq()).isGreaterThan(chunks.get(0).seq());

    FanoutState state = fold(thread);
    assertThat(state.width()).isEqualTo(3);
    assertThat(state.specs().get(2).depends()).containsExactly(0, 1);

    CliRun replaced =
        fx.ok("task", "fan-out", "FAN-1", "--subtask", "goal=again", "--join", "any", "--replace");
    assertThat(replaced.out()).contains("replaces: " + parent.id());
    assertThat(fold(thread).replaces()).isEqualTo(parent.id());
  }

  @Test
  void tenThousandSubtasksFromAFileOrStdinGoInChunksUnderTheRequestLimit() throws IOException {
    String thread = fx.addTask("WIDE-1");
    String lines =
        IntStream.range(0, 10_000)
            .mapToObj(
                i ->
                    "{\"goal\":\"Index shard "
                        + i
                        + "\",\"timeout\":60"
                        + (i == 9_999 ? ",\"depends\":[0,1]" : "")
                        + "}")
            .collect(Collectors.joining("\n"));
    Path file = home.resolve("wide.jsonl");
    Files.writeString(file, lines + "\n\n");
    CliRun run =
        fx.ok(
            "-o",
            "json",
            "task",
            "fan-out",
            "WIDE-1",
            "--subtasks-file",
            file.toString(),
            "--join",
            "k_of_n:9000");
    JsonNode out = run.json();
    assertThat(out.path("subtasks").asInt()).isEqualTo(10_000);
    assertThat(out.path("chunks").size()).isEqualTo(10);
    List<StoredRecord> chunks =
        daemon.records().query(new RecordQuery(thread, "fanout_subtasks", Act.LEARN, 0, 100));
    assertThat(chunks).hasSize(10);
    for (StoredRecord chunk : chunks) {
      assertThat(chunk.record().body().path("subtasks").size()).isLessThanOrEqualTo(1_000);
      assertThat(RecordsApi.sizeOf(chunk.record().body()))
          .isLessThan(FanOutCommand.CHUNK_BYTES + 1024);
    }
    FanoutState state = fold(thread);
    assertThat(state.width()).isEqualTo(10_000);
    assertThat(state.specs().get(9_999).depends()).containsExactly(0, 1);
    assertThat(state.join()).isEqualTo("k_of_n:9000");

    String thread2 = fx.addTask("WIDE-2");
    CliRun stdin =
        CliRun.runWithInput(
            env, lines, "task", "fan-out", "WIDE-2", "--subtasks-file", "-", "--join", "all");
    assertThat(stdin.exitCode()).as(stdin.toString()).isZero();
    assertThat(stdin.out()).contains("subtasks: 10,000");
    assertThat(fold(thread2).width()).isEqualTo(10_000);
  }

  @Test
  void aDescriptorTooLargeForOneRecordIsRefused() {
    fx.addTask("BIG-1");
    long before = daemon.records().count();
    CliRun run =
        fx.spl(
            "task",
            "fan-out",
            "BIG-1",
            "--subtask",
            "goal=a",
            "--subtask",
            "goal=" + "x".repeat(200_000),
            "--join",
            "all");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("subtask 1: the descriptor is 200,");
    assertThat(daemon.records().count()).isEqualTo(before);
  }

  @Test
  void fanOutIntoAFrozenNamespaceIsRefusedBeforeWriting() {
    fx.addTask("FROZEN-1", "--namespace", "ops");
    fx.ok("kill", "--namespace", "ops", "--reason", "drill");
    long before = daemon.records().count();
    CliRun run = fx.spl("task", "fan-out", "FROZEN-1", "--subtask", "goal=a", "--join", "all");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err()).contains("namespace 'ops' is frozen (soft: drill)");
    assertThat(daemon.records().count()).isEqualTo(before);
  }

  private void refused(String expected, String task, String... more) {
    String[] args = new String[3 + more.length + 2];
    args[0] = "task";
    args[1] = "fan-out";
    args[2] = task;
    System.arraycopy(more, 0, args, 3, more.length);
    args[args.length - 2] = "--join";
    args[args.length - 1] = "all";
    CliRun run = fx.spl(args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).as(run.toString()).contains(expected);
  }

  private void refusedWithJoin(String expected, String join) {
    CliRun run =
        fx.spl(
            "task",
            "fan-out",
            "BAD-1",
            "--subtask",
            "goal=a",
            "--subtask",
            "goal=b",
            "--join",
            join);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).as(run.toString()).contains(expected);
  }

  private FanoutState fold(String thread) {
    Fanouts fanouts = new Fanouts(new TaskFold.LazyCelJoins());
    daemon.records().query(new RecordQuery(thread, null, null, 0, 10_000)).forEach(fanouts::apply);
    return fanouts.latestForThread(thread).orElseThrow();
  }

  private StoredRecord only(RecordQuery query) {
    List<StoredRecord> found = daemon.records().query(query);
    assertThat(found).hasSize(1);
    return found.get(0);
  }
}
