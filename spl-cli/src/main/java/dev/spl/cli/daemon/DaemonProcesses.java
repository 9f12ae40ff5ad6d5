package dev.spl.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliException;
import dev.spl.cli.client.ClientJson;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.PidFile;
import dev.spl.cli.client.Resolution;
import dev.spl.core.home.FleetToken;
import dev.spl.core.home.HomeLock;
import dev.spl.core.home.PrivateFiles;
import dev.spl.core.tls.TlsTrust;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Background daemons: spawning {@code spl daemon run} as a detached process, finding the daemon of
 * a home, and stopping it. Used by {@code spl daemon start|stop|status}; fleet commands reuse it
 * for workers.
 */
public final class DaemonProcesses {
  private static final String MAIN_CLASS = "dev.spl.cli.Main";

  /**
   * Every daemon runs on C1 alone. A fan-out keeps its daemons busy for seconds to minutes, and C2
   * compiling their hot paths on the same cores cost more CPU than its faster code saved: through a
   * real fleet on 2 cores, 10,000 children took 0.67x the time with 0.66x the coordinator's CPU per
   * child and 0.56x the workers' (docs/benchmarks.md). {@code SPL_DAEMON_JAVA_OPTS} comes later on
   * the command line, so {@code -XX:TieredStopAtLevel=4} there brings C2 back. The launchers give a
   * foreground {@code spl daemon run} the same option.
   */
  static final List<String> JIT_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  private static final int HEALTH_TIMEOUT_MILLIS = 1_000;
  private static final long POLL_MILLIS = 50;

  /**
   * How often a daemon being started is looked for while its endpoint file is missing: a file test,
   * which costs the daemon nothing, so it can be frequent.
   */
  private static final long ENDPOINT_POLL_MILLIS = 5;

  /**
   * How to run one background daemon. Null values leave the daemon's default; {@code token} is the
   * token it requires (none when null), handed over in a file; {@code runOptions} are further
   * {@code spl daemon run} options (role, alias, coordinator, intervals, ...).
   */
  public record Spec(
      Path home,
      Integer port,
      String bindHost,
      Long maxRequestBytes,
      Resolution.Token token,
      List<String> runOptions,
      TlsTrust trust) {
    public Spec {
      runOptions = List.copyOf(runOptions);
      trust = trust == null ? TlsTrust.system() : trust;
    }

    public Spec(
        Path home, Integer port, String bindHost, Long maxRequestBytes, Resolution.Token token) {
      this(home, port, bindHost, maxRequestBytes, token, List.of());
    }

    public Spec(
        Path home,
        Integer port,
        String bindHost,
        Long maxRequestBytes,
        Resolution.Token token,
        List<String> runOptions) {
      this(home, port, bindHost, maxRequestBytes, token, runOptions, null);
    }

    String tokenValue() {
      return token == null ? null : token.value();
    }

    Spec withToken(Resolution.Token newToken) {
      return new Spec(home, port, bindHost, maxRequestBytes, newToken, runOptions, trust);
    }
  }

  /** A daemon process just spawned, not yet known to answer. */
  public record Spawned(Spec spec, Process process, long logOffset) {
    public Path logFile() {
      return new HomeLayout(spec.home()).logFile();
    }
  }

  /** A daemon that answers: its pid (null when unknown), URL and {@code /health} answer. */
  public record Running(Long pid, String url, JsonNode health) {
    public String did() {
      return health.path("did").asText(null);
    }
  }

  /** What {@link #stop} did. */
  public enum StopOutcome {
    NOT_RUNNING,
    STOPPED,
    KILLED,
    STILL_RUNNING
  }

  public record StopResult(StopOutcome outcome, long pid, String detail) {}

  private DaemonProcesses() {}

  /**
   * The daemon serving {@code home}, if one answers: the home's lock must be held, and the endpoint
   * the daemon wrote in the home must answer {@code /health} with the DID of that home.
   */
  public static Optional<Running> find(Path home, String token) {
    return find(home, token, TlsTrust.system());
  }

