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
    Result local = local(root, subtasks);
    System.out.println("local processes: " + local + ", load average " + loadAverage());
    Result containers = containers(subtasks);
    System.out.println("containers: " + containers + ", load average " + loadAverage());
    System.out.printf(
        "containers / local: wall %.2f, CPU %.2f%n",
        containers.wall().toMillis() / (double) local.wall().toMillis(),
        containers.cpuMillis() / (double) local.cpuMillis());
  }

  /** One fan-out: its server-side wall and the CPU time of the fleet's three JVMs. */
  record Result(Duration wall, long cpuMillis) {
    @Override
    public String toString() {
      return "wall " + wall.toMillis() + " ms, daemons' CPU " + cpuMillis + " ms";
    }
  }

  private static Result containers(List<Map<String, Object>> subtasks) throws IOException {
    try (Fleet fleet = Fleet.create("bench", List.of())) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Fleet.Worker.of("worker-a", "--executor", "echo", "--echo-delay", "0"),
          Fleet.Worker.of("worker-b", "--executor", "echo", "--echo-delay", "0"));
      fleet.awaitLive("worker-a", "worker-b");
      List<Long> pids = new ArrayList<>();
      for (String alias : List.of(Fleet.COORDINATOR, "worker-a", "worker-b")) {
        pids.add(fleet.hostPid(alias));
      }
      long cpuBefore = cpuMillis(pids);
      Fleet.FanOut fanOut = fleet.fanOut("bench", subtasks, "all");
      Ledger ledger = fleet.awaitJoin(fanOut, TIMEOUT);
      long cpu = cpuMillis(pids) - cpuBefore;
      ledger.assertEveryChildOnce(subtasks.size());
      return new Result(ledger.wall(), cpu);
    }
  }

  private static Result local(Path root, List<Map<String, Object>> subtasks) throws Exception {
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
      // spl fleet start gave the fleet a token, in the home's token file.
      Path tokenFile = home.resolve("token");
      String token = Files.exists(tokenFile) ? Files.readString(tokenFile).trim() : null;
      CoordinatorApi api = new CoordinatorApi(url, null, token);
      List<Long> pids = new ArrayList<>();
      for (String folder : List.of("home", "home-worker-a", "home-worker-b")) {
        pids.add(
            Long.parseLong(Files.readString(base.resolve(folder).resolve("daemon.pid")).trim()));
      }
      long cpuBefore = cpuMillis(pids);
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
      long cpu = cpuMillis(pids) - cpuBefore;
      ledger.assertEveryChildOnce(subtasks.size());
      return new Result(ledger.wall(), cpu);
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

  /** User and system CPU time of these processes so far, from /proc (clock ticks of 10 ms). */
  private static long cpuMillis(List<Long> pids) throws IOException {
    long ticks = 0;
    for (long pid : pids) {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
    return ticks * 10;
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
