package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.HedgeAfter;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl task fan-out --hedge-after} and {@code target=cel:...}, and {@code spl routes}: what
 * they write, and the bad input they refuse writing nothing.
 */
class FanOutRouteHedgeCommandTest {
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
  void hedgeAfterAndACelTargetAreWrittenInTheParentAndItsChunk() {
    String thread = fx.addTask("H-0");
    CliRun run =
        fx.ok(
            "task",
            "fan-out",
            "H-0",
            "--subtask",
            "goal=a,target=cel:worker.labels.gpu == 'a100' && worker.free_slots > 0",
            "--subtask",
            "goal=b,hedge=false",
            "--join",
            "all",
            "--hedge-after",
            "p95");
    assertThat(run.out()).contains("hedge:    a second attempt after p95");
    FanoutParent parent =
        onThread(thread).stream()
            .filter(stored -> FanoutRecords.FANOUT.equals(stored.record().topic()))
            .map(stored -> FanoutParent.fromBody(stored.record().body()))
            .findFirst()
            .orElseThrow();
    assertThat(parent.options().hedgeAfter()).isEqualTo(HedgeAfter.AT_P95);
    String chunk =
        onThread(thread).stream()
            .filter(stored -> FanoutRecords.SUBTASKS.equals(stored.record().topic()))
            .findFirst()
            .orElseThrow()
            .record()
            .body()
            .toString();
    assertThat(chunk)
        .contains("\"target\":\"cel:worker.labels.gpu == 'a100' && worker.free_slots > 0\"")
        .contains("\"hedge\":false");
  }

  @Test
  void badHedgingAndRoutingAreRefusedNamingTheProblem() {
    assertThat(refused("H-1", "--subtask", "goal=a", "--join", "all", "--hedge-after", "p99"))
        .contains("--hedge-after: expected p95 or a number of seconds above 0 but found 'p99'");
    assertThat(refused("H-2", "--subtask", "goal=a", "--join", "all", "--hedge-after", "0"))
        .contains("--hedge-after: expected p95 or a number of seconds above 0");
    assertThat(
            refused(
                "H-3",
                "--subtask",
                "goal=a",
                "--join",
                "all",
                "--hedge-after",
                "5",
                "--max-concurrency",
                "1"))
        .contains("--hedge-after", "--max-concurrency 1");
    assertThat(
            refused(
                "H-4",
                "--subtask",
                "goal=a",
                "--subtask",
                "goal=b,target=cel:worker.gpu == 'a100'",
                "--join",
                "all"))
        .contains("subtask 1: target: the CEL expression does not compile", "worker.gpu");
    assertThat(refused("H-5", "--subtask", "goal=a,target=cel:worker.free_slots", "--join", "all"))
        .contains("subtask 0: target: expected a CEL expression of type bool");
    assertThat(refused("H-6", "--subtask", "goal=a,hedge=sometimes", "--join", "all"))
        .contains("subtask 0: hedge: expected true or false but found 'sometimes'");
  }

  @Test
  void routesAreAddedListedAndRemovedAndBadOnesAreRefused() {
    int before = onThread(ThreadIds.ENGINE_CONFIG).size();
    CliRun bad = fx.spl("routes", "add", "eu", "--route", "worker.zone == 'eu'");
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("routing rule 'eu': body.route:", "worker.zone");
    CliRun badMatch =
        fx.spl("routes", "add", "eu", "--route", "true", "--match", "subtask.colour == 'red'");
    assertThat(badMatch.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badMatch.err()).contains("body.match:", "subtask.colour");
    assertThat(onThread(ThreadIds.ENGINE_CONFIG)).as("nothing written").hasSize(before);

    assertThat(
            fx.ok(
                    "routes",
                    "add",
                    "eu",
                    "--match",
                    "subtask.namespace == 'eu'",
                    "--route",
                    "worker.labels.zone == 'eu'")
                .out())
        .contains("✓ routing rule 'eu' recorded");
    assertThat(fx.ok("routes", "list").out())
        .contains("eu", "subtask.namespace == 'eu'", "worker.labels.zone == 'eu'");
    assertThat(fx.ok("routes", "remove", "eu").out()).contains("✓ routing rule 'eu' removed");
    assertThat(fx.ok("routes", "list").out()).contains("no routing rules");
    CliRun unknown = fx.spl("routes", "remove", "nope");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("routing rule 'nope': no such rule");
  }
}