  /** As {@link #find(Path, String)}, an HTTPS daemon checked against {@code trust}. */
  public static Optional<Running> find(Path home, String token, TlsTrust trust) {
    if (!inUse(home)) {
      return Optional.empty();
    }
    HomeLayout layout = new HomeLayout(home);
    String url = Resolution.readEndpointFile(layout.endpointFile());
    if (url == null) {
      return Optional.empty();
    }
    JsonNode health = new DaemonClient(url, token, trust).healthOrNull(HEALTH_TIMEOUT_MILLIS);
    if (health == null) {
      return Optional.empty();
    }
    String homeDid = homeDid(home);
    if (homeDid != null && !homeDid.equals(health.path("did").asText())) {
      return Optional.empty();
    }
    Long pid = livePid(home).stream().boxed().findFirst().orElse(null);
    return Optional.of(new Running(pid, url, health));
  }

  /**
   * Spawns {@code spl daemon run} for the spec, detached from this process, with its output
   * appended to the home's log, and waits until it answers {@code /health}.
   */
  public static Running start(Spec spec, Map<String, String> env, Duration wait) {
    return awaitAnswer(spawn(spec, env), wait);
  }

  /**
   * Spawns {@code spl daemon run} for the spec, detached from this process, with its output
   * appended to the home's log and its pid in the home's pid file; does not wait.
   */
  public static Spawned spawn(Spec requested, Map<String, String> env) {
    HomeLayout layout = new HomeLayout(requested.home());
    try {
      PrivateFiles.createFolder(requested.home());
      // The log is created private before the daemon's output is appended to it.
      PrivateFiles.open(layout.logFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)
          .close();
    } catch (IOException e) {
      throw CliException.failure(
          "cannot create the home " + requested.home() + ": " + e.getMessage());
    }
    Spec spec = withTokenFile(requested);
    // Nothing healthy answers for this home (callers check first), so an endpoint file left behind
    // by a killed daemon is stale; removing it lets the wait below see only the new daemon's URL.
    PidFile.remove(layout.endpointFile());
    List<String> command = command(spec, env);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(layout.logFile().toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.directory(spec.home().toFile());
    builder.environment().remove("SPL_URL");
    // The daemon reads the token from its file (--token-file): an argument would show in `ps`,
    // and a variable would be inherited by whatever the daemon starts.
    FleetToken.scrub(builder.environment(), spec.tokenValue());
    long logOffset = size(layout.logFile());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw CliException.failure("cannot start " + command.get(0) + ": " + e.getMessage());
    }
    PidFile.write(layout.pidFile(), process.pid());
    return new Spawned(spec, process, logOffset);
  }

