package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl task join-status --watch} on a fan-out too wide to list its children as they change
 * reads the counts each round and the children once, when it prints the status: every changed child
 * costs the coordinator's loop a read of its last record, and a watch of 100,000 children read them
 * all over again on every round.
 */
class WideFanoutWatchTest {
  private static final int WIDTH = JoinStatusCommand.FULL_LISTING_MAX + 5;
  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "content-length", "host", "transfer-encoding", "date");

  @TempDir Path home;
  private Daemon daemon;
  private HttpServer proxy;
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> requests = new ArrayList<>();
  private TaskFixture fx;
  private Map<String, String> env;

  @BeforeEach
  void start() throws IOException {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext("/", this::forward);
    proxy.start();
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    fx = new TaskFixture(daemon, env);
  }

  @AfterEach
  void stop() {
    proxy.stop(0);
    daemon.close();
  }

  /** Passes a request on to the daemon and notes its path. */
  private void forward(HttpExchange exchange) throws IOException {
    URI uri = exchange.getRequestURI();
    synchronized (requests) {
      requests.add(uri.getPath());
    }
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create(
                    daemon.url()
                        + uri.getRawPath()
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
              }
            });
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> exchange.getResponseHeaders().add(name, value));
              }
            });
    exchange.sendResponseHeaders(
        response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(response.body());
    }
  }

  private List<String> requestsSoFar() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Test
  void roundsReadTheCountsAndTheChildrenAreReadOnceForTheStatus() throws Exception {
    String thread = fx.addTask("WIDE-1");
    fx.ok(fanOut("WIDE-1"));
    FanoutRef ref = fx.fanoutOf(thread);
    String summary = "/v1/fanouts/" + ref.id();
    String children = summary + "/children";
    Map<String, String> watchEnv = new java.util.HashMap<>(env);
    watchEnv.put("SPL_URL", "http://127.0.0.1:" + proxy.getAddress().getPort());
    java.util.concurrent.ExecutorService runner =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<CliRun> watch =
          runner.submit(
              () ->
                  CliRun.run(
                      watchEnv,
                      "task",
                      "join-status",
                      "WIDE-1",
                      "--watch",
                      "--timeout",
                      "60",
                      "--interval",
                      "0.05"));
      // Children finish one by one, each seen by at least one round of the watch.
      for (int i = 0; i < WIDTH; i++) {
        long roundsBefore = count(summary);
        fx.spawned(ref, i, 1, TaskFixture.WORKER_A);
        fx.done(ref, i, 1, TaskFixture.WORKER_A, "accept", 1.0);
        Await.until(
            "a round of the watch after child " + i + " finished",
            Duration.ofSeconds(20),
            () -> count(summary) > roundsBefore + 1 || watch.isDone());
      }
      CliRun done = watch.get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(done.exitCode()).as(done.toString()).isEqualTo(ExitCodes.OK);
      assertThat(done.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
      // The same status as the command without --watch prints.
      assertThat(done.out()).isEqualTo(fx.ok("task", "join-status", "WIDE-1").out());
    } finally {
      runner.shutdownNow();
    }
    List<String> seen = requestsSoFar();
    assertThat(count(summary)).as("rounds that read the counts").isGreaterThan(WIDTH);
    // The status shows the first ten and the last five children: two requests, however wide the
    // fan-out, after the round that saw the join complete.
    assertThat(seen.stream().filter(children::equals)).as(seen.toString()).hasSize(2);
    assertThat(seen.get(seen.size() - 1)).isEqualTo(children);
  }

  private long count(String path) {
    return requestsSoFar().stream().filter(path::equals).count();
  }

  private static String[] fanOut(String task) {
    String[] args = new String[5 + 2 * WIDTH];
    args[0] = "task";
    args[1] = "fan-out";
    args[2] = task;
    args[3] = "--join";
    args[4] = "all";
    for (int i = 0; i < WIDTH; i++) {
      args[5 + 2 * i] = "--subtask";
      args[6 + 2 * i] = "goal=Part " + i;
    }
    return args;
  }

  @Test
  void aWatchThatTimesOutPrintsTheChildrenItReadOnce() {
    String thread = fx.addTask("WIDE-2");
    fx.ok(fanOut("WIDE-2"));
    FanoutRef ref = fx.fanoutOf(thread);
    env.put("SPL_URL", "http://127.0.0.1:" + proxy.getAddress().getPort());

    CliRun watch =
        fx.spl("task", "join-status", "WIDE-2", "--watch", "--timeout", "0.5", "--interval", "0.1");

    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.err()).contains("the join of 'WIDE-2' did not complete within 0.5 s");
    assertThat(watch.out()).containsPattern("Join complete:\\s+no");
    String summary = "/v1/fanouts/" + ref.id();
    List<String> seen = requestsSoFar();
    assertThat(seen.stream().filter(summary::equals).count())
        .as("rounds that read the counts: " + seen)
        .isGreaterThan(1);
    // The first ten and the last five children, for the status printed at the deadline.
    assertThat(seen.stream().filter((summary + "/children")::equals)).hasSize(2);
  }
}
