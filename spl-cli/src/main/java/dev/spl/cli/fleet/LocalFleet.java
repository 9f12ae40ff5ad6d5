package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliException;
import dev.spl.cli.client.Resolution;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A fleet on one machine: the coordinator's home and its workers' homes next to it ({@code
 * <home>-worker-a}, ...), the aliases and ports {@code spl fleet start} gives them, and how to tell
 * whether a running daemon is a worker of this fleet.
 */
final class LocalFleet {
  /**
   * Workers one {@code spl fleet start} runs: one letter each, {@code worker-a} to {@code
   * worker-z}. Each worker is a JVM of its own (about 100 MB resident), so 26 is already more than
   * a laptop carries; bigger fleets run workers on more hosts with {@code spl daemon start --role
   * worker --coordinator URL}.
   */
  static final int MAX_WORKERS = 26;

  static final String WORKER_PREFIX = "worker-";
  static final String COORDINATOR_ALIAS = "coordinator";
  static final int DEFAULT_WORKER_PORT = 9201;

  private final Path home;

  LocalFleet(Path home) {
    this.home = home;
  }

  Path home() {
    return home;
  }

  /** {@code worker-a} for 0, ..., {@code worker-z} for 25. */
  static String workerAlias(int index) {
    if (index < 0 || index >= MAX_WORKERS) {
      throw new IllegalArgumentException(
          "worker index: expected 0.." + (MAX_WORKERS - 1) + " but found " + index);
    }
    return WORKER_PREFIX + (char) ('a' + index);
  }

  static boolean isWorkerAlias(String alias) {
    return alias.length() == WORKER_PREFIX.length() + 1
        && alias.startsWith(WORKER_PREFIX)
        && alias.charAt(WORKER_PREFIX.length()) >= 'a'
        && alias.charAt(WORKER_PREFIX.length()) <= 'z';
  }

  /**
   * The port of worker {@code index}: {@code base + index}, or 0 (any free port) when base is 0.
   */
  static int workerPort(int base, int index) {
    if (base == 0) {
      return 0;
    }
    int port = base + index;
    if (port > 65_535) {
      throw CliException.badInput(
          "--worker-port: worker "
              + workerAlias(index)
              + " would get port "
              + port
              + ", above 65535; choose a lower --worker-port or 0 for any free port");
    }
    return port;
  }

  /** {@code <home>-worker-a}: next to the coordinator's home, so the fleet stays together. */
  Path workerHome(String alias) {
    return home.resolveSibling(home.getFileName() + "-" + alias);
  }

  /** The worker homes that exist next to the coordinator's, ordered by alias. */
  List<Path> existingWorkerHomes() {
    Path parent = home.getParent();
    List<Path> homes = new ArrayList<>();
    if (parent == null || !Files.isDirectory(parent)) {
      return homes;
    }
    String prefix = home.getFileName() + "-" + WORKER_PREFIX;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, prefix + "*")) {
      for (Path entry : entries) {
        String alias = aliasOf(entry);
        if (Files.isDirectory(entry) && alias != null && isWorkerAlias(alias)) {
          homes.add(entry);
        }
      }
    } catch (IOException e) {
      throw CliException.failure("cannot list the worker homes in " + parent + ": " + e);
    }
    homes.sort(null);
    return homes;
  }

  /** The alias a worker home belongs to, or null when the folder is not one of this fleet's. */
  String aliasOf(Path workerHome) {
    String name = workerHome.getFileName().toString();
    String prefix = home.getFileName() + "-";
    return name.startsWith(prefix) ? name.substring(prefix.length()) : null;
  }

  /** Null when {@code port} can be bound on loopback now, else a sentence saying why not. */
  static String portProblem(int port) {
    if (port == 0) {
      return null;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return null;
    } catch (IOException e) {
      return "port " + port + " is already in use (" + e.getMessage() + ")";
    }
  }

  /**
   * What a running daemon says it is: its role and the coordinator it reports to, from its {@code
   * /health} answer when it tells, else from its command line.
   */
  record Identity(String role, String coordinatorUrl) {
    boolean isWorkerOf(String url) {
      return "worker".equals(role) && url.equals(coordinatorUrl);
    }
  }

  static Identity identify(JsonNode health, Long pid) {
    String role = textOrNull(health.path("role"));
    String coordinator = textOrNull(health.path("coordinator_url"));
    if (coordinator == null) {
      coordinator = textOrNull(health.path("coordinator"));
    }
    if (role == null || (coordinator == null && "worker".equals(role))) {
      List<String> args = arguments(pid);
      String fromArgs = valueAfter(args, "--coordinator");
      String roleFromArgs = valueAfter(args, "--role");
      if (coordinator == null && fromArgs != null) {
        coordinator = fromArgs;
      }
      if (role == null) {
        role = roleFromArgs != null ? roleFromArgs : (fromArgs != null ? "worker" : null);
      }
    }
    if (coordinator != null) {
      try {
        coordinator = Resolution.normalizeUrl(coordinator, "the daemon's coordinator");
      } catch (CliException e) {
        // Not a URL we can compare: leave it as written, it will not match.
      }
    }
    return new Identity(role == null ? "coordinator" : role, coordinator);
  }

  /**
   * The command line of a process. Linux's {@code /proc/<pid>/cmdline} first: the JDK's {@code
   * ProcessHandle.Info.arguments()} comes back empty there for long command lines like a daemon's
   * class path.
   */
  static List<String> arguments(Long pid) {
    if (pid == null) {
      return List.of();
    }
    Path cmdline = Path.of("/proc", pid.toString(), "cmdline");
    if (Files.isReadable(cmdline)) {
      try {
        String text = Files.readString(cmdline, java.nio.charset.StandardCharsets.UTF_8);
        if (!text.isEmpty()) {
          List<String> all = List.of(text.split("\0"));
          return all.subList(1, all.size());
        }
      } catch (IOException e) {
        // Gone or not ours to read: fall back to what the JDK can tell.
      }
    }
    Optional<String[]> args = ProcessHandle.of(pid).flatMap(handle -> handle.info().arguments());
    return args.map(List::of).orElse(List.of());
  }

  private static String valueAfter(List<String> args, String option) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals(option) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (args.get(i).startsWith(option + "=")) {
        return args.get(i).substring(option.length() + 1);
      }
    }
    return null;
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
  }
}
