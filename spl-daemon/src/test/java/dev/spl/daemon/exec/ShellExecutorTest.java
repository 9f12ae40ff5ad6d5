package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.Verdict;
import dev.spl.testing.Await;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ShellExecutorTest {
  @TempDir Path dir;
  private final ShellExecutor executor = new ShellExecutor(Clock.systemUTC());

  @AfterEach
  void close() {
    executor.close();
  }

  private ChildJob job(String run, Integer timeoutSecs, BigDecimal budget) {
    return new ChildJob(
        "th_" + "c".repeat(64),
        "a".repeat(64),
        1,
        "count lines",
        budget,
        timeoutSecs,
        run,
        "b".repeat(64),
        "th_" + "d".repeat(64),
        3,
        "docs",
        "[{\"index\":0,\"verdict\":\"accept\"}]",
        dir.resolve("child"),
        null);
  }

  private ChildOutcome run(ChildJob job) throws Exception {
    CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
    executor.start(job, outcome::complete);
    return outcome.get(30, TimeUnit.SECONDS);
  }

  @Test
  void exitZeroIsAcceptAndTheOutputTailIsTheSummary() throws Exception {
    ChildOutcome outcome =
        run(job("echo one; echo \"$SPL_GOAL/$SPL_INDEX/$SPL_NAMESPACE/$SPL_INPUTS\"", 30, null));

    assertThat(outcome.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.summary())
        .isEqualTo("one\ncount lines/3/docs/[{\"index\":0,\"verdict\":\"accept\"}]");
    assertThat(outcome.costUsd()).isEqualByComparingTo("0");
  }

  @Test
  void runsInTheChildsOwnFolderWithAnIdempotencyKey() throws Exception {
    ChildOutcome outcome = run(job("pwd; echo $SPL_IDEMPOTENCY_KEY", 30, null));

    assertThat(outcome.summary())
        .isEqualTo(
            dir.resolve("child").toRealPath()
                + "\n"
                + DataLoop.idempotencyKey("b".repeat(64), 3, 3, 4));
  }

  @Test
  void nonZeroExitIsReject() throws Exception {
    ChildOutcome outcome = run(job("echo broken >&2; exit 3", 30, null));

    assertThat(outcome.verdict()).isEqualTo(Verdict.REJECT);
    assertThat(outcome.exitCode()).isEqualTo(3);
    assertThat(outcome.summary()).isEqualTo("broken");
  }

  @Test
  void aFinalJsonLineReportsCostAndSummary() throws Exception {
    ChildOutcome outcome =
        run(job("echo work; echo '{\"cost_usd\": 0.25, \"summary\": \"done A\"}'", 30, null));

    assertThat(outcome.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(outcome.costUsd()).isEqualByComparingTo("0.25");
    assertThat(outcome.summary()).isEqualTo("done A");
  }

  @Test
  void aReportedCostAboveTheBudgetIsOverBudget() throws Exception {
    ChildOutcome outcome = run(job("echo '{\"cost_usd\": 0.75}'", 30, new BigDecimal("0.50")));

    assertThat(outcome.verdict()).isEqualTo(Verdict.OVER_BUDGET);
    assertThat(outcome.costUsd()).isEqualByComparingTo("0.75");
  }

  @Test
  void pastTheTimeoutTheWholeProcessTreeIsStopped() throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    ChildOutcome outcome = run(job("sleep 300 & echo $! > " + pidFile + "; wait", 1, null));

    assertThat(outcome.verdict()).isEqualTo(Verdict.TIMEOUT);
    long grandchild = Long.parseLong(Files.readString(pidFile).trim());
    awaitGone(grandchild);
  }

  @Test
  void cancelStopsTheProcessTreeAndReportsCancelled() throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
    Executor.Execution execution =
        executor.start(
            job("sleep 300 & echo $! > " + pidFile + "; wait", 300, null), outcome::complete);
    awaitFile(pidFile);

    execution.cancel("join satisfied");

    assertThat(outcome.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.CANCELLED);
    awaitGone(Long.parseLong(Files.readString(pidFile).trim()));
  }

  @Test
  void aMissingRunCommandFailsWithAnExplanation() throws Exception {
    ChildOutcome outcome = run(job(null, 30, null));

    assertThat(outcome.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(outcome.summary()).contains("run=");
  }

  @Test
  void reportParsingKeepsAPlainBraceLineInTheSummary() {
    ShellExecutor.Report report = ShellExecutor.Report.parse(new String[] {"a", "{not json"});

    assertThat(report.cost()).isNull();
    assertThat(report.summary()).isEqualTo("a\n{not json");
  }

  @Test
  void reportParsingKeepsALineWithANumberOutOfRangeInTheSummary() {
    String line = "{\"cost_usd\":1234567e901234567890}";

    ShellExecutor.Report report = ShellExecutor.Report.parse(new String[] {"a", line});

    assertThat(report.cost()).isNull();
    assertThat(report.line()).isNull();
    assertThat(report.summary()).isEqualTo("a\n" + line);
    assertThat(ShellExecutor.Report.costOf(line)).isNull();
  }

  /** The lines of a file, or none when it does not exist yet. */
  public static java.util.List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : java.util.List.of();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void awaitGone(long pid) {
    Await.until(
        "process " + pid + " is gone",
        () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  static void awaitFile(Path file) {
    Await.until(
        file + " is written",
        () -> {
          try {
            return Files.exists(file) && !Files.readString(file).isBlank();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /**
   * Hostile items reach the command as data: through a template's single-quoted words, through
   * {@code SPL_ITEM} and through {@code SPL_ITEMS_FILE}; none of them runs.
   */
  @Test
  void hostileItemsReachTheCommandAsDataNeverAsCode() throws Exception {
    Path canary = dir.resolve("canary");
    java.nio.file.Files.writeString(canary, "alive");
    String hostile = "$(rm -f " + canary + ")`rm -f " + canary + "`; rm -f " + canary + " #'\"";
    dev.spl.core.fanout.ChildTemplate template =
        dev.spl.core.fanout.ChildTemplate.parseCli(
            "goal=Handle {{item}},run=printf '%s\\n' {{item}} > arg.txt;"
                + " printf '%s\\n' \"$SPL_ITEM\" > env.txt; cat \"$SPL_ITEMS_FILE\" > file.txt");
    dev.spl.core.fanout.ChildTemplate.Expanded expanded =
        template.expand(com.fasterxml.jackson.databind.node.TextNode.valueOf(hostile), 0, 0, 1);
    ChildJob job =
        new ChildJob(
            "th_" + "c".repeat(64),
            "a".repeat(64),
            1,
            expanded.goal(),
            null,
            30,
            expanded.run(),
            "b".repeat(64),
            "th_" + "d".repeat(64),
            0,
            "docs",
            "[]",
            dir.resolve("hostile"),
            null,
            new ChildJob.Shard(
                0,
                0,
                1,
                DataLoop.idempotencyKey("b".repeat(64), 0, 0, 1),
                dev.spl.core.Json.MAPPER.createArrayNode().add(hostile),
                DataLoop.Kind.ITEMS));

    ChildOutcome outcome = run(job);

    assertThat(outcome.verdict()).as(outcome.summary()).isEqualTo(Verdict.ACCEPT);
    assertThat(canary).hasContent("alive");
    Path work = dir.resolve("hostile");
    assertThat(work.resolve("arg.txt")).hasContent(hostile);
    assertThat(work.resolve("env.txt")).hasContent(hostile);
    assertThat(work.resolve("file.txt"))
        .hasContent(
            dev.spl.core.CanonicalJson.string(
                com.fasterxml.jackson.databind.node.TextNode.valueOf(hostile)));
  }
}
