package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet token as a user meets it: {@code spl fleet start} makes one when none is given, hands
 * it to the daemons in files, every command finds it, and no daemon's command line or environment,
 * no child, no log and no record holds it.
 */
class FleetTokenProcessTest {
  @TempDir Path base;
  private Path home;
  private Map<String, String> env;
  private Process worker;

  @BeforeEach
  void environment() {
    home = base.resolve("fleet");
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    if (worker != null) {
      worker.destroy();
      if (!worker.waitFor(20, TimeUnit.SECONDS)) {
        worker.destroyForcibly();
      }
    }
    List<Path> homes = new ArrayList<>(new LocalFleet(home).existingWorkerHomes());
    homes.add(home);
    for (Path each : homes) {
      DaemonProcesses.stop(each, Duration.ofSeconds(10), true);
      DaemonProcesses.livePid(each)
          .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as("spl " + String.join(" ", args) + "\n" + run).isZero();
    return run;
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private List<Path> fleetHomes() {
    List<Path> homes = new ArrayList<>();
    homes.add(home);
    homes.addAll(new LocalFleet(home).existingWorkerHomes());
    return homes;
  }

  @Test
  void aFleetStartedWithoutATokenGetsOneThatEveryCommandFinds() throws Exception {
    CliRun start =
        ok(
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
            "--timeout",
            "60");
    Path tokenFile = home.resolve("token");
    assertThat(start.out()).contains("Created the fleet token " + tokenFile);
    String token = Files.readString(tokenFile).strip();
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(start.out() + start.err()).doesNotContain(token);

    for (Path each : fleetHomes()) {
      assertThat(mode(each)).as(each.toString()).isEqualTo("rwx------");
      for (String file : new String[] {"token", "daemon.pid", "daemon.log", "instance.json"}) {
        assertThat(mode(each.resolve(file)))
            .as(each.resolve(file).toString())
            .isEqualTo("rw-------");
      }
      assertThat(Files.readString(each.resolve("token")).strip()).isEqualTo(token);
      long pid = DaemonProcesses.livePid(each).orElseThrow();
      List<String> commandLine = LocalFleet.arguments(pid);
      assertThat(commandLine).contains("--token-file", each.resolve("token").toString());
      assertThat(String.join(" ", commandLine)).doesNotContain(token);
      Path environ = Path.of("/proc", Long.toString(pid), "environ");
      if (Files.isReadable(environ)) {
        String variables = Files.readString(environ, StandardCharsets.UTF_8);
        assertThat(variables).doesNotContain(token).doesNotContain("SPL_TOKEN=");
      }
    }

    // Every command finds the token in the home: nothing to pass.
    ok("fleet", "status");
    ok("fleet", "list");
    ok("records", "list");
    // Without it, the daemons refuse.
    String url = Files.readString(home.resolve("endpoint")).strip();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/health"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);

    // A second start finds the same token and the running fleet.
    CliRun again =
        ok(
            "fleet",
            "start",
            "--workers",
            "1",
            "--port",
            "0",
            "--worker-port",
            "0",
            "--timeout",
            "60");
    assertThat(again.out()).doesNotContain("Created the fleet token");
    assertThat(Files.readString(tokenFile).strip()).isEqualTo(token);
  }

  @Test
  void aTokenFileOthersCanReadIsRefusedAndNothingStarts() throws Exception {
    Files.createDirectories(home);
    Path loose = base.resolve("loose-token");
    Files.writeString(loose, "0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));

    CliRun start =
        CliRun.run(
            env,
            "--token-file",
            loose.toString(),
            "fleet",
            "start",
            "--workers",
            "1",
            "--port",
            "0",
            "--worker-port",
            "0");

    assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(start.err()).contains("chmod 600 " + loose);
    assertThat(DaemonProcesses.livePid(home)).isEmpty();
    assertThat(home.resolve("endpoint")).doesNotExist();
  }

  @Test
  void aTokenThatIsTooShortOrHoldsALineBreakIsRefusedAndNothingStarts() {
    CliRun shortToken = CliRun.run(env, "--token", "s3cret", "daemon", "start", "--port", "0");
    assertThat(shortToken.exitCode()).as(shortToken.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(shortToken.err()).contains("at least 16 bytes").doesNotContain("s3cret");

    Map<String, String> withBreak = new java.util.HashMap<>(env);
    withBreak.put("SPL_TOKEN", "0123456789abcdef\r\nX-Injected: yes");
    CliRun lineBreak = CliRun.run(withBreak, "daemon", "start", "--port", "0");
    assertThat(lineBreak.exitCode()).as(lineBreak.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(lineBreak.err()).contains("SPL_TOKEN").contains("carriage return");

    assertThat(DaemonProcesses.livePid(home)).isEmpty();
    assertThat(home).doesNotExist();
  }

  @Test
  void aRecordWrittenAsADaemonIsRefusedByTheCli() {
    CliRun emit =
        CliRun.run(
            env,
            "--url",
            "http://127.0.0.1:1",
            "records",
            "emit",
            "--thread",
            "th_" + "a".repeat(64),
            "--act",
            "DO",
            "--actor",
            "did:sync:instance:0123456789abcdef");

    assertThat(emit.exitCode()).as(emit.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(emit.err()).contains("--actor").contains("daemon's DID");
  }

  /**
   * A worker run by hand ({@code spl daemon run}) with the token in its environment, under its own
   * name and inside another variable: a shell child that prints its whole environment shows
   * neither, nor does any record, output log or daemon log.
   */
  @Test
  void aShellChildThatDumpsItsEnvironmentRevealsNoToken() throws Exception {
    String token = "child-must-not-see-0123456789abcdef";
    env.put("SPL_TOKEN", token);
    ok("daemon", "start", "--port", "0", "--heartbeat-interval", "0.2");
    String coordinatorUrl = Files.readString(home.resolve("endpoint")).strip();
    Path workerHome = base.resolve("worker");
    worker =
        splProcess(
            Map.of("SPL_HOME", workerHome.toString(), "SPL_TOKEN", token, "LEAKY", "x" + token),
            workerHome.resolve("daemon.log"),
            "daemon",
            "run",
            "--port",
            "0",
            "--role",
            "worker",
            "--alias",
            "worker-a",
            "--coordinator",
            coordinatorUrl,
            "--executor",
            "shell",
            "--heartbeat-interval",
            "0.2");
    Await.until(
        "the worker is live",
        Duration.ofMillis(60_000),
        () -> {
          CliRun status = CliRun.run(env, "-o", "json", "fleet", "status");
          return status.exitCode() == 0
              && status.out().contains("\"live\"")
              && status.out().contains("worker-a");
        });

    ok("task", "add", "Dump the environment", "--alias", "ENV-1", "--namespace", "env");
    ok("task", "fan-out", "ENV-1", "--subtask", "goal=dump,run=env", "--join", "all");
    CliRun watch = ok("task", "join-status", "ENV-1", "--watch", "--timeout", "60");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    assertThat(watch.out()).doesNotContain(token);

    for (Path each : List.of(home, workerHome)) {
      CliRun records =
          ok("--home", each.toString(), "-o", "json", "records", "list", "--limit", "10000");
      assertThat(records.out()).as("records of " + each).doesNotContain(token);
      assertThat(Files.readString(each.resolve("daemon.log"))).doesNotContain(token);
    }
    List<Path> outputs;
    try (Stream<Path> files = Files.walk(workerHome.resolve("work"))) {
      outputs = files.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
    }
    assertThat(outputs).isNotEmpty();
    for (Path output : outputs) {
      String dumped = Files.readString(output);
      assertThat(dumped).contains("SPL_GOAL=dump");
      assertThat(dumped).doesNotContain(token).doesNotContain("SPL_TOKEN").doesNotContain("LEAKY");
    }
    // The coordinator was started by the CLI: its own environment holds no token either.
    long pid = DaemonProcesses.livePid(home).orElseThrow();
    Path environ = Path.of("/proc", Long.toString(pid), "environ");
    if (Files.isReadable(environ)) {
      assertThat(Files.readString(environ, StandardCharsets.UTF_8)).doesNotContain(token);
    }
  }

  /**
   * {@code spl} as its own process, with exactly the given environment plus PATH and HOME, its
   * output appended to {@code log}.
   */
  private static Process splProcess(Map<String, String> variables, Path log, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.spl.cli.Main");
    command.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> environment = builder.environment();
    String path = environment.get("PATH");
    String userHome = environment.get("HOME");
    environment.clear();
    if (path != null) {
      environment.put("PATH", path);
    }
    if (userHome != null) {
      environment.put("HOME", userHome);
    }
    environment.put("USER", "tester");
    environment.putAll(variables);
    return builder.start();
  }
}
