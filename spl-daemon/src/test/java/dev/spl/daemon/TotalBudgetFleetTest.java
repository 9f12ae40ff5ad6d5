package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutPolicy;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.testing.Await;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --total-budget} on a coordinator and a command worker in one JVM, with a fake agent (a
 * shell script the test writes) that reports the cost its goal names: spawning stops once spent
 * plus committed would exceed the total, and a child still running is cancelled once spent does.
 */
class TotalBudgetFleetTest {
  @TempDir Path dir;
  @RegisterExtension final TestFleet fleet = new TestFleet();

  /**
   * The agent's arguments are the goal: {@code cost=C} reports C USD; {@code wait} first waits
   * until the file {@code release} exists (the test never creates it: only a cancel ends it).
   */
  private Daemon startFleet() throws IOException {
    Path agent = dir.resolve("fake-agent");
    Files.writeString(
        agent,
        String.join(
            "\n",
            "#!/bin/sh",
            "case \"$1\" in *wait*) while [ ! -f '"
                + dir.resolve("release")
                + "' ]; do"
                + " sleep 0.05; done ;; esac",
            "cost=${1#*cost=}",
            "printf '{\"cost\": %s}' \"${cost%% *}\" > \"$SPL_RESULT_FILE\"",
            ""),
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwx------"));
    Daemon coordinator = fleet.coordinator();
    fleet.worker(coordinator, "worker-a", settings -> settings.command(agent + " {{goal}}"));
    fleet.awaitLive(coordinator, 1);
    return coordinator;
  }

  private static FanoutOptions total(String usd) {
    return new FanoutOptions(
        FanoutPolicy.ALLOW_PARTIAL,
        0,
        FanoutOptions.DEFAULT_BACKOFF_MILLIS,
        0,
        new BigDecimal(usd),
        null);
  }

  private static JoinComplete awaitJoin(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    return JoinComplete.fromBody(
        onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).get(0).record().body());
  }

  private static Map<Integer, ChildDone> results(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Map<Integer, ChildDone> byIndex = new TreeMap<>();
    onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE)
        .forEach(
            stored -> {
              ChildDone done = ChildDone.fromBody(stored.record().body());
              byIndex.put(done.index(), done);
            });
    return byIndex;
  }

  private static JsonNode summary(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    return FleetTestSupport.parse(
        new Http(coordinator.url()).get("/v1/fanouts/" + fanout.id()).text());
  }

  @Test
  void aChildThatNoLongerFitsIsNeverSpawnedAndTheFanInSaysWhatWasSpent() throws Exception {
    Daemon coordinator = startFleet();

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "agents",
            "all",
            List.of(
                "{\"goal\":\"cost=0.35\",\"budget\":0.4}",
                "{\"goal\":\"cost=0.35\",\"budget\":0.4}",
                "{\"goal\":\"cost=0.35\",\"budget\":0.4}"),
            total("1.00"));
    JoinComplete join = awaitJoin(coordinator, fanout);

    Map<Integer, ChildDone> results = results(coordinator, fanout);
    // Two fit at once (0.80 committed); after both, 0.70 spent + 0.40 would pass 1.00.
    assertThat(results.keySet()).hasSize(2);
    assertThat(results.values())
        .allSatisfy(done -> assertThat(done.verdict().wire()).isEqualTo("accept"));
    int never =
        List.of(0, 1, 2).stream().filter(i -> !results.containsKey(i)).findFirst().orElseThrow();
    JsonNode neverSpawned = FleetTestSupport.children(coordinator, fanout).get(never);
    assertThat(neverSpawned.path("verdict").asText()).isEqualTo("cancelled");
    assertThat(neverSpawned.path("summary").asText())
        .isEqualTo("cancelled before it was spawned (budget)");
    assertThat(join.totals().spentUsd()).isEqualByComparingTo("0.70");
    assertThat(join.totals().totalBudgetUsd()).isEqualByComparingTo("1.00");
    JsonNode summary = summary(coordinator, fanout);
    assertThat(summary.path("spent_usd").decimalValue()).isEqualByComparingTo("0.70");
    assertThat(summary.path("total_budget_usd").decimalValue()).isEqualByComparingTo("1.00");
  }

  @Test
  void spendingPastTheTotalCancelsTheChildStillRunning() throws Exception {
    Daemon coordinator = startFleet();

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "agents",
            "all",
            List.of("{\"goal\":\"wait cost=0.10\"}", "{\"goal\":\"cost=1.50\"}"),
            total("1.00"));
    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.totals().spentUsd()).isEqualByComparingTo("1.50");
    Await.until("the waiting child reported", () -> results(coordinator, fanout).containsKey(0));
    ChildDone waiting = results(coordinator, fanout).get(0);
    assertThat(waiting.verdict().wire()).isEqualTo("cancelled");
    assertThat(
            onParentThread(coordinator, fanout, FanoutRecords.CANCEL_SENT).stream()
                .map(stored -> stored.record().body().path("reason").asText())
                .toList())
        .contains("budget");
    assertThat(dir.resolve("release")).doesNotExist();
  }
}
