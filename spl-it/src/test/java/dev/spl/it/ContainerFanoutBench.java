package dev.spl.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A wide echo fan-out on three local daemons and on three containers of the image, once each: the
 * local fleet is {@code spl fleet start --workers 2 --echo-delay 0} (scripts/spl), the container
 * fleet a coordinator and two workers with the same options on a Docker network (Fleet). Both use
 * the daemons' default heartbeat, lease, slots and durability; the fan-out is written by the CLI
 * (join all, default target). The figure is server-side: the parent INTEND's {@code received_at} to
 * the join KNOW's, on the coordinator. Run by scripts/bench-containers.
 *
 * <p>Arguments: the repository root, then the width (default 10000).
 */
public final class ContainerFanoutBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private ContainerFanoutBench() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]).toAbsolutePath();
    int width = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    List<Map<String, Object>> subtasks = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      subtasks.add(Map.of("goal", "echo child " + i));
    }
    System.out.println("width " + width + ", load average " + loadAverage());
    Duration local = local(root, subtasks);
    System.out.println(
        "local processes: " + local.toMillis() + " ms, load average " + loadAverage());
    Duration containers = containers(subtasks);
    System.out.println(
        "containers: " + containers.toMillis() + " ms, load average " + loadAverage());
    System.out.printf(
        "containers / local: %.2f%n", containers.toMillis() / (double) local.toMillis());
  }

  private static Duration containers(List<Map<String, Object>> subtasks) {
    try (Fleet fleet = Fleet.create("bench", List.of())) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Fleet.Worker.of("worker-a", "--executor", "echo", "--echo-delay", "0"),
          Fleet.Worker.of("worker-b", "--executor", "echo", "--echo-delay", "0"));
      fleet.awaitLive("worker-a", "worker-b");
      Fleet.FanOut fanOut = fleet.fanOut("bench", subtasks, "all");
      Ledger ledger = fleet.awaitJoin(fanOut, TIMEOUT);
      ledger.assertEveryChildOnce(subtasks.size());
      return ledger.wall();
    }
  }

  private static Duration local(Path root, List<Map<String, Object>> subtasks) throws Exception {
    Path base = Files.createTempDirectory("spl-bench-containers");
    Path home = base.resolve("home");
    Path file = base.resolve("subtasks.jsonl");
    StringBuilder lines = new StringBuilder();
    for (Map<String, Object> subtask : subtasks) {
      lines.append(CoordinatorApi.JSON.writeValueAsString(subtask)).append('\n');
    }
    Files.writeString(file, lines);
    try {
      spl(
          root,
          home,
          "fleet",
          "start",
          "--workers",
          "2",
          "--echo-delay",
          "0",
          "--port",
          "0",
          "--worker-port",
          "0");
      String url = Files.readString(home.resolve("endpoint")).trim();
      CoordinatorApi api = new CoordinatorApi(url, null, null);
      JsonNode task =
          json(spl(root, home, "task", "add", "Container bench", "--alias", "bench", "-o", "json"));
      JsonNode fanOut =
          json(
              spl(
                  root,
                  home,
                  "task",
                  "fan-out",
                  "bench",
                  "--subtasks-file",
                  file.toString(),
                  "--join",
                  "all",
                  "-o",
                  "json"));
      Ledger ledger =
          api.awaitJoin(task.path("thread").asText(), fanOut.path("record").asText(), TIMEOUT);
      ledger.assertEveryChildOnce(subtasks.size());
      return ledger.wall();
    } finally {
      spl(root, home, "fleet", "stop", "--all");
      delete(base);
    }
  }

  private static String spl(Path root, Path home, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of(root.resolve("scripts/spl").toString(), "--home", home.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = process.waitFor();
    if (exit != 0) {
      throw new IllegalStateException(String.join(" ", command) + ": exit " + exit + ": " + out);
    }
    return out;
  }

  private static JsonNode json(String text) throws IOException {
    // The launcher may print build lines first; the JSON starts at the first line that opens it.
    int start = text.startsWith("{") ? 0 : text.indexOf("\n{") + 1;
    return CoordinatorApi.JSON.readTree(text.substring(start));
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void delete(Path folder) {
    try (var paths = Files.walk(folder)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
