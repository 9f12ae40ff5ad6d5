package dev.spl.cli.host;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.Main;
import dev.spl.cli.Spl;
import dev.spl.core.home.HomeLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run behind the launcher's class-data-sharing archive: runs the client paths of
 * {@code spl} in-process, against a stand-in daemon on a loopback port that gives the answers a
 * daemon gives, so the JVM records the classes of sending a request, reading its answer and
 * printing it. It never loads daemon classes. It also runs {@code spl fleet start} up to the spawn
 * of the coordinator, which it makes fail (no daemon class path), so the classes of preparing a
 * fleet (settings, token, home folders) are archived too without any daemon being started.
 */
public final class CdsTraining {
  private static final String THREAD = "th_" + "ab".repeat(32);
  private static final String ID = "9c".repeat(32);
  private static final String RECORD =
      "{\"thread\":\""
          + THREAD
          + "\",\"actor\":\"did:sync:user:training\",\"act\":\"DO\",\"body\":{\"topic\":\"t\"},"
          + "\"clock\":0,\"parents\":[],\"id\":\""
          + ID
          + "\",\"seq\":1,\"received_at\":\"2026-01-01T00:00:00.000Z\"";

  private CdsTraining() {}

  /** A coordinator and one worker, both at the stand-in's URL, as {@code /v1/fleet/status}. */
  private static String fleetStatus(String url) {
    String instance =
        "{\"did\":\"did:sync:instance:%s\",\"alias\":\"%s\",\"role\":\"%s\","
            + "\"endpoint\":\""
            + url
            + "\",\"version\":\"0\",\"status\":\"live\",\"health\":\"healthy\","
            + "\"started_at\":1,\"uptime_secs\":65,\"active\":1,\"slots\":%d,\"free_slots\":%d,"
            + "\"last_heartbeat_at\":2,\"last_heartbeat_age_ms\":1200,\"executor\":\"echo\","
            + "\"labels\":{},\"reachable\":true}";
    return "{\"object\":\"fleet_status\",\"coordinator_url\":\""
        + url
        + "\",\"heartbeat_interval_ms\":5000,\"counts\":{\"live\":2,\"stale\":0,"
        + "\"archived\":0},\"instances\":["
        + String.format(instance, "0000000000000000", "coordinator", "coordinator", 0, 0)
        + ","
        + String.format(instance, "1111111111111111", "worker-a", "worker", 4, 3)
        + "],\"freezes\":[],\"emergency\":{\"active\":false,\"reason\":\"\",\"issued_by\":\"\","
        + "\"issued_at\":-1},\"fanouts\":{\"open\":0,\"max_children\":1000000,\"pending\":[]},"
        + "\"refusals\":{\"total\":0,\"by_rule\":{}}}";
  }

  public static void main(String[] args) throws IOException {
    // Main itself is loaded here only to be archived: it would exit the process.
    Main.class.getName();
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
    // A home that does not exist: the training reads none of the user's files (its token).
    Map<String, String> env = Map.of("USER", "training", "SPL_HOME", "/nonexistent-spl-home");
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    String status = fleetStatus(url);
    server.createContext("/", exchange -> answer(exchange, status));
    server.start();
    // A home of the training's own that names the stand-in, as a daemon's home does: commands run
    // with --home read its endpoint file, and one finds its lock free.
    Path home = Files.createTempDirectory("spl-cds-training");
    try {
      Files.writeString(home.resolve("endpoint"), url);
      String homeText = home.toString();
      List<String[]> runs =
          List.of(
              new String[] {"--version"},
              new String[] {"--help"},
              new String[] {"records", "list", "--url", url, "--limit", "1"},
              new String[] {"-o", "json", "records", "list", "--url", url, "--limit", "1"},
              new String[] {"records", "get", "--url", url, ID},
              new String[] {"records", "get", "--url", url, "0".repeat(64)},
              new String[] {
                "records", "emit", "--url", url, "--thread", THREAD, "--act", "DO", "--body", "{}"
              },
              new String[] {"daemon", "status", "--url", url, "--home", "/nonexistent-spl-home"},
              new String[] {"fleet", "list", "--url", url},
              new String[] {"fleet", "status", "--url", url},
              new String[] {"-o", "json", "fleet", "status", "--url", url},
              new String[] {"--home", homeText, "records", "list", "--limit", "1"},
              new String[] {"--home", homeText, "fleet", "status"},
              new String[] {"--home", homeText, "task", "list"},
              new String[] {"--home", homeText, "-o", "json", "task", "list"},
              new String[] {"records", "list", "--bogus"});
      for (String[] run : runs) {
        Spl.run(sink, sink, env, run);
      }
      // A lock nobody holds: the command says the daemon has stopped.
      Files.createFile(home.resolve(HomeLock.FILE_NAME));
      Spl.run(sink, sink, env, "--home", homeText, "fleet", "status");
      prepareAFleet(sink, env);
    } finally {
      server.stop(0);
      try (Stream<Path> files = Files.list(home)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(home);
    }
  }

  /**
   * {@code spl fleet start} in a temporary folder until it spawns the coordinator: the daemon class
   * path it would start it with names a file that does not exist, so the spawn fails before any
   * process starts.
   */
  private static void prepareAFleet(PrintStream sink, Map<String, String> env) throws IOException {
    Path root = Files.createTempDirectory("spl-cds-fleet");
    try {
      System.setProperty(
          "spl.daemon.classpath.file", root.resolve("no-daemon-class-path").toString());
      Spl.run(
          sink,
          sink,
          env,
          "--home",
          root.resolve("home").toString(),
          "fleet",
          "start",
          "--workers",
          "2",
          "--port",
          "0",
          "--worker-port",
          "0");
    } finally {
      System.clearProperty("spl.daemon.classpath.file");
      deleteTree(root);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** The answers of a daemon holding one record, in a fleet of itself and one idle worker. */
  private static void answer(HttpExchange exchange, String fleetStatus) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      body.readAllBytes();
    }
    String path = exchange.getRequestURI().getPath();
    int status = 200;
    String answer;
    if (path.equals("/health")) {
      answer =
          "{\"status\":\"ok\",\"did\":\"did:sync:instance:0000000000000000\",\"version\":\"0\","
              + "\"role\":\"coordinator\",\"url\":\"http://127.0.0.1:1\",\"uptime_secs\":1,"
              + "\"records\":1}";
    } else if (path.equals("/v1/fleet/status")) {
      answer = fleetStatus;
    } else if (path.equals("/v1/children")) {
      answer = "{\"object\":\"list\",\"data\":[]}";
    } else if (path.equals("/v1/records") && exchange.getRequestMethod().equals("POST")) {
      status = 201;
      answer = RECORD + ",\"object\":\"record\",\"created\":true}";
    } else if (path.equals("/v1/records")) {
      answer = "{\"object\":\"list\",\"data\":[" + RECORD + "}],\"next_after\":1}";
    } else if (path.equals("/v1/records/" + ID)) {
      answer = RECORD + ",\"object\":\"record\"}";
    } else {
      status = 404;
      answer =
          "{\"object\":\"error\",\"type\":\"not_found\",\"code\":\"RECORD_NOT_FOUND\","
              + "\"message\":\"no record with id\"}";
    }
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
