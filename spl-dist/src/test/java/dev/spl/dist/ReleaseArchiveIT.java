package dev.spl.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spl.testing.Await;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as an operator gets it: extracted into a folder outside the repository and
 * run with a Java runtime only (no Maven, no repository, no local Maven repository on the PATH or
 * in HOME).
 */
class ReleaseArchiveIT {
  private static final String VERSION = System.getProperty("spl.version");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

  @TempDir static Path extracted;
  private static Path root;

  @TempDir Path work;

  @BeforeAll
  static void extract() throws Exception {
    Path archive = Path.of(System.getProperty("spl.archive"));
    assertThat(archive).as("the archive ./mvnw package makes").isRegularFile();
    Result tar =
        Result.of(
            new ProcessBuilder("tar", "xzf", archive.toString(), "-C", extracted.toString()),
            COMMAND_TIMEOUT);
    assertThat(tar.exit()).as(tar.toString()).isZero();
    root = extracted.resolve("spl-" + VERSION);
  }

  @Test
  void theArchiveHoldsTheLauncherTheJarsManPagesCompletionAndTheSystemdUnit() throws IOException {
    assertThat(root.resolve("bin/spl")).isExecutable();
    assertThat(root.resolve("lib/spl-cli-" + VERSION + ".jar")).isRegularFile();
    try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
      assertThat(jars.map(jar -> jar.getFileName().toString()))
          .allMatch(name -> name.endsWith(".jar"))
          .noneMatch(name -> name.startsWith("picocli") || name.startsWith("spl-dist"));
    }
    for (String page : List.of("spl.1", "spl-daemon-run.1", "spl-task-fan-out.1")) {
      assertThat(root.resolve("share/man/man1/" + page)).isRegularFile();
    }
    assertThat(Files.readString(root.resolve("share/man/man1/spl-daemon-run.1")))
        .startsWith("'\\\" t")
        .contains(".TH \"SPL\\-DAEMON\\-RUN\" \"1\"")
        .contains("\\-\\-port");
    assertThat(Files.readString(root.resolve("completion/spl.bash"))).contains("complete -F");
    assertThat(Files.readString(root.resolve("completion/spl.zsh"))).contains("bashcompinit");
    assertThat(root.resolve("systemd/spl@.service")).isRegularFile();
  }

  @Test
  void manRendersThePages() throws Exception {
    assumeTrue(onPath("man"), "man(1) is not installed here");

    Result man =
        run(
            new ProcessBuilder(
                    "man", "-l", root.resolve("share/man/man1/spl-fleet-start.1").toString())
                .directory(work.toFile()),
            Map.of("MANPAGER", "cat", "MANWIDTH", "100"));

    assertThat(man.exit()).as(man.toString()).isZero();
    assertThat(man.out()).contains("spl-fleet-start", "SYNOPSIS", "--workers");
  }

  @Test
  void versionRunsFromTheExtractedCopy() throws Exception {
    Result version = spl(work, "--version");

    assertThat(version.exit()).as(version.toString()).isZero();
    assertThat(version.out().strip()).isEqualTo("spl " + VERSION);
  }

  @Test
  void aDaemonStartedFromTheArchiveAnswersCommandsAndStops() throws Exception {
    Path home = work.resolve("home");
    try {
      Result start = spl(home, "daemon", "start", "--port", "0");
      assertThat(start.exit()).as(start.toString()).isZero();

      Result add = spl(home, "task", "add", "From the archive", "--alias", "ARC-1");
      assertThat(add.exit()).as(add.toString()).isZero();
      assertThat(add.out()).contains("Task created: From the archive");
      Result list = spl(home, "task", "list");
      assertThat(list.exit()).as(list.toString()).isZero();
      assertThat(list.out()).contains("ARC-1");
    } finally {
      Result stop = spl(home, "daemon", "stop");
      assertThat(stop.exit()).as(stop.toString()).isZero();
    }
    Result status = spl(home, "daemon", "status");
    assertThat(status.exit()).as(status.toString()).isEqualTo(3);
    assertThat(status.out()).contains("no spl daemon is running");
  }

  /** What the systemd unit's SuccessExitStatus=143 stands for: a clean stop on SIGTERM. */
  @Test
  void aForegroundDaemonExitsWith143OnSigterm() throws Exception {
    assertThat(Files.readString(unit())).contains("\nSuccessExitStatus=143\n");
    Path home = work.resolve("home");
    Path log = work.resolve("daemon-run.log");
    ProcessBuilder builder =
        new ProcessBuilder(root.resolve("bin/spl").toString(), "daemon", "run", "--port", "0")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    environment(builder, home, Map.of());
    Process daemon = builder.start();
    try {
      Await.until(
          "the daemon says it listens",
          Duration.ofSeconds(60),
          () -> read(log).contains("listening on"));
      // bin/spl execs the JVM: this process is the daemon, as it is systemd's main process.
      assertThat(daemon.info().command().orElse("")).endsWith("java");

      daemon.destroy();

      assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      assertThat(daemon.exitValue()).as(read(log)).isEqualTo(143);
      assertThat(home.resolve("daemon.pid")).doesNotExist();
    } finally {
      daemon.destroyForcibly();
    }
  }

  @Test
  void systemdAcceptsTheUnitWithTheArchiveInstalled() throws Exception {
    assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed here");
    // The unit as installed, with the archive and the instance's configuration where they are here.
    Path units = Files.createDirectories(work.resolve("units"));
    Files.writeString(units.resolve("coordinator.conf"), "SPL_HOME=" + work.resolve("home") + "\n");
    Files.writeString(
        units.resolve("spl@coordinator.service"),
        Files.readString(unit())
            .replace("/opt/spl/bin/spl", root.resolve("bin/spl").toString())
            .replace("/etc/spl/%i.conf", units.resolve("%i.conf").toString()));

    // Documentation=man:spl-daemon-run(1) is checked with man, against the archive's pages.
    Result verify =
        run(
            new ProcessBuilder(
                    "systemd-analyze",
                    "verify",
                    units.resolve("spl@coordinator.service").toString())
                .directory(work.toFile()),
            Map.of("MANPATH", root.resolve("share/man").toString()));

    assertThat(verify.exit()).as(verify.toString()).isZero();
    // It reports a line it cannot parse and goes on; there must be none.
    assertThat(verify.out()).as(verify.toString()).isBlank();
  }

  private static Path unit() {
    return Path.of(System.getProperty("spl.systemd.unit"));
  }

  private Result spl(Path home, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("bin/spl").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    environment(builder, home, Map.of());
    return Result.of(builder, COMMAND_TIMEOUT);
  }

  private Result run(ProcessBuilder builder, Map<String, String> extra) throws Exception {
    environment(builder, work.resolve("home"), extra);
    return Result.of(builder, COMMAND_TIMEOUT);
  }

  /**
   * Only what an operator's shell would have: a JAVA_HOME, the system's PATH without Maven's or the
   * repository's folders, and a HOME with nothing in it.
   */
  private void environment(ProcessBuilder builder, Path home, Map<String, String> extra)
      throws IOException {
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/bin:/bin");
    env.put("HOME", Files.createDirectories(work.resolve("user-home")).toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("LANG", "C.UTF-8");
    env.put("SPL_HOME", home.toString());
    env.putAll(extra);
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  record Result(int exit, String out) {
    static Result of(ProcessBuilder builder, Duration timeout) throws Exception {
      File output = File.createTempFile("spl-dist", ".out");
      try {
        Process process = builder.redirectErrorStream(true).redirectOutput(output).start();
        try {
          assertThat(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS))
              .as(String.join(" ", builder.command()) + " finished")
              .isTrue();
        } finally {
          process.destroyForcibly();
        }
        return new Result(process.exitValue(), Files.readString(output.toPath()));
      } finally {
        Files.deleteIfExists(output.toPath());
      }
    }

    @Override
    public String toString() {
      return "exit " + exit + ":\n" + out;
    }
  }
}
