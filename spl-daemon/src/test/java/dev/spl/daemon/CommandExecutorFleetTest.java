package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.testing.Await;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command executor on a coordinator and a real worker in one JVM: a fake agent (a shell script
 * the test writes) receives the template's arguments, reads its prompt file and reports a cost in
 * its result file; a cost above the child's budget makes it over_budget, and a hostile goal stays
 * one argument.
 */
class CommandExecutorFleetTest {
  @TempDir Path dir;
  @RegisterExtension final TestFleet fleet = new TestFleet();

  /**
   * An agent that keeps its arguments (NUL-separated) and its prompt in {@code seen/}, and reports
   * 0.90 USD for a goal that says "expensive", else 0.10, in its result file.
   */
  private Path fakeAgent() throws IOException {
    Path seen = Files.createDirectories(dir.resolve("seen"));
    Path agent = dir.resolve("fake-agent");
    Files.writeString(
        agent,
        String.join(
            "\n",
            "#!/bin/sh",
            "printf '%s\\0' \"$@\" > '" + seen + "'/argv-$SPL_INDEX",
            "cp \"$2\" '" + seen + "'/prompt-$SPL_INDEX",
            "case \"$6\" in *expensive*) cost=0.90 ;; *) cost=0.10 ;; esac",
            "printf '{\"cost\": %s, \"answer\": \"done\"}' \"$cost\" > \"$SPL_RESULT_FILE\"",
            ""),
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwx------"));
    return agent;
  }

  private Daemon commandWorker(Daemon coordinator, String template) {
    return fleet.worker(coordinator, "worker-a", settings -> settings.command(template));
  }

  private static Map<Integer, ChildDone> awaitResults(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int n) {
    Await.until(
        n + " children reported",
        () -> onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).size() >= n);
    Map<Integer, ChildDone> byIndex = new TreeMap<>();
    onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE)
        .forEach(
            stored -> {
              ChildDone done = ChildDone.fromBody(stored.record().body());
              byIndex.put(done.index(), done);
            });
    return byIndex;
  }

  private List<String> argv(int index) throws IOException {
    String raw = Files.readString(dir.resolve("seen/argv-" + index), StandardCharsets.UTF_8);
    return Arrays.asList(raw.substring(0, raw.length() - 1).split("\0", -1));
  }

  @Test
  void theAgentGetsItsArgumentsAndPromptAndACostAboveTheBudgetIsOverBudget() throws Exception {
    Path agent = fakeAgent();
    Daemon coordinator = fleet.coordinator();
    commandWorker(
        coordinator,
        agent + " --prompt-file {{prompt_file}} --max-cost {{budget}} --goal {{goal}}");
    String hostile = "expensive'; touch " + dir.resolve("pwned") + "; echo \" $(id) `id` {{index}}";
    Path pwned = dir.resolve("pwned");

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "agents",
            "all",
            List.of(
                "{\"goal\":\"write the intro\",\"budget\":0.5}",
                "{\"goal\":\"sum up\",\"depends\":[0]}"));
    Map<Integer, ChildDone> results = awaitResults(coordinator, fanout, 2);
    assertThat(results.get(0).verdict().wire()).isEqualTo("accept");
    assertThat(results.get(0).costUsd()).isEqualByComparingTo(new BigDecimal("0.10"));
    ObjectNode result = (ObjectNode) results.get(0).output().result();
    assertThat(result.get("answer").asText()).isEqualTo("done");
    List<String> first = argv(0);
    assertThat(first).hasSize(6);
    assertThat(first.subList(2, 6))
        .containsExactly("--max-cost", "0.5", "--goal", "write the intro");
    assertThat(first.get(0)).isEqualTo("--prompt-file");
    assertThat(first.get(1))
        .startsWith(fleet.home("worker-a").toAbsolutePath().toString())
        .endsWith("/prompt-1.md");
    assertThat(Files.readString(dir.resolve("seen/prompt-0")))
        .isEqualTo("# Goal\n\nwrite the intro\n");

    // No budget: the placeholder is an empty argument; the prompt carries the predecessor.
    assertThat(argv(1).get(3)).isEmpty();
    assertThat(Files.readString(dir.resolve("seen/prompt-1")))
        .isEqualTo(
            "# Goal\n\nsum up\n\n# Results of the subtasks this one depends on\n\n"
                + "## Subtask 0 (accept)\n\n"
                + results.get(0).summary()
                + "\n");
    assertThat(results.get(1).verdict().wire()).isEqualTo("accept");

    // Its own fan-out: an over_budget child ends a join of all at once.
    FleetTestSupport.FanoutHandle hostileFanout =
        fanOut(
            coordinator,
            "agents",
            "all",
            List.of(
                "{\"goal\":\"sleep\",\"target\":\"worker-elsewhere\"}",
                "{\"goal\":" + Json.MAPPER.writeValueAsString(hostile) + ",\"budget\":0.5}"));
    ChildDone overBudget = awaitResults(coordinator, hostileFanout, 1).get(1);

    assertThat(overBudget.verdict().wire()).isEqualTo("over_budget");
    assertThat(overBudget.costUsd()).isEqualByComparingTo(new BigDecimal("0.90"));
    assertThat(argv(1)).hasSize(6).last().isEqualTo(hostile);
    assertThat(pwned).doesNotExist();
  }
}
