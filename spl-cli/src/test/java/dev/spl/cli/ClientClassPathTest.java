package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.daemon.DaemonProcesses;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client class path the build writes for the launcher ({@code target/launch/classpath-client})
 * holds no daemon jar, and every client command works with nothing else: each runs in a JVM of its
 * own on exactly that class path, as the launcher runs it, so a client command that loaded a
 * daemon, CEL, Javalin or RocksDB class would fail here with NoClassDefFoundError.
 */
class ClientClassPathTest {
  /**
   * Commands the launcher runs on the daemons' class path (scripts/spl: {@code task}, {@code
   * rules}, {@code routes} and {@code demo} compile CEL or run daemons in-process; {@code daemon
   * run} is one).
   */
  private static final Set<String> ON_THE_DAEMON_CLASS_PATH =
      Set.of("task", "rules", "routes", "demo", "daemon run");

  /** Commands of those groups that the launcher runs on the client class path all the same. */
  private static final Set<String> ON_THE_CLIENT_CLASS_PATH_ALL_THE_SAME = Set.of("task list");

  private static final Path LAUNCH = Path.of("target", "launch");
  private static final long WAIT_SECONDS = 120;

  @TempDir Path base;
  private final Set<String> commandsRun = new TreeSet<>();
  private final List<Path> homes = new ArrayList<>();

  @AfterEach
  void stopEveryDaemonStarted() {
    for (Path home : homes) {
      Map<String, String> env = CliRun.cleanEnv();
      env.put("SPL_HOME", home.toString());
      CliRun.run(env, "fleet", "stop", "--all");
      for (Path each : List.of(home, home.resolveSibling(home.getFileName() + "-worker-a"))) {
        DaemonProcesses.stop(each, Duration.ofSeconds(10), true);
        DaemonProcesses.livePid(each)
            .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      }
    }
  }

  @Test
  void theClientClassPathHoldsTheSplCliJarAndNoDaemonJar() throws IOException {
    List<Path> client = launcherClassPath("classpath-client");
    List<Path> daemon = launcherClassPath("classpath-daemon");
    Set<String> clientArtifacts = artifacts(client);
    Set<String> daemonArtifacts = artifacts(daemon);

    assertThat(client.get(0).getFileName().toString()).startsWith("spl-cli-").endsWith(".jar");
    assertThat(daemon.get(0)).isEqualTo(client.get(0));
    assertThat(daemonArtifacts).containsAll(clientArtifacts);
    // What only daemons, CEL joins and rules load; picocli is compiled into spl-cli.
    assertThat(daemonArtifacts).contains("spl-daemon", "spl-cel", "javalin", "rocksdbjni", "cel");
    assertThat(clientArtifacts)
        .doesNotContain(
            "spl-daemon", "spl-cel", "javalin", "rocksdbjni", "cel", "picocli", "logback-classic")
        .noneMatch(artifact -> artifact.startsWith("jetty-"));
  }

