package dev.spl.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A fleet in containers: a Docker network of its own, a coordinator whose port is published on
 * 127.0.0.1 only, and workers reached through the network alone. Every daemon listens on port 9100
 * inside its container and is known on the network by its alias ({@code coordinator}, {@code
 * worker-a}, ...), which it also advertises. {@link #close} removes every container and the
 * network, and keeps each container's log in {@code target/fleet-logs/<test>/}.
 */
final class Fleet implements AutoCloseable {
  static final String COORDINATOR = "coordinator";
  static final int PORT = 9100;
  static final ObjectMapper JSON = CoordinatorApi.JSON;

  /** Short heartbeats and lease, so a lost worker is noticed within seconds. */
  static final List<String> TIMING = List.of("--heartbeat-interval", "0.5", "--lease", "3");

  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

  /** The fleet's token: at least 16 printable bytes, fresh for every fleet. */
  final String token = "spl-it-" + UUID.randomUUID().toString().replace("-", "");

  private final String name;
  private final List<String> timing;
  private final Network network = Network.newNetwork();
  private final DockerClient docker = DockerClientFactory.instance().client();
  private final Map<String, GenericContainer<?>> nodes = new LinkedHashMap<>();
  private final Set<String> paused = new HashSet<>();
  private int apiPort = -1;

  private Fleet(String name, List<String> timing) {
    this.name = name;
    this.timing = List.copyOf(timing);
  }

  /**
   * A fleet with nothing started yet and the short {@link #TIMING}; {@code name} names its logs.
   */
  static Fleet create(String name) {
    return new Fleet(name, TIMING);
  }

  /** A fleet whose daemons get {@code timing} (empty: the daemons' defaults). */
  static Fleet create(String name, List<String> timing) {
    return new Fleet(name, timing);
  }

  /** Which token a worker is given. */
  enum Token {
    /** The fleet's. */
    FLEET,
    /** Another one: its heartbeats carry a token the coordinator does not know. */
    WRONG,
    /** None (no token file); a daemon without a token may only bind loopback. */
    NONE
  }

  /** How a worker is started: its alias, its token and its executor options. */
  record Worker(String alias, Token token, List<String> options) {
    static Worker of(String alias, String... options) {
      return new Worker(alias, Token.FLEET, List.of(options));
    }

    Worker with(Token other) {
      return new Worker(alias, other, options);
    }
  }

  /** Options of an echo worker: children take {@code delay} seconds, {@code slots} at a time. */
  static String[] echo(String delay, int slots) {
    return new String[] {
      "--executor", "echo", "--echo-delay", delay, "--slots", Integer.toString(slots)
    };
  }

  void startCoordinator() {
    List<String> args = new ArrayList<>();
    // Plain HTTP inside the test's own Docker network, asked for by name.
    args.addAll(
        List.of(
            "daemon",
            "run",
            "--bind",
            "0.0.0.0",
            "--insecure-http",
            "--port",
            Integer.toString(PORT)));
    args.addAll(List.of("--role", "coordinator", "--advertise", url(COORDINATOR)));
    args.addAll(timing);
    GenericContainer<?> container = container(COORDINATOR, token, args);
    ExposedPort api = ExposedPort.tcp(PORT);
    // Published on 127.0.0.1 only, on a free port: nothing outside this machine reaches it.
    container.withCreateContainerCmdModifier(
        cmd -> {
          cmd.withExposedPorts(api);
          cmd.getHostConfig()
              .withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), api));
        });
    container.start();
    Ports.Binding[] bindings =
        container.getContainerInfo().getNetworkSettings().getPorts().getBindings().get(api);
    apiPort = Integer.parseInt(bindings[0].getHostPortSpec());
  }

  /** Starts the workers side by side and waits until each has printed its start line. */
  void startWorkers(Worker... workers) {
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (Worker worker : workers) {
      List<String> args = new ArrayList<>(List.of("daemon", "run"));
      args.addAll(
          worker.token() == Token.NONE
              ? List.of("--bind", "127.0.0.1")
              : List.of("--bind", "0.0.0.0", "--insecure-http"));
      args.addAll(List.of("--port", Integer.toString(PORT), "--alias", worker.alias()));
      args.addAll(List.of("--coordinator", url(COORDINATOR), "--advertise", url(worker.alias())));
      args.addAll(timing);
      args.addAll(worker.options());
      String workerToken =
          switch (worker.token()) {
            case FLEET -> token;
            case WRONG -> "spl-it-wrong-" + UUID.randomUUID().toString().replace("-", "");
            case NONE -> null;
          };
      GenericContainer<?> container = container(worker.alias(), workerToken, args);
      starts.add(CompletableFuture.runAsync(container::start));
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
  }

  private GenericContainer<?> container(String alias, String daemonToken, List<String> args) {
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(DockerEngine.IMAGE))
            .withImagePullPolicy(new NeverPull())
            .withNetwork(network)
            .withNetworkAliases(alias)
            .withCreateContainerCmdModifier(cmd -> cmd.withHostName(alias))
            .withCommand(args.toArray(String[]::new))
            .waitingFor(
                Wait.forLogMessage(".*listening on .*", 1).withStartupTimeout(START_TIMEOUT));
    if (daemonToken != null) {
      container.withCopyToContainer(new TokenFile(daemonToken), TokenFile.PATH);
    }
    nodes.put(alias, container);
    return container;
  }

  static String url(String alias) {
    return "http://" + alias + ":" + PORT;
  }

  GenericContainer<?> node(String alias) {
    GenericContainer<?> container = nodes.get(alias);
    if (container == null) {
      throw new IllegalArgumentException(
          "no container " + alias + " in this fleet: " + nodes.keySet());
    }
    return container;
  }

  // --- the coordinator's HTTP API, through its published port --------------------------------

  /**
   * The coordinator's API through its published port. The Host header is its advertised name, which
   * it answers to whatever port the request came in through.
   */
  CoordinatorApi api() {
    return new CoordinatorApi("http://127.0.0.1:" + apiPort, COORDINATOR + ":" + PORT, token);
  }

  Optional<JsonNode> instance(String alias) {
    return api().instance(alias);
  }

  Map<String, String> awaitLive(String... aliases) {
    return api().awaitLive(START_TIMEOUT, aliases);
  }

  Ledger thread(String thread) {
    return api().thread(thread);
  }

  // --- the CLI inside a container -------------------------------------------------------------

  /**
   * Runs {@code spl ARGS} in the container with {@code docker exec}; it talks to that container's
   * own daemon (the URL in its home) with the container's token.
   */
  ExecResult spl(String alias, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "spl";
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      return node(alias).execInContainer(command);
    } catch (IOException e) {
      throw new UncheckedIOException("docker exec in " + alias + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@link #spl} with {@code -o json}; the command must succeed. */
  JsonNode splJson(String alias, String... args) {
    String[] withJson = new String[args.length + 2];
    System.arraycopy(args, 0, withJson, 0, args.length);
    withJson[args.length] = "-o";
    withJson[args.length + 1] = "json";
    ExecResult result = spl(alias, withJson);
    if (result.getExitCode() != 0) {
      throw new IllegalStateException(
          "spl "
              + String.join(" ", args)
              + " in "
              + alias
              + ": exit "
              + result.getExitCode()
              + ": "
              + result.getStderr()
              + result.getStdout());
    }
    try {
      return JSON.readTree(result.getStdout());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "spl " + String.join(" ", args) + ": not JSON: " + result.getStdout(), e);
    }
  }

  /** A fan-out started on the coordinator: the task's thread and the parent record's id. */
  record FanOut(String thread, String parent, int width) {}

  /**
   * Creates the task {@code alias} and fans it out into {@code subtasks} (descriptors as in
   * docs/fan-out.md) with the CLI in the coordinator's container.
   */
  FanOut fanOut(String alias, List<Map<String, Object>> subtasks, String join) {
    StringBuilder lines = new StringBuilder();
    for (Map<String, Object> subtask : subtasks) {
      try {
        lines.append(JSON.writeValueAsString(subtask)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String file = "/tmp/" + alias + ".jsonl";
    node(COORDINATOR).copyFileToContainer(Transferable.of(lines.toString(), 0644), file);
    JsonNode task = splJson(COORDINATOR, "task", "add", "Fleet test " + alias, "--alias", alias);
    JsonNode fanOut =
        splJson(COORDINATOR, "task", "fan-out", alias, "--subtasks-file", file, "--join", join);
    return new FanOut(
        task.path("thread").asText(), fanOut.path("record").asText(), subtasks.size());
  }

  /** Waits until the fan-out's join has completed on the coordinator; returns the thread. */
  Ledger awaitJoin(FanOut fanOut, Duration timeout) {
    return api().awaitJoin(fanOut.thread(), fanOut.parent(), timeout);
  }

  /** The records of one topic in a worker's own store, through the CLI in its container. */
  List<JsonNode> workerRecords(String alias, String topic) {
    JsonNode page = splJson(alias, "records", "list", "--topic", topic, "--limit", "10000");
    List<JsonNode> records = new ArrayList<>();
    page.path("data").forEach(records::add);
    return records;
  }

  /**
   * Whether the worker has a result of its own for every child of the fan-out it was given, judged
   * from its own store (the coordinator may be out of reach).
   */
  boolean finishedWhatItHolds(String alias, FanOut fanOut) {
    long given =
        workerRecords(alias, "fanout_child").stream()
            .filter(r -> r.path("body").path("fanout").asText().equals(fanOut.parent()))
            .count();
    long reported =
        workerRecords(alias, "fanout_child_done").stream()
            .filter(r -> r.path("body").path("fanout").asText().equals(fanOut.parent()))
            .count();
    return given > 0 && reported >= given;
  }

  // --- what operators and failures do to containers -------------------------------------------

  /** {@code docker kill}: SIGKILL, no clean stop. */
  void kill(String alias) {
    docker.killContainerCmd(node(alias).getContainerId()).exec();
  }

  /** {@code docker pause}: every process of the container frozen. */
  void pause(String alias) {
    docker.pauseContainerCmd(node(alias).getContainerId()).exec();
    paused.add(alias);
  }

  void unpause(String alias) {
    docker.unpauseContainerCmd(node(alias).getContainerId()).exec();
    paused.remove(alias);
  }

  /** {@code docker network disconnect}: the container keeps running with no network. */
  void disconnect(String alias) {
    docker
        .disconnectFromNetworkCmd()
        .withNetworkId(network.getId())
        .withContainerId(node(alias).getContainerId())
        .exec();
  }

  /** {@code docker network connect --alias ALIAS}: back on the fleet's network, same name. */
  void reconnect(String alias) {
    docker
        .connectToNetworkCmd()
        .withNetworkId(network.getId())
        .withContainerId(node(alias).getContainerId())
        .withContainerNetwork(new ContainerNetwork().withAliases(alias))
        .exec();
  }

  /** The process id, on this machine, of the container's process 1 (its JVM). */
  long hostPid(String alias) {
    return docker.inspectContainerCmd(node(alias).getContainerId()).exec().getState().getPidLong();
  }

  String logs(String alias) {
    return node(alias).getLogs();
  }

  @Override
  public void close() {
    Path folder = Path.of("target", "fleet-logs", name);
    RuntimeException failure = null;
    // Workers first: stopped before their coordinator, they do not log its absence.
    List<Map.Entry<String, GenericContainer<?>>> stopOrder = new ArrayList<>(nodes.entrySet());
    java.util.Collections.reverse(stopOrder);
    for (Map.Entry<String, GenericContainer<?>> entry : stopOrder) {
      GenericContainer<?> container = entry.getValue();
      try {
        if (container.getContainerId() != null) {
          if (paused.remove(entry.getKey())) {
            unpause(entry.getKey());
          }
          Files.createDirectories(folder);
          Files.writeString(folder.resolve(entry.getKey() + ".log"), container.getLogs());
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("spl-it: could not keep the log of " + entry.getKey() + ": " + e);
      }
      try {
        container.stop();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    try {
      network.close();
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
    }
    if (failure != null) {
      throw failure;
    }
  }
}
