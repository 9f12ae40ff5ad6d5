package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.ItemChunk;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spl task fan-out --items|--range}: what it writes, and the bad input it refuses. */
class DataFanOutCommandTest {
  @TempDir Path home;
  @TempDir Path files;
  private Daemon daemon;
  private Map<String, String> env;
  private TaskFixture fx;

  @BeforeEach
  void startDaemon() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).maxChildren(50_000).build());
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    fx = new TaskFixture(daemon, env);
  }

  @AfterEach
  void stopDaemon() {
    daemon.close();
  }

  private List<StoredRecord> onThread(String thread) {
    return daemon.records().query(new RecordQuery(thread, null, null, 0, RecordQuery.MAX_LIMIT));
  }

  private Path file(String name, String content) throws Exception {
    Path path = files.resolve(name);
    Files.writeString(path, content);
    return path;
  }

  @Test
  void itemsFromAFileBecomeChunksAndAParentWithTheLoopAndOptions() throws Exception {
    String thread = fx.addTask("D-1");
    Path items =
        file(
            "items.jsonl",
            "{\"path\":\"a.png\"}\n{\"path\":\"b c.png\"}\n\n{\"path\":\"d.png\"}\n");

    CliRun run =
        fx.ok(
            "-o",
            "json",
            "task",
            "fan-out",
            "D-1",
            "--items",
            items.toString(),
            "--template",
            "goal=Resize {{item.path}},run=./resize.sh {{item.path}} {{index}}",
            "--join",
            "all",
            "--policy",
            "allow-partial",
            "--max-retries",
            "3",
            "--retry-backoff",
            "0.5",
            "--max-concurrency",
            "2");

    JsonNode out = run.json();
    assertThat(out.path("subtasks").asInt()).isEqualTo(3);
    assertThat(out.path("loop").asText()).isEqualTo("items");
    assertThat(out.path("policy").asText()).isEqualTo("allow-partial");
    FanoutParent parent = FanoutParent.fromBody(parentOf(thread).record().body());
    assertThat(parent.loop().count()).isEqualTo(3);
    assertThat(parent.options().maxRetries()).isEqualTo(3);
    assertThat(parent.options().retryBackoffMillis()).isEqualTo(500);
    assertThat(parent.options().maxConcurrency()).isEqualTo(2);
    List<StoredRecord> chunks =
        onThread(thread).stream()
            .filter(r -> FanoutRecords.ITEMS.equals(r.record().topic()))
            .toList();
    assertThat(chunks).hasSize(1);
    assertThat(
            ItemChunk.fromBody(chunks.get(0).record().body()).items().get(1).path("path").asText())
        .isEqualTo("b c.png");
  }

  @Test
  void itemsFromStandardInputAsPlainLinesAndARangeInShards() {
    String thread = fx.addTask("D-2");
    CliRun run =
        CliRun.runWithInput(
            env,
            "one\ntwo\nthree\n",
            "task",
            "fan-out",
            "D-2",
            "--items",
            "-",
            "--items-format",
            "lines",
            "--template",
            "goal=Handle {{item}}",
            "--join",
            "all");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("children: 3");
    assertThat(FanoutParent.fromBody(parentOf(thread).record().body()).loop().width()).isEqualTo(3);

    String ranged = fx.addTask("D-3");
    CliRun range =
        fx.ok(
            "task",
            "fan-out",
            "D-3",
            "--range",
            "0..1000000000",
            "--shard-size",
            "100000",
            "--template",
            "goal=Sum shard {{shard}} of {{n}}",
            "--join",
            "all");
    assertThat(range.out())
        .contains("range 0..1000000000 in shards of 100,000", "children: 10,000");
    FanoutParent parent = FanoutParent.fromBody(parentOf(ranged).record().body());
    assertThat(parent.chunks()).isEmpty();
    assertThat(parent.loop().iterFrom(9_999)).isEqualTo(999_900_000L);
  }

  private StoredRecord parentOf(String thread) {
    return onThread(thread).stream()
        .filter(r -> FanoutRecords.FANOUT.equals(r.record().topic()))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  /** Runs a fan-out of task {@code alias} that must be refused, and checks nothing was written. */
  private String refused(String alias, String input, String... options) {
    String thread = fx.addTask(alias);
    int before = onThread(thread).size();
    String[] args = new String[3 + options.length];
    args[0] = "task";
    args[1] = "fan-out";
    args[2] = alias;
    System.arraycopy(options, 0, args, 3, options.length);
    CliRun run = input == null ? fx.spl(args) : CliRun.runWithInput(env, input, args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(onThread(thread)).as("nothing written").hasSize(before);
    return run.err();
  }

  @Test
  void badInputIsRefusedNamingWhatAndWhereAndNothingIsWritten() throws Exception {
    String t = "goal=Do {{item}}";
    assertThat(
            refused(
                "B-1",
                null,
                "--items",
                files.resolve("nope").toString(),
                "--template",
                t,
                "--join",
                "all"))
        .contains("--items: no such file");
    assertThat(
            refused(
                "B-2",
                null,
                "--items",
                file("bad.jsonl", "1\n2\n{oops\n").toString(),
                "--template",
                t,
                "--join",
                "all"))
        .contains("--items", "line 3");
    assertThat(refused("B-3", "", "--items", "-", "--template", t, "--join", "all"))
        .contains("no items");
    assertThat(
            refused(
                "B-4",
                null,
                "--items",
                file("i.jsonl", "1\n").toString(),
                "--subtask",
                "goal=x",
                "--template",
                t,
                "--join",
                "all"))
        .contains("--subtask");
    assertThat(refused("B-5", null, "--range", "10..5", "--template", t, "--join", "all"))
        .contains("--range", "10..5");
    assertThat(refused("B-6", null, "--range", "0..1.5", "--template", "goal=x", "--join", "all"))
        .contains("--range", "'1.5'");
    assertThat(
            refused("B-7", null, "--range", "0..100000", "--template", "goal=x", "--join", "all"))
        .contains("100,000 children", "at most 50,000");
    assertThat(
            refused(
                "B-8",
                null,
                "--range",
                "0..10",
                "--shard-size",
                "0",
                "--template",
                "goal=x",
                "--join",
                "all"))
        .contains("--shard-size");
    assertThat(
            refused(
                "B-9",
                null,
                "--range",
                "0..10",
                "--max-concurrency",
                "0",
                "--template",
                "goal=x",
                "--join",
                "all"))
        .contains("--max-concurrency");
    assertThat(
            refused(
                "B-10",
                null,
                "--range",
                "0..10",
                "--max-retries",
                "101",
                "--template",
                "goal=x",
                "--join",
                "all"))
        .contains("--max-retries", "101");
    assertThat(
            refused(
                "B-11",
                null,
                "--range",
                "0..10",
                "--max-retries",
                "-1",
                "--template",
                "goal=x",
                "--join",
                "all"))
        .contains("--max-retries", "-1");
    assertThat(
            refused(
                "B-12", null, "--range", "0..10", "--template", "goal={{nope}}", "--join", "all"))
        .contains("{{nope}}");
    assertThat(
            refused(
                "B-13",
                null,
                "--items",
                file("f.jsonl", "{\"a\":1}\n{\"b\":2}\n").toString(),
                "--template",
                "goal=Do {{item.a}}",
                "--join",
                "all"))
        .contains("item 1", "a");
    assertThat(
            refused(
                "B-14",
                null,
                "--items",
                file("big.jsonl", "\"" + "x".repeat(300_000) + "\"\n").toString(),
                "--template",
                t,
                "--join",
                "all"))
        .contains("bytes", "at most");
    assertThat(
            refused(
                "B-15",
                null,
                "--range",
                "0..10",
                "--policy",
                "sometimes",
                "--template",
                "goal=x",
                "--join",
                "all"))
        .contains("--policy");
  }
}