  @Test
  void everyClientCommandRunsWithOnlyTheClientClassPath() throws IOException {
    String classPath =
        testCopiesOf(launcherClassPath("classpath-client")).stream()
            .map(Path::toString)
            .collect(Collectors.joining(":"));
    // Daemons the commands spawn get the test's whole class path, as they get the daemons' one.
    Path daemonClassPath = base.resolve("daemon-classpath");
    Files.writeString(daemonClassPath, System.getProperty("java.class.path"));
    Path fleet = base.resolve("fleet");
    Path single = base.resolve("single");
    homes.add(fleet);
    homes.add(single);
    ClientJvm jvm = new ClientJvm(classPath, daemonClassPath);

    expect(jvm, fleet, ExitCodes.OK, "--version");
    expect(jvm, fleet, ExitCodes.OK, "--help");
    expect(jvm, fleet, ExitCodes.OK, "help", "fleet");
    expect(jvm, fleet, ExitCodes.OK, "completion", "bash");
    expect(jvm, fleet, ExitCodes.BAD_INPUT, "records", "list", "--bogus");
    expect(
        jvm,
        fleet,
        ExitCodes.OK,
        "fleet",
        "start",
        "--workers",
        "1",
        "--port",
        "0",
        "--worker-port",
        "0",
        "--heartbeat-interval",
        "0.2",
        "--echo-delay",
        "0",
        "--timeout",
        "120");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "list");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "status");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "show", "worker-a");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "ping");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "forget", "worker-a");
    String thread = "th_" + "c1".repeat(32);
    Run emitted =
        expect(
            jvm,
            fleet,
            ExitCodes.OK,
            "-o",
            "json",
            "records",
            "emit",
            "--thread",
            thread,
            "--act",
            "DO",
            "--topic",
            "t",
            "--body",
            "{}");
    String id = dev.spl.core.Json.MAPPER.readTree(emitted.out()).path("id").asText();
    assertThat(id).as("id printed by records emit: %s", emitted).hasSize(64);
    expect(jvm, fleet, ExitCodes.OK, "records", "get", id);
    // A task's genesis, as `spl task add` writes it, for `task list` to fold and print.
    expect(
        jvm,
        fleet,
        ExitCodes.OK,
        "records",
        "emit",
        "--thread",
        "th_" + "c2".repeat(32),
        "--act",
        "INTEND",
        "--topic",
        "task",
        "--body",
        "{\"title\":\"listed\",\"alias\":\"LIST-1\"}");
    Run listed = expect(jvm, fleet, ExitCodes.OK, "task", "list");
    assertThat(listed.out()).contains("LIST-1", "listed");
    expect(jvm, fleet, ExitCodes.OK, "-o", "json", "task", "list", "--status", "open");
    expect(jvm, fleet, ExitCodes.OK, "records", "list", "--thread", thread, "--limit", "5");
    expect(jvm, fleet, ExitCodes.OK, "kill", "--namespace", "ns1", "--reason", "check");
    expect(jvm, fleet, ExitCodes.OK, "unkill", "--namespace", "ns1");
    expect(jvm, fleet, ExitCodes.OK, "daemon", "status");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "stop", "--all");
    expect(jvm, fleet, ExitCodes.OK, "fleet", "reset", "--force");
    // A loaded machine can take longer than the default 15 s to start a daemon.
    expect(jvm, single, ExitCodes.OK, "daemon", "start", "--port", "0", "--wait", "120");
    expect(jvm, single, ExitCodes.OK, "daemon", "stop");

    assertThat(commandsRun).isEqualTo(clientCommands());
  }

  /** Leaf commands of the whole command line that the launcher runs on the client class path. */
  private static Set<String> clientCommands() {
    PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
    Set<String> leaves = new TreeSet<>();
    collectLeaves(Spl.commandLine(sink, sink, CliRun.cleanEnv()), leaves);
    leaves.removeIf(
        name ->
            !ON_THE_CLIENT_CLASS_PATH_ALL_THE_SAME.contains(name)
                && (ON_THE_DAEMON_CLASS_PATH.contains(name)
                    || ON_THE_DAEMON_CLASS_PATH.contains(name.split(" ")[0])));
    return leaves;
  }

  private static void collectLeaves(CommandLine command, Set<String> leaves) {
    if (command.getSubcommands().isEmpty()) {
      leaves.add(command.getCommandSpec().qualifiedName(" ").replaceFirst("^spl ", ""));
      return;
    }
    for (CommandLine sub : new LinkedHashSet<>(command.getSubcommands().values())) {
      collectLeaves(sub, leaves);
    }
  }

  private Run expect(ClientJvm jvm, Path home, int exitCode, String... args) throws IOException {
    Run run = jvm.run(home, args);
    assertThat(run.exitCode())
        .as("spl %s on the client class path:%n%s", String.join(" ", args), run)
        .isEqualTo(exitCode);
    assertThat(run.err()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
    PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
    CommandLine.ParseResult parsed =
        Spl.commandLine(sink, sink, CliRun.cleanEnv()).parseArgs(validForParsing(args));
    while (parsed.hasSubcommand()) {
      parsed = parsed.subcommand();
    }
    if (parsed.commandSpec().parent() != null) {
      commandsRun.add(parsed.commandSpec().qualifiedName(" ").replaceFirst("^spl ", ""));
    }
    return run;
  }

  /** The arguments without the one unknown option used to run the bad-input path. */
  private static String[] validForParsing(String... args) {
    return Arrays.stream(args).filter(arg -> !arg.equals("--bogus")).toArray(String[]::new);
  }

  private static List<Path> launcherClassPath(String name) throws IOException {
    Path file = LAUNCH.resolve(name);
    assertThat(file)
        .as("written by the build (mvn process-resources) for scripts/spl")
        .isRegularFile();
    return Arrays.stream(Files.readString(file, StandardCharsets.UTF_8).strip().split(":"))
        .map(Path::of)
        .toList();
  }

  /**
   * The launcher's entries as this test finds them: the launcher names the jars the build copies
   * into target/lib at package, after the tests, so each is replaced by the same artifact on the
   * test's class path (a module's classes folder or a jar).
   */
  private static List<Path> testCopiesOf(List<Path> launcherEntries) {
    Map<String, Path> onTestClassPath = new LinkedHashMap<>();
    for (String entry : System.getProperty("java.class.path").split(":")) {
      onTestClassPath.putIfAbsent(artifact(Path.of(entry)), Path.of(entry));
    }
    List<Path> copies = new ArrayList<>();
    for (Path entry : launcherEntries) {
      Path copy = onTestClassPath.get(artifact(entry));
      assertThat(copy).as("%s on the test class path %s", entry, onTestClassPath).isNotNull();
      copies.add(copy);
    }
    return copies;
  }

  private static Set<String> artifacts(List<Path> entries) {
    return entries.stream()
        .map(ClientClassPathTest::artifact)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * {@code jackson-core} for {@code .../jackson-core-2.21.3.jar} and for {@code .../target/classes}
   * of a module named so.
   */
  static String artifact(Path entry) {
    String name = entry.getFileName().toString();
    if (name.endsWith(".jar")) {
      return name.replaceFirst("-[0-9][^/]*\\.jar$", "");
    }
    Path parent = entry.getParent();
    if (name.equals("classes")
        && parent != null
        && parent.getFileName().toString().equals("target")) {
      return parent.getParent().getFileName().toString();
    }
    return name;
  }

  record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  /** Runs {@code spl} the way the launcher runs a client command: {@code java -cp CLIENT Main}. */
  private record ClientJvm(String classPath, Path daemonClassPathFile) {
    Run run(Path home, String... args) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(
          List.of(
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Dspl.daemon.classpath.file=" + daemonClassPathFile,
              "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
              "-cp",
              classPath,
              "dev.spl.cli.Main"));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().keySet().removeIf(name -> name.startsWith("SPL_"));
      builder.environment().put("SPL_HOME", home.toString());
      Path out = Files.createTempFile(home.getParent(), "out", ".txt");
      Path err = Files.createTempFile(home.getParent(), "err", ".txt");
      builder.redirectOutput(out.toFile());
      builder.redirectError(err.toFile());
      builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process process = builder.start();
      try {
        if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(
              "spl " + String.join(" ", args) + " did not exit in " + WAIT_SECONDS + " s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new AssertionError("interrupted running spl " + String.join(" ", args), e);
      }
      return new Run(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    }
  }
}
