package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliException;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.fleet.InstanceStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Reading a fleet status answer and printing it, from a fixture built with the core classes. */
class FleetTextTest {
  private static final String URL = "http://127.0.0.1:9100";

  private static String render(Consumer<PrintStream> printer) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    printer.accept(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    return buffer.toString(StandardCharsets.UTF_8);
  }

  private static FleetSnapshot snapshot() {
    return FleetSnapshot.parse(FleetFixture.statusJson(URL), "test");
  }

  @Test
  void listShowsOneRowPerInstanceCoordinatorFirstThenTheCounts() {
    String text = render(out -> FleetText.list(out, snapshot()));
    List<String> lines = text.lines().toList();
    assertThat(lines.get(0))
        .startsWith("DID")
        .contains("ENDPOINT", "STATUS", "VERSION", "UPTIME", "HEALTH", "ALIAS");
    assertThat(lines.get(1))
        .startsWith(FleetFixture.COORDINATOR)
        .contains(URL, "live", "0.1.0", "2m00s", "healthy", "coordinator");
    assertThat(lines.get(2)).startsWith(FleetFixture.WORKER_A).contains("live", "worker-a");
    assertThat(lines.get(3)).startsWith(FleetFixture.WORKER_B).contains("stale", "worker-b");
    assertThat(lines.get(4))
        .startsWith(FleetFixture.WORKER_C)
        .contains("archived", "stopped", "worker-c");
    assertThat(lines.get(5)).isEqualTo("2 live · 1 stale · 1 archived");
    // Columns line up: every row has the STATUS column where the header has it.
    int column = lines.get(0).indexOf("STATUS");
    assertThat(lines.get(3).substring(column)).startsWith("stale");
  }

  @Test
  void listShowAndStatusTellEachWorkersExecutorSlotsAndLabels() {
    ObjectNode json = FleetFixture.statusJson(URL);
    for (var instance : json.withArray("instances")) {
      if ("worker-a".equals(instance.path("alias").asText())) {
        ((ObjectNode) instance).put("executor", "shell").put("slots", 8).put("free_slots", 5);
        ((ObjectNode) instance).putObject("labels").put("zone", "eu-1");
      }
    }
    FleetSnapshot snapshot = FleetSnapshot.parse(json, "test");

    List<String> list = render(out -> FleetText.list(out, snapshot)).lines().toList();
    assertThat(list.get(0)).contains("EXECUTOR", "SLOTS");
    int executor = list.get(0).indexOf("EXECUTOR");
    int slots = list.get(0).indexOf("SLOTS");
    assertThat(list.get(1).substring(executor)).startsWith("-");
    assertThat(list.get(2).substring(executor)).startsWith("shell");
    assertThat(list.get(2).substring(slots)).startsWith("8");
    // A worker that does not report its executor is shown as unknown, never as echo.
    assertThat(list.get(3).substring(executor)).startsWith("?");

    String show = render(out -> FleetText.show(out, snapshot.find("worker-a").orElseThrow(), "3"));
    assertThat(show)
        .containsPattern("executor\\s+shell")
        .containsPattern("slots\\s+5 free of 8")
        .containsPattern("labels\\s+zone=eu-1");
    assertThat(render(out -> FleetText.status(out, snapshot)))
        .contains("EXECUTOR")
        .contains("shell");
  }

  @Test
  void statusShowsCoordinatorIntervalCountsFreezesEmergencyAndLoad() {
    ObjectNode json =
        FleetFixture.statusJson(
            URL,
            List.of(FleetFixture.freeze()),
            new EmergencyStop(true, "drill", "did:sync:user:ada", FleetFixture.T0));
    ObjectNode fanouts = json.putObject("fanouts");
    fanouts.put("open", 1);
    ObjectNode pending = fanouts.putArray("pending").addObject();
    pending.put("fanout", "f".repeat(64));
    pending.put("thread", "th_" + "ab".repeat(32));
    pending.put("namespace", "docs/v0.11");
    pending.put("join", "all");
    pending.put("width", 3);
    pending.put("spawned", 2);
    pending.put("completed", 1);
    pending.put("frozen", true);
    fanouts.put("max_children", 5000);
    fanouts.put("max_fanout_depth", 2);
    String text = render(out -> FleetText.status(out, FleetSnapshot.parse(json, "test")));
    assertThat(text)
        .contains("coordinator      " + URL)
        .contains("heartbeat        every 5s")
        .contains("instances        2 live · 1 stale · 1 archived")
        .contains("[soft] docs/v0.11 — wrong approach on section A (by did:sync:user:ada")
        .contains("emergency stop   ACTIVE by did:sync:user:ada since 2023-11-14T22:13:20Z — drill")
        .contains("fan-out limits   at most 5000 children, nested to depth 2")
        .contains("pending fan-outs 1");
    String fanoutRow =
        text.lines().filter(line -> line.contains("th_abab")).findFirst().orElseThrow();
    assertThat(fanoutRow).contains("docs/v0.11", "all", "2/3", "1/3", "frozen");
    String workerA =
        text.lines().filter(line -> line.trim().startsWith("worker-a")).findFirst().orElseThrow();
    assertThat(workerA).contains("worker", "live", "healthy", "3", "1/4", "2s ago");
  }

  @Test
  void statusWithoutFreezesSaysSoAndReportsAMissingPendingCountHonestly() {
    String text = render(out -> FleetText.status(out, snapshot()));
    assertThat(text)
        .contains("active freezes   none")
        .contains("emergency stop   inactive")
        .contains("pending fan-outs not reported by this coordinator");
  }

  @Test
  void showPrintsDispatchesSlotsRecordsAndHeartbeatAge() {
    var view = snapshot().find("worker-a").orElseThrow();
    String text = render(out -> FleetText.show(out, view, "42"));
    assertThat(text)
        .startsWith("worker-a  " + FleetFixture.WORKER_A)
        .contains("status           live (last heartbeat 2s ago)")
        .contains("dispatches       3 active")
        .contains("slots            1 free of 4")
        .contains("records          42");
  }

  @Test
  void findsByDidAliasAndUniquePrefix() {
    FleetSnapshot snapshot = snapshot();
    assertThat(snapshot.find(FleetFixture.WORKER_B).orElseThrow().status())
        .isEqualTo(InstanceStatus.STALE);
    assertThat(snapshot.find("worker-c").orElseThrow().did()).isEqualTo(FleetFixture.WORKER_C);
    assertThat(snapshot.find("did:sync:instance:00000000000000c0").orElseThrow().alias())
        .isEqualTo("coordinator");
    assertThat(snapshot.find("nobody")).isEmpty();
    assertThatThrownBy(() -> snapshot.find("did:sync:instance:0000"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("matches 4 instances");
  }

  @Test
  void aMalformedAnswerNamesTheField() {
    ObjectNode json = FleetFixture.statusJson(URL);
    ((ObjectNode) json.withArray("instances").get(1)).put("status", "asleep");
    assertThatThrownBy(() -> FleetSnapshot.parse(json, "http://x/v1/fleet/status"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("instances[1].status")
        .hasMessageContaining("asleep");
  }

  @Test
  void agesReadAsSecondsThenMinutes() {
    assertThat(FleetText.ago(420)).isEqualTo("0.4s ago");
    assertThat(FleetText.ago(2_000)).isEqualTo("2s ago");
    assertThat(FleetText.ago(185_000)).isEqualTo("3m05s ago");
  }
}
