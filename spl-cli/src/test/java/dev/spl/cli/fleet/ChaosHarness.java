package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliRun;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The random-kill harness: a shell fan-out through a real {@code spl fleet start} fleet whose
 * children append {@code INDEX ATTEMPT START_MILLIS} to a file, {@code kill -9} of the coordinator
 * and of workers at seeded random moments, each followed by the restart docs/runbook.md gives, then
 * checks from the file and the records: every child accepted exactly once in the fan-in, no child's
 * command started after the coordinator received its accepted result, no attempt run a third time,
 * no acknowledged record lost, the join complete. Run by {@code scripts/chaos} and, at a small
 * scale, by {@code ChaosProcessTest}.
 */
final class ChaosHarness implements AutoCloseable {
  static final String TASK = "CHAOS";
  static final String NAMESPACE = "chaos";

  /** What to run: {@code childSecs} is how long each child sleeps between its two lines. */
  record Options(long seed, int children, int kills, int workers, String childSecs) {}

  /** What happened, and what the checks found (empty problems: every check passed). */
  record Figures(
      Options options,
      int coordinatorKills,
      int workerKills,
      TreeMap<Integer, Integer> executionsPerChild,
      List<Long> recoverMillis,
      long totalMillis,
      String joinVerdict,
      int accepted,
      int probes,
      List<String> problems) {
    int kills() {
      return coordinatorKills + workerKills;
    }

    String report() {
      List<Long> sorted = recoverMillis.stream().sorted().toList();
      long median = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
      long worst = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              "chaos --seed %d --children %d --kills %d --workers %d --child-secs %s%n",
              options.seed(),
              options.children(),
              options.kills(),
              options.workers(),
              options.childSecs()));
      out.append(
          String.format(
              "kills: %d (coordinator %d, workers %d)%n", kills(), coordinatorKills, workerKills));
      out.append("executions per child:");
      executionsPerChild.forEach(
          (runs, count) -> out.append(" ").append(runs).append("x=").append(count));
      out.append(System.lineSeparator());
      out.append(
          String.format(
              "time to recover (kill -9 -> restarted as the runbook says, answering): median %d ms, worst %d"
                  + " ms%n",
              median, worst));
      out.append(
          String.format(
              "join: %s, %d of %d accepted, %d acknowledged probe records, %.1f s in all%n",
              joinVerdict, accepted, options.children(), probes, totalMillis / 1000.0));
      out.append(
          problems.isEmpty()
              ? "all checks passed"
              : "PROBLEMS:\n  " + String.join("\n  ", problems));
      return out.toString();
    }
  }

  private final Options options;
  private final DrillFleet fleet;
  private final Path executions;
  private final Random random;

  ChaosHarness(Path base, Options options) {
    this.options = options;
    this.fleet = new DrillFleet(base);
    this.executions = base.resolve("executions");
    this.random = new Random(options.seed());
  }

  Figures run() throws IOException {
    long begun = System.currentTimeMillis();
    fleet.startCoordinator(0, "1.5");
    int port = fleet.port(LocalFleet.COORDINATOR_ALIAS);
    fleet.startWorkers(options.workers(), "--executor", "shell");
    fleet.ok("task", "add", "Chaos run", "--alias", TASK, "--namespace", NAMESPACE);
    Path subtasks = executions.resolveSibling("subtasks.jsonl");
    StringBuilder lines = new StringBuilder();
    String run =
        "echo \"$SPL_INDEX $SPL_ATTEMPT $(date +%s%3N)\" >> "
            + executions
            + "; sleep "
            + options.childSecs();
    for (int i = 0; i < options.children(); i++) {
      ObjectNode line = Json.MAPPER.createObjectNode();
      line.put("goal", "chaos child " + i);
      line.put("run", run);
      lines.append(line).append('\n');
    }
    Files.writeString(subtasks, lines);
    fleet.ok(
        "task",
        "fan-out",
        TASK,
        "--subtasks-file",
        subtasks.toString(),
        "--join",
        "all",
        "--max-attempts",
        "100");
    String thread = joinStatus().path("thread").asText();

    List<String> probes = new ArrayList<>();
    List<Long> recover = new ArrayList<>();
    int coordinatorKills = 0;
    int workerKills = 0;
    while (coordinatorKills + workerKills < options.kills() && !joinComplete(thread)) {
      pause(300 + random.nextInt(1200));
      probes.add(probe(probes.size()));
      long killedAt = System.currentTimeMillis();
      if (random.nextInt(4) == 0) {
        fleet.kill9(LocalFleet.COORDINATOR_ALIAS);
        coordinatorKills++;
        fleet.restartCoordinator(port);
      } else {
        String victim = "worker-" + (char) ('a' + random.nextInt(options.workers()));
        if (!alive(victim)) {
          fleet.startWorkers(options.workers(), "--executor", "shell");
        }
        fleet.kill9(victim);
        workerKills++;
        // The runbook: `spl fleet start --workers N` starts what is not running, same settings.
        fleet.startWorkers(options.workers(), "--executor", "shell");
      }
      // Restarted: the coordinator answers again, or `fleet start` saw the fleet converge.
      recover.add(System.currentTimeMillis() - killedAt);
    }
    Await.until("the join completes", Duration.ofMinutes(30), () -> joinComplete(thread));
    return check(thread, probes, coordinatorKills, workerKills, recover, begun);
  }

  private boolean alive(String alias) {
    return dev.spl.cli.daemon.DaemonProcesses.livePid(fleet.home(alias)).isPresent();
  }

  private Figures check(
      String thread,
      List<String> probes,
      int coordinatorKills,
      int workerKills,
      List<Long> recover,
      long begun) {
    List<String> problems = new ArrayList<>();
    JsonNode join = fleet.records("coordinator", thread, FanoutRecords.JOIN_COMPLETE, null).get(0);
    String verdict = join.path("body").path("verdict").asText();
    int accepted = join.path("body").path("totals").path("accepted").asInt();
    if (!verdict.equals("accept") || accepted != options.children()) {
      problems.add(
          "join: expected accept with "
              + options.children()
              + " accepted but found "
              + verdict
              + " with "
              + accepted);
    }
    // The results the coordinator counted: the first accept of each child.
    Map<Integer, Long> acceptedAt = new HashMap<>();
    Map<Integer, Integer> acceptedAttempt = new HashMap<>();
    for (JsonNode done : fleet.records("coordinator", thread, FanoutRecords.CHILD_DONE, null)) {
      JsonNode body = done.path("body");
      if (body.path("verdict").asText().equals("accept")) {
        int index = body.path("index").asInt();
        long at = java.time.Instant.parse(done.path("received_at").asText()).toEpochMilli();
        acceptedAt.merge(index, at, Math::min);
        acceptedAttempt.putIfAbsent(index, body.path("attempt").asInt());
      }
    }
    Map<Integer, Integer> runs = new HashMap<>();
    Map<String, Integer> runsOfAttempt = new HashMap<>();
    for (String line : DrillFleet.lines(executions)) {
      String[] fields = line.trim().split(" ");
      int index = Integer.parseInt(fields[0]);
      long startedAt = Long.parseLong(fields[2]);
      runs.merge(index, 1, Integer::sum);
      runsOfAttempt.merge(index + "/" + fields[1], 1, Integer::sum);
      Long at = acceptedAt.get(index);
      if (at != null && startedAt > at) {
        problems.add(
            "child "
                + index
                + " attempt "
                + fields[1]
                + " started at "
                + startedAt
                + ", after its accepted result ("
                + at
                + ")");
      }
    }
    runsOfAttempt.forEach(
        (attempt, count) -> {
          if (count > 2) {
            problems.add(
                "attempt "
                    + attempt
                    + " ran "
                    + count
                    + " times (at most twice: once, and once more if interrupted)");
          }
        });
    TreeMap<Integer, Integer> histogram = new TreeMap<>();
    for (int i = 0; i < options.children(); i++) {
      int count = runs.getOrDefault(i, 0);
      histogram.merge(count, 1, Integer::sum);
      if (count == 0) {
        problems.add("child " + i + " never ran");
      }
      if (!acceptedAt.containsKey(i)) {
        problems.add("child " + i + " has no accepted result on the coordinator");
      }
    }
    for (String id : probes) {
      if (fleet.records("coordinator", ThreadIds.derive("chaos-probes"), null, null).stream()
          .noneMatch(r -> r.path("id").asText().equals(id))) {
        problems.add("acknowledged probe record " + id + " is lost");
      }
    }
    return new Figures(
        options,
        coordinatorKills,
        workerKills,
        histogram,
        recover,
        System.currentTimeMillis() - begun,
        verdict,
        accepted,
        probes.size(),
        problems);
  }

  /** Writes one record to the coordinator and returns its id once acknowledged. */
  private String probe(int n) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", "chaos_probe");
    body.put("n", n);
    Record record =
        new Record(
            ThreadIds.derive("chaos-probes"),
            "did:sync:user:chaos",
            Act.LEARN,
            body,
            n + 1,
            List.of());
    var response = fleet.post(LocalFleet.COORDINATOR_ALIAS, record);
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "probe " + n + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return record.id();
  }

  private JsonNode joinStatus() {
    CliRun run = fleet.spl("-o", "json", "task", "join-status", TASK);
    return run.exitCode() == 0 ? run.json() : Json.MAPPER.createObjectNode();
  }

  private boolean joinComplete(String thread) {
    try {
      return !fleet.records("coordinator", thread, FanoutRecords.JOIN_COMPLETE, null).isEmpty();
    } catch (RuntimeException | AssertionError coordinatorDown) {
      return false;
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis); // the harness's random kill schedule, not a synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    fleet.close();
  }

  /** {@code --seed N --children N --kills N [--workers N] [--child-secs S] [--dir DIR]} */
  public static void main(String[] args) throws Exception {
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      given.put(args[i], args[i + 1]);
    }
    Options options =
        new Options(
            Long.parseLong(given.getOrDefault("--seed", "1")),
            Integer.parseInt(given.getOrDefault("--children", "10000")),
            Integer.parseInt(given.getOrDefault("--kills", "50")),
            Integer.parseInt(given.getOrDefault("--workers", "3")),
            given.getOrDefault("--child-secs", "0.05"));
    Path base =
        given.containsKey("--dir")
            ? Path.of(given.get("--dir"))
            : Files.createTempDirectory("spl-chaos");
    Figures figures;
    try (ChaosHarness harness = new ChaosHarness(base, options)) {
      figures = harness.run();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    System.out.println(figures.report());
    System.exit(figures.problems().isEmpty() ? 0 : 1);
  }
}
