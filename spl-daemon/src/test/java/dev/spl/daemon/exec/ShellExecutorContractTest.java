package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Json;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.Verdict;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract table of docs/executors.md is what the shell executor does: a child prints its
 * {@code SPL_*} environment, once with the optional parts (budget, timeout, hint) and once without,
 * and the variables it finds are those the table lists, each in the case the table names.
 */
class ShellExecutorContractTest {
  private static final Path DOC = Path.of("..", "docs", "executors.md");

  @TempDir Path dir;
  private static final dev.spl.core.auth.InstanceKey WORKER_KEY =
      dev.spl.core.auth.InstanceKey.generate();
  private static final String COORDINATOR_URL = "http://127.0.0.1:9100";
  private final ShellExecutor executor =
      new ShellExecutor(
          Clock.systemUTC(),
          null,
          ProcessGroups.unrecorded(),
          null,
          ChildAccess.signedBy(WORKER_KEY, COORDINATOR_URL));

  @AfterEach
  void close() {
    executor.close();
  }

  /** The rows of the contract table whose first cell names a variable: name to "when". */
  private static Map<String, String> documentedVariables() throws IOException {
    List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
    int heading = lines.indexOf("## The shell child's contract");
    assertThat(heading).as("%s has the contract section", DOC).isPositive();
    Pattern row = Pattern.compile("^\\| `(SPL_[A-Z_]+)` \\| (.+) \\| (.+) \\|$");
    Map<String, String> variables = new TreeMap<>();
    for (String line : lines.subList(heading + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      Matcher matcher = row.matcher(line);
      if (matcher.matches()) {
        variables.put(matcher.group(1), matcher.group(3).trim());
      }
    }
    return variables;
  }

  private ChildJob job(
      BigDecimal budget, Integer timeout, String hint, Path workDir, ChildJob.Shard shard) {
    return new ChildJob(
        "th_" + "c".repeat(64),
        "a".repeat(64),
        2,
        "dump the environment",
        budget,
        timeout,
        // One NAME=VALUE per line, the values on one line each.
        "env | grep '^SPL_' | sort > env.txt",
        "b".repeat(64),
        "th_" + "d".repeat(64),
        5,
        "docs/v1",
        "[{\"index\":0,\"verdict\":\"accept\",\"summary\":\"3\"}]",
        workDir,
        hint,
        shard,
        // A stage after the join gets the fan-in; the full job stands for one.
        hint == null ? null : "{\"status\":\"complete\"}");
  }

  private Map<String, String> environmentOf(ChildJob job) throws Exception {
    CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
    executor.start(job, outcome::complete);
    assertThat(outcome.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.ACCEPT);
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(job.workDir().resolve("env.txt"))) {
      int equals = line.indexOf('=');
      env.put(line.substring(0, equals), line.substring(equals + 1));
    }
    return env;
  }

  @Test
  void theTableListsEveryVariableTheShellExecutorSetsAndWhen() throws Exception {
    Map<String, String> documented = documentedVariables();
    assertThat(documented).as("variables in the table of %s", DOC).isNotEmpty();

    Map<String, String> full =
        environmentOf(
            job(
                new BigDecimal("0.50"),
                300,
                "use approach B",
                dir.resolve("full"),
                new ChildJob.Shard(
                    5,
                    40,
                    41,
                    "e".repeat(64),
                    Json.MAPPER.createArrayNode().add("photos/a b.jpg"),
                    DataLoop.Kind.ITEMS)));
    Map<String, String> bare =
        environmentOf(
            job(null, null, null, dir.resolve("bare"), ChildJob.Shard.listed("b".repeat(64), 5)));

    assertThat(new TreeSet<>(full.keySet())).isEqualTo(documented.keySet());
    TreeSet<String> always =
        documented.entrySet().stream()
            .filter(entry -> entry.getValue().equals("always"))
            .map(Map.Entry::getKey)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(new TreeSet<>(bare.keySet())).isEqualTo(always);
    // What is not always set is set only in the case the table names.
    assertThat(documented.get("SPL_BUDGET_USD")).contains("`budget`");
    assertThat(documented.get("SPL_TIMEOUT_SECS")).contains("`timeout`");
    assertThat(documented.get("SPL_HINT")).contains("hint");
    assertThat(documented.get("SPL_ITEMS_FILE")).contains("data child");
    assertThat(documented.get("SPL_ITEM")).contains("one item");
    assertThat(documented.get("SPL_FANIN_FILE")).contains("stage after the join");
    assertThat(dir.resolve("full").resolve("fanin-2.json")).hasContent("{\"status\":\"complete\"}");
    assertThat(bare)
        .containsEntry("SPL_IDEMPOTENCY_KEY", DataLoop.idempotencyKey("b".repeat(64), 5, 5, 6))
        .containsEntry("SPL_ITER_FROM", "5")
        .containsEntry("SPL_ITER_TO", "6");
    assertThat(dir.resolve("full").resolve("items-2.jsonl")).hasContent("\"photos/a b.jpg\"");

    assertThat(full)
        .containsEntry("SPL_GOAL", "dump the environment")
        .containsEntry("SPL_CHILD_THREAD", "th_" + "c".repeat(64))
        .containsEntry("SPL_CHILD_INTEND", "a".repeat(64))
        .containsEntry("SPL_FANOUT", "b".repeat(64))
        .containsEntry("SPL_INDEX", "5")
        .containsEntry("SPL_ATTEMPT", "2")
        .containsEntry("SPL_NAMESPACE", "docs/v1")
        .containsEntry("SPL_IDEMPOTENCY_KEY", "e".repeat(64))
        .containsEntry("SPL_SHARD", "5")
        .containsEntry("SPL_ITER_FROM", "40")
        .containsEntry("SPL_ITER_TO", "41")
        .containsEntry("SPL_ITEM", "photos/a b.jpg")
        .containsEntry(
            "SPL_ITEMS_FILE",
            dir.resolve("full").resolve("items-2.jsonl").toAbsolutePath().toString())
        .containsEntry("SPL_INPUTS", "[{\"index\":0,\"verdict\":\"accept\",\"summary\":\"3\"}]")
        .containsEntry("SPL_BUDGET_USD", "0.50")
        .containsEntry("SPL_TIMEOUT_SECS", "300")
        .containsEntry("SPL_HINT", "use approach B")
        .containsEntry("SPL_URL", COORDINATOR_URL);
    // The credential names this attempt and verifies with the worker's key only.
    dev.spl.core.auth.ChildCredential credential =
        dev.spl.core.auth.ChildCredential.parse(full.get("SPL_CHILD_CREDENTIAL"));
    assertThat(credential.childThread()).isEqualTo("th_" + "c".repeat(64));
    assertThat(credential.attempt()).isEqualTo(2);
    assertThat(credential.isSignedBy(WORKER_KEY.publicKey())).isTrue();
    // The working folder and the output file are the ones the table names.
    assertThat(dir.resolve("full").resolve(ShellExecutor.outputFileName(2))).isRegularFile();
  }

  @Test
  void theTableStatesTheSummaryLimitsTheExecutorUses() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    assertThat(doc)
        .contains("the last " + ShellExecutor.SUMMARY_LINES + " lines of output")
        .contains(
            String.format(java.util.Locale.ROOT, "%,d characters", ShellExecutor.SUMMARY_CHARS))
        .contains("`output-ATTEMPT.log`");
    assertThat(Arrays.asList(doc.split("\n")))
        .anyMatch(line -> line.startsWith("| exit 0 | verdict `accept`"));
  }
}