  /**
   * Waits until a spawned daemon answers {@code /health} at the endpoint it writes into its home;
   * fails with the tail of its log when it exits first or does not answer in time.
   */
  public static Running awaitAnswer(Spawned spawned, Duration wait) {
    Spec spec = spawned.spec();
    Process process = spawned.process();
    HomeLayout layout = new HomeLayout(spec.home());
    long logOffset = spawned.logOffset();
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        PidFile.removeIfOwned(layout.pidFile(), process.pid());
        throw CliException.failure(
            "the daemon exited with code "
                + process.exitValue()
                + " before answering; "
                + layout.logFile()
                + " says:\n"
                + tail(layout.logFile(), logOffset, 20));
      }
      // The daemon writes its endpoint file once it serves every request (its components started,
      // a worker's first heartbeat on its way): until then only the file is looked for.
      if (!Files.exists(layout.endpointFile())) {
        sleep(ENDPOINT_POLL_MILLIS);
        continue;
      }
      Optional<Running> running = find(spec.home(), spec.tokenValue(), spec.trust());
      if (running.isPresent()) {
        return new Running(process.pid(), running.get().url(), running.get().health());
      }
      sleep(POLL_MILLIS);
    }
    throw CliException.failure(
        "the daemon (pid "
            + process.pid()
            + ") did not answer /health within "
            + wait.toSeconds()
            + " s; it is still running: stop it with `spl daemon stop --home "
            + spec.home()
            + "`; "
            + layout.logFile()
            + " says:\n"
            + tail(layout.logFile(), logOffset, 20));
  }

  /**
   * SIGTERM to the daemon holding the home's lock, then wait until the lock is free (SIGKILL after
   * the wait if forced). A free lock means nothing runs, whatever the pid file says.
   */
  public static StopResult stop(Path home, Duration wait, boolean force) {
    HomeLayout layout = new HomeLayout(home);
    Liveness liveness = liveness(home);
    if (!liveness.inUse()) {
      PidFile.remove(layout.pidFile());
      return new StopResult(StopOutcome.NOT_RUNNING, -1, "no spl daemon is running at " + home);
    }
    ProcessHandle handle =
        liveness.pid().isPresent()
            ? ProcessHandle.of(liveness.pid().getAsLong()).orElse(null)
            : null;
    if (handle == null) {
      if (awaitFree(home, Duration.ofMillis(500))) {
        PidFile.remove(layout.pidFile());
        return new StopResult(StopOutcome.NOT_RUNNING, -1, "no spl daemon is running at " + home);
      }
      return new StopResult(
          StopOutcome.STILL_RUNNING,
          -1,
          "holds "
              + home.resolve(HomeLock.FILE_NAME)
              + " but its pid cannot be found (neither the lock file nor "
              + layout.pidFile()
              + " names a live process)");
    }
    handle.destroy();
    if (awaitExit(handle, home, wait)) {
      PidFile.removeIfOwned(layout.pidFile(), handle.pid());
      return new StopResult(StopOutcome.STOPPED, handle.pid(), "stopped");
    }
    if (!force) {
      return new StopResult(
          StopOutcome.STILL_RUNNING,
          handle.pid(),
          "did not exit within " + wait.toSeconds() + " s of SIGTERM");
    }
    handle.destroyForcibly();
    awaitExit(handle, home, Duration.ofSeconds(10));
    PidFile.removeIfOwned(layout.pidFile(), handle.pid());
    return new StopResult(
        StopOutcome.KILLED, handle.pid(), "killed after " + wait.toSeconds() + " s");
  }

  /**
   * Whether a daemon serves {@code home}, and its pid: the home is in use if and only if its lock
   * ({@code daemon.lock}) is held. The pid comes from the lock file, where the holder wrote it,
   * else from {@code daemon.pid} (a daemon that has not written the lock file yet), and only while
   * the lock is held.
   */
  public record Liveness(boolean inUse, OptionalLong pid) {
    static final Liveness FREE = new Liveness(false, OptionalLong.empty());
  }

  public static Liveness liveness(Path home) {
    // A lock that cannot be asked about (another user's home) counts as free: a daemon started
    // there fails to take it and says so.
    if (!(HomeLock.probe(home) instanceof HomeLock.Held held)) {
      return Liveness.FREE;
    }
    if (held.pid().isPresent()) {
      return new Liveness(true, held.pid());
    }
    OptionalLong fromPidFile = PidFile.read(new HomeLayout(home).pidFile());
    if (fromPidFile.isPresent() && ProcessHandle.of(fromPidFile.getAsLong()).isPresent()) {
      return new Liveness(true, fromPidFile);
    }
    return new Liveness(true, OptionalLong.empty());
  }

  /** {@code pid 1234}, or {@code a process} when the holder's pid is not known. */
  public static String describePid(Liveness liveness) {
    return liveness.pid().isPresent() ? "pid " + liveness.pid().getAsLong() : "a process";
  }

  /**
   * Waits while the home's lock is held for its holder to answer {@code /health}; empty when the
   * lock is released or nothing answers in time.
   */
  public static Optional<Running> awaitHolder(Path home, String token, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Optional<Running> running = find(home, token);
      if (running.isPresent()) {
        return running;
      }
      if (!inUse(home) || System.nanoTime() >= deadline) {
        return Optional.empty();
      }
      sleep(POLL_MILLIS);
    }
  }

  /** Whether a daemon holds the home's lock. */
  public static boolean inUse(Path home) {
    return liveness(home).inUse();
  }

  /** The pid of the daemon holding the home's lock; empty when none does (or it is unknown). */
  public static OptionalLong livePid(Path home) {
    return liveness(home).pid();
  }

  public static List<String> command(Spec spec, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(JIT_OPTIONS);
    command.addAll(daemonJvmOptions());
    // A daemon unpacks native libraries into its temporary folder; it uses the same one as the
    // process that starts it, so a test run confines them to its own.
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    String extra = env.get("SPL_DAEMON_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.add("-cp");
    command.add(daemonClassPath());
    command.add(MAIN_CLASS);
    command.add("--home");
    command.add(spec.home().toString());
    if (spec.token() != null && spec.token().file() != null) {
      command.add("--token-file");
      command.add(spec.token().file().toString());
    }
    if (spec.trust().caFile() != null) {
      command.add("--tls-ca");
      command.add(spec.trust().caFile().toString());
    }
    command.add("daemon");
    command.add("run");
    if (spec.port() != null) {
      command.add("--port");
      command.add(spec.port().toString());
    }
    if (spec.bindHost() != null) {
      command.add("--bind");
      command.add(spec.bindHost());
    }
    if (spec.maxRequestBytes() != null) {
      command.add("--max-request-bytes");
      command.add(spec.maxRequestBytes().toString());
    }
    command.addAll(spec.runOptions());
    // The daemon writes its log itself, rotated by size; what it prints (its start line, a JVM's
    // fatal error) is appended to the same file through its redirected output.
    command.add("--log-file");
    command.add(new HomeLayout(spec.home()).logFile().toString());
    String setsid = setsid();
    if (setsid != null) {
      // A new session: Ctrl-C or a closing terminal of the starting shell does not reach it.
      command.add(0, setsid);
    }
    return command;
  }

  /**
   * The spec with its token in a file: the file it was read from, else the home's token file,
   * written (0600) now.
   */
  private static Spec withTokenFile(Spec spec) {
    Resolution.Token token = spec.token();
    if (token == null || token.file() != null) {
      return spec;
    }
    Path file = Resolution.tokenFile(spec.home());
    try {
      FleetToken.write(file, token.value());
    } catch (IOException e) {
      throw CliException.failure("cannot write the token file " + file + ": " + e.getMessage());
    }
    return spec.withToken(new Resolution.Token(token.value(), file, token.source()));
  }

  /**
   * JVM options the launcher chose for daemons (its class-data-sharing archive, the folder of the
   * RocksDB library it unpacked once), one per line in the file named by {@code
   * spl.daemon.jvm.options.file}; none without the launcher.
   */
  static List<String> daemonJvmOptions() {
    String file = System.getProperty("spl.daemon.jvm.options.file");
    if (file == null || file.isBlank() || !Files.isRegularFile(Path.of(file))) {
      return List.of();
    }
    try {
      List<String> options = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          options.add(line.strip());
        }
      }
      return options;
    } catch (IOException e) {
      throw CliException.failure(
          "cannot read the daemon JVM options from " + file + ": " + e.getMessage());
    }
  }

  /**
   * The class path a daemon needs. The launcher runs client commands on a short class path and
   * names the file holding the full one in {@code spl.daemon.classpath.file}.
   */
  static String daemonClassPath() {
    String file = System.getProperty("spl.daemon.classpath.file");
    if (file != null && !file.isBlank()) {
      try {
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw CliException.failure(
            "cannot read the daemon class path from " + file + ": " + e.getMessage());
      }
    }
    return System.getProperty("java.class.path");
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static String setsid() {
    for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * The DID the home's {@code instance.json} names, or null when it cannot be read. Read with the
   * streaming parser: {@code fleet start} asks this when a daemon it spawned first answers, and
   * setting up Jackson's ObjectMapper there held up the spawn of the workers.
   */
  public static String homeDid(Path home) {
    Path instance = home.resolve("instance.json");
    try {
      byte[] bytes = Files.readAllBytes(instance);
      return ClientJson.readLine(bytes, 0, bytes.length).path("did").asText(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** Waits until the process has exited and the home's lock is free. */
  private static boolean awaitExit(ProcessHandle handle, Path home, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      handle.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      if (handle.isAlive()) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !handle.isAlive() && !inUse(home);
    }
    return awaitFree(home, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }

  /**
   * Waits until the home's lock is free: the kernel releases it when the holder's process is gone,
   * a moment after the exit is reported.
   */
  private static boolean awaitFree(Path home, Duration wait) {
    long deadline = System.nanoTime() + Math.max(wait.toNanos(), 1_000_000_000L);
    while (inUse(home)) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      sleep(POLL_MILLIS);
    }
    return true;
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The last {@code lines} lines written to the log after {@code offset}. */
  static String tail(Path log, long offset, int lines) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      long from = Math.max(offset, length - 16_384);
      byte[] bytes = new byte[(int) (length - from)];
      file.seek(from);
      file.readFully(bytes);
      String[] all = new String(bytes, StandardCharsets.UTF_8).split("\n");
      int start = Math.max(0, all.length - lines);
      StringBuilder sb = new StringBuilder();
      for (int i = start; i < all.length; i++) {
        sb.append("  | ").append(all[i]).append('\n');
      }
      return sb.length() == 0 ? "  (the log is empty)" : sb.toString().stripTrailing();
    } catch (IOException e) {
      return "  (cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted while waiting for the daemon");
    }
  }
}
