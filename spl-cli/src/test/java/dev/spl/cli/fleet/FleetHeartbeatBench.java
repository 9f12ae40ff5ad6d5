package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.core.Json;
import dev.spl.core.RecordIds;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator under heartbeat load: a real coordinator process (started like {@code spl fleet
 * start} starts one, in a temporary home on a free port) first idles, then takes heartbeats from
 * simulated workers, each beating once per interval. Prints the coordinator's CPU time (from
 * /proc), its heap (jcmd GC.heap_info, before and after a full GC), its resident memory, the
 * heartbeat latency seen by the workers, and how much the log grew.
 *
 * <p>Usage: {@code FleetHeartbeatBench [workers=64] [load-seconds=60] [idle-seconds=20]
 * [interval-seconds=1]}
 */
public final class FleetHeartbeatBench {
  private FleetHeartbeatBench() {}

  public static void main(String[] args) throws Exception {
    int workers = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int loadSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    Duration interval = DaemonRunOptions.parseSeconds(args.length > 3 ? args[3] : "1");
    Path home = Files.createTempDirectory("spl-bench-fleet");
    Map<String, String> env = new HashMap<>();
    DaemonProcesses.Running coordinator =
        DaemonProcesses.start(
            new DaemonProcesses.Spec(
                home,
                0,
                null,
                null,
                null,
                List.of(
                    "--role",
                    "coordinator",
                    "--heartbeat-interval",
                    DaemonRunOptions.seconds(interval))),
            env,
            Duration.ofSeconds(60));
    long pid = coordinator.pid();
    String url = coordinator.url();
    try {
      System.out.printf(
          Locale.ROOT,
          "coordinator pid %d at %s, %d simulated workers beating every %s s for %d s (%d cores,"
              + " load average %s)%n",
          pid,
          url,
          workers,
          DaemonRunOptions.seconds(interval),
          loadSeconds,
          Runtime.getRuntime().availableProcessors(),
          loadAverage());
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

      // Idle baseline: the coordinator's own loop and heartbeat, nothing else.
      Thread.sleep(2_000);
      long idleStart = cpuMillis(pid);
      Thread.sleep(idleSeconds * 1000L);
      long idleCpu = cpuMillis(pid) - idleStart;
      long recordsBefore = records(http, url);

      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger failures = new AtomicInteger();
      AtomicLong lastError = new AtomicLong();
      String[] firstError = new String[1];
      ScheduledExecutorService beats = Executors.newScheduledThreadPool(4);
      long startedAt = System.currentTimeMillis();
      AtomicLong[] clocks = new AtomicLong[workers];
      long loadStart = cpuMillis(pid);
      long periodMillis = interval.toMillis();
      for (int i = 0; i < workers; i++) {
        int index = i;
        clocks[i] = new AtomicLong();
        String did = String.format(Locale.ROOT, "did:sync:instance:%016x", 0xbe00_0000L + i);
        beats.scheduleAtFixedRate(
            () -> {
              long now = System.currentTimeMillis();
              Heartbeat beat =
                  new Heartbeat(
                      did,
                      String.format(Locale.ROOT, "sim-%02d", index),
                      Role.WORKER,
                      "http://127.0.0.1:" + (20_000 + index),
                      "bench",
                      startedAt,
                      (now - startedAt) / 1000,
                      index % 3,
                      4,
                      4 - index % 3,
                      Health.HEALTHY,
                      now);
              var record = beat.toRecord(clocks[index].incrementAndGet());
              byte[] body;
              try {
                body = Json.MAPPER.writeValueAsBytes(RecordIds.contentOf(record));
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
              long sent = System.nanoTime();
              try {
                HttpResponse<String> answer =
                    http.send(
                        HttpRequest.newBuilder(URI.create(url + "/v1/records"))
                            .timeout(Duration.ofSeconds(5))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (answer.statusCode() / 100 == 2) {
                  latencies.add(System.nanoTime() - sent);
                } else {
                  failures.incrementAndGet();
                  synchronized (firstError) {
                    if (firstError[0] == null) {
                      firstError[0] = answer.statusCode() + " " + answer.body();
                    }
                  }
                }
              } catch (IOException | InterruptedException e) {
                failures.incrementAndGet();
                lastError.set(System.currentTimeMillis());
                synchronized (firstError) {
                  if (firstError[0] == null) {
                    firstError[0] = e.toString();
                  }
                }
              }
            },
            periodMillis * index / workers,
            periodMillis,
            TimeUnit.MILLISECONDS);
      }
      Thread.sleep(loadSeconds * 1000L);
      long loadCpu = cpuMillis(pid) - loadStart;
      beats.shutdownNow();
      beats.awaitTermination(10, TimeUnit.SECONDS);

      JsonNode status = Json.MAPPER.readTree(get(http, url + "/v1/fleet/status"));
      long recordsAfter = records(http, url);
      String heapBeforeGc = heapUsed(pid);
      jcmd(pid, "GC.run");
      String heapAfterGc = heapUsed(pid);

      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "idle:   %d ms CPU in %d s = %.2f%% of one core%n",
          idleCpu,
          idleSeconds,
          100.0 * idleCpu / (idleSeconds * 1000.0));
      System.out.printf(
          Locale.ROOT,
          "loaded: %d ms CPU in %d s = %.2f%% of one core; %d heartbeats (%.1f/s), %d failed%s%n",
          loadCpu,
          loadSeconds,
          100.0 * loadCpu / (loadSeconds * 1000.0),
          sorted.size(),
          sorted.size() / (double) loadSeconds,
          failures.get(),
          firstError[0] == null ? "" : " (first: " + firstError[0] + ")");
      if (!sorted.isEmpty()) {
        System.out.printf(
            Locale.ROOT,
            "CPU per heartbeat: %.3f ms (loaded minus idle rate); heartbeat latency p50 %.2f ms,"
                + " p99 %.2f ms%n",
            (loadCpu - idleCpu * (double) loadSeconds / idleSeconds) / sorted.size(),
            sorted.get(sorted.size() / 2) / 1e6,
            sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99))) / 1e6);
      }
      System.out.printf(
          Locale.ROOT,
          "registry: %s; log grew by %d records during the load%n",
          status.path("counts").toString(),
          recordsAfter - recordsBefore);
      System.out.printf(
          Locale.ROOT,
          "heap used: %s before a full GC, %s after; resident memory %s%n",
          heapBeforeGc,
          heapAfterGc,
          rss(pid));
    } finally {
      DaemonProcesses.stop(home, Duration.ofSeconds(20), true);
      deleteTree(home);
    }
  }

  /** User + system CPU time of a process, from /proc/<pid>/stat (clock ticks of 10 ms). */
  static long cpuMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * 10;
  }

  private static String rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return line.substring("VmRSS:".length()).trim();
      }
    }
    return "?";
  }

  private static String heapUsed(long pid) throws IOException, InterruptedException {
    String info = jcmd(pid, "GC.heap_info");
    for (String line : info.split("\n")) {
      String trimmed = line.trim();
      int used = trimmed.indexOf(" used ");
      if (used > 0 && (trimmed.contains("heap") || trimmed.contains("total"))) {
        String rest = trimmed.substring(used + " used ".length());
        return rest.split("[ ,\\[]")[0] + " (" + trimmed.split(" ")[0] + ")";
      }
    }
    return "? (jcmd said: " + info.strip().replace('\n', ' ') + ")";
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process process =
        new ProcessBuilder(
                Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(30, TimeUnit.SECONDS);
    return output;
  }

  private static long records(HttpClient http, String url) throws Exception {
    return Json.MAPPER.readTree(get(http, url + "/health")).path("records").asLong();
  }

  private static String get(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .body();
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      paths.sorted(Collections.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
