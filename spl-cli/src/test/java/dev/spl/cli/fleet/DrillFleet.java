package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordIds;
import dev.spl.testing.Await;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A fleet of real daemon processes for failure drills: a coordinator started with {@code spl daemon
 * start} (so the drill chooses its lease), workers started by {@code spl fleet start} next to it,
 * all in a temporary home on free ports with a 0.2 s heartbeat. {@link #close} stops every daemon
 * and every process a daemon started (shell children orphaned by a {@code kill -9} included).
 */
final class DrillFleet implements AutoCloseable {
  static final String HEARTBEAT_SECS = "0.2";
  static final long WAIT_MILLIS = 60_000;

  private final Path home;
  private final Map<String, String> env;
  private final List<ProcessHandle> orphans = new ArrayList<>();
  private final Set<Long> paused = new HashSet<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private String leaseSecs;

  DrillFleet(Path base) {
    this.home = base.resolve("fleet");
    this.env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  Path home() {
    return home;
  }

  Path home(String alias) {
    return alias.equals(LocalFleet.COORDINATOR_ALIAS)
        ? home
        : new LocalFleet(home).workerHome(alias);
  }

  CliRun spl(String... args) {
    return CliRun.run(env, args);
  }

  CliRun ok(String... args) {
    CliRun run = spl(args);
    assertThat(run.exitCode()).as("spl " + String.join(" ", args) + "\n" + run).isZero();
    return run;
  }

  /** Starts the coordinator on {@code port} (0 = any free port) with the given lease. */
  void startCoordinator(int port, String leaseSecs) {
    this.leaseSecs = leaseSecs;
    ok(
        "daemon",
        "start",
        "--role",
        "coordinator",
        "--port",
        Integer.toString(port),
        "--heartbeat-interval",
        HEARTBEAT_SECS,
        "--lease",
        leaseSecs,
        // A restart replays the whole log; on a loaded machine that can take longer than the
        // default 30 s wait.
        "--wait",
        "120");
  }

  /** Restarts a coordinator that was stopped or killed: same home, same port, same lease. */
  void restartCoordinator(int port) {
    startCoordinator(port, leaseSecs);
  }

  /**
   * {@code spl fleet start --workers N} against the running coordinator; {@code executorArgs} are
   * {@code --executor shell} or {@code --echo-delay SECS}.
   */
  CliRun startWorkers(int workers, String... executorArgs) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fleet",
                "start",
                "--workers",
                Integer.toString(workers),
                "--port",
                "0",
                "--worker-port",
                "0",
                "--heartbeat-interval",
                HEARTBEAT_SECS,
                "--timeout",
                "60"));
    args.addAll(List.of(executorArgs));
    CliRun start = ok(args.toArray(String[]::new));
    assertThat(start.out()).contains("fleet converged");
    return start;
  }

  /** The URL the daemon of {@code alias} wrote into its home. */
  String url(String alias) {
    String url = Resolution.readEndpointFile(new HomeLayout(home(alias)).endpointFile());
    assertThat(url).as("endpoint of " + alias).isNotNull();
    return url;
  }

  int port(String alias) {
    return URI.create(url(alias)).getPort();
  }

  long pid(String alias) {
    OptionalLong pid = DaemonProcesses.livePid(home(alias));
    assertThat(pid).as("pid of " + alias).isPresent();
    return pid.getAsLong();
  }

  /**
   * {@code kill -STOP}: the daemon stops running without noticing, as a paused container or a
   * suspended machine does; {@link #resume} (or {@link #close}) lets it go on.
   */
  void pause(String alias) {
    long pid = pid(alias);
    signal("-STOP", pid);
    paused.add(pid);
  }

  /** {@code kill -CONT} of a daemon {@link #pause} stopped. */
  void resume(String alias) {
    long pid = pid(alias);
    signal("-CONT", pid);
    paused.remove(pid);
  }

  private static void signal(String signal, long pid) {
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
      assertThat(kill.waitFor()).as("kill " + signal + " " + pid).isZero();
    } catch (IOException e) {
      throw new AssertionError("cannot run kill " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted sending " + signal + " to " + pid, e);
    }
  }

  /**
   * {@code kill -9}: no shutdown hook runs; the processes it started are left running, orphaned.
   */
  void kill9(String alias) {
    ProcessHandle daemon = ProcessHandle.of(pid(alias)).orElseThrow();
    orphans.addAll(daemon.descendants().toList());
    daemon.destroyForcibly();
    Await.until(
        alias + " gone after kill -9", Duration.ofMillis(WAIT_MILLIS), () -> !daemon.isAlive());
  }

  /** The records of a daemon matching the query, read over its HTTP API (every page). */
  List<JsonNode> records(String alias, String thread, String topic, String act) {
    List<JsonNode> all = new ArrayList<>();
    long after = 0;
    while (true) {
      StringBuilder query = new StringBuilder("/v1/records?limit=1000&after=" + after);
      if (thread != null) {
        query.append("&thread=").append(thread);
      }
      if (topic != null) {
        query.append("&topic=").append(topic);
      }
      if (act != null) {
        query.append("&act=").append(act);
      }
      JsonNode page = getJson(url(alias) + query);
      JsonNode data = page.path("data");
      if (data.isEmpty()) {
        return all;
      }
      data.forEach(all::add);
      after = page.path("next_after").asLong();
    }
  }

  JsonNode getJson(String url) {
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).GET());
    assertThat(response.statusCode()).as("GET " + url + ": " + response.body()).isEqualTo(200);
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + url + " did not answer JSON: " + response.body(), e);
    }
  }

  /** POSTs one record to a daemon's {@code /v1/records}; the answer as it came. */
  HttpResponse<String> post(String alias, Record record) {
    ObjectNode json = RecordIds.contentOf(record);
    return send(
        HttpRequest.newBuilder(URI.create(url(alias) + "/v1/records"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json.toString(), StandardCharsets.UTF_8)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      // Generous: reading a wide fan-out's records from a loaded machine takes a while; a dead
      // daemon still fails fast (connection refused).
      return http.send(
          request.timeout(Duration.ofSeconds(120)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Lines of a file that children append to; empty while it does not exist. */
  static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  @Override
  public void close() {
    // A stopped process takes no SIGTERM until it runs again.
    List.copyOf(paused).forEach(pid -> signal("-CONT", pid));
    paused.clear();
    List<Path> homes = new ArrayList<>(new LocalFleet(home).existingWorkerHomes());
    homes.add(home);
    for (Path each : homes) {
      OptionalLong pid = DaemonProcesses.livePid(each);
      if (pid.isPresent()) {
        ProcessHandle.of(pid.getAsLong())
            .ifPresent(daemon -> orphans.addAll(daemon.descendants().toList()));
      }
      DaemonProcesses.stop(each, Duration.ofSeconds(10), true);
      DaemonProcesses.livePid(each)
          .ifPresent(left -> ProcessHandle.of(left).ifPresent(ProcessHandle::destroyForcibly));
    }
    orphans.forEach(ProcessHandle::destroyForcibly);
  }
}
