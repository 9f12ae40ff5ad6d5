package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spl task fan-out --total-budget}: what it writes, and the bad budgets it refuses. */
class FanOutBudgetCommandTest {
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

  private List<StoredRecord> onThread(String thread) {
    return daemon.records().query(new RecordQuery(thread, null, null, 0, RecordQuery.MAX_LIMIT));
  }

  private String refused(String alias, String... options) {
    String thread = fx.addTask(alias);
    int before = onThread(thread).size();
    String[] args = new String[3 + options.length];
    args[0] = "task";
    args[1] = "fan-out";
    args[2] = alias;
    System.arraycopy(options, 0, args, 3, options.length);
    CliRun run = fx.spl(args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(onThread(thread)).as("nothing written").hasSize(before);
    return run.err();
  }

  @Test
  void theTotalBudgetIsWrittenInTheParent() {
    String thread = fx.addTask("B-0");

    CliRun run =
        fx.ok(
            "task",
            "fan-out",
            "B-0",
            "--subtask",
            "goal=a,budget=0.50",
            "--subtask",
            "goal=b,budget=0.50",
            "--join",
            "all",
            "--total-budget",
            "2.5");

    assertThat(run.out()).contains("budget:   $2.5 in total");
    FanoutParent parent =
        onThread(thread).stream()
            .filter(stored -> FanoutRecords.FANOUT.equals(stored.record().topic()))
            .map(stored -> FanoutParent.fromBody(stored.record().body()))
            .findFirst()
            .orElseThrow();
    assertThat(parent.options().totalBudgetUsd()).isEqualByComparingTo("2.5");
  }

  @Test
  void badBudgetsAreRefusedNamingTheProblemAndNothingIsWritten() {
    String[] subtask = {"--subtask", "goal=a,budget=0.5", "--join", "all"};
    assertThat(refused("B-1", concat(subtask, "--total-budget", "0")))
        .contains("--total-budget: expected an amount in USD above 0", "found 0");
    assertThat(refused("B-2", concat(subtask, "--total-budget", "-3")))
        .contains("--total-budget: expected an amount in USD above 0", "found -3");
    assertThat(refused("B-3", concat(subtask, "--total-budget", "lots")))
        .contains("--total-budget: expected an amount in USD such as 5 or 2.50 but found 'lots'");
    assertThat(refused("B-4", "--subtask", "goal=a,budget=cheap", "--join", "all"))
        .contains("subtask 0", "budget", "cheap");
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = new String[first.length + more.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }
}
