package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.daemon.DaemonProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ~} is the user's {@code $HOME}: {@code spl} runs as a process of its own with a {@code
 * HOME} that differs from Java's {@code user.home} (as in a container, under sudo or in CI), and
 * its default home and a {@code ~/} in {@code SPL_HOME} land under {@code HOME}.
 */
class HomeProcessTest {
  @TempDir Path base;

  private Path home() {
    return base.resolve("home");
  }

  private Path passwdHome() {
    return base.resolve("passwd-home");
  }

  @AfterEach
  void stopTheDaemon() {
    for (Path each : List.of(home().resolve(".syncro"), home().resolve("fleet"))) {
      DaemonProcesses.stop(each, Duration.ofSeconds(10), true);
    }
  }

  private record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private Run spl(Map<String, String> extraEnv, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Duser.home=" + passwdHome());
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.spl.cli.Main");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(name -> name.startsWith("SPL_"));
    builder.environment().put("HOME", home().toString());
    builder.environment().putAll(extraEnv);
    Path out = Files.createTempFile(base, "out", ".txt");
    Path err = Files.createTempFile(base, "err", ".txt");
    builder.redirectOutput(out.toFile());
    builder.redirectError(err.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("spl " + String.join(" ", args) + " did not exit in 120 s");
    }
    return new Run(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theDefaultHomeAndATildeInSplHomeAreUnderHome() throws Exception {
    Files.createDirectories(home());
    Files.createDirectories(passwdHome());

    Run started = spl(Map.of(), "daemon", "start", "--port", "0");
    assertThat(started.exitCode()).as(started.toString()).isZero();
    assertThat(started.out()).contains(home().resolve(".syncro").toString());
    assertThat(home().resolve(".syncro").resolve("instance.json")).isRegularFile();
    assertThat(passwdHome().resolve(".syncro")).doesNotExist();
    Run stopped = spl(Map.of(), "daemon", "stop");
    assertThat(stopped.exitCode()).as(stopped.toString()).isZero();

    Run tilde = spl(Map.of("SPL_HOME", "~/fleet"), "fleet", "stop", "--all");
    assertThat(tilde.exitCode()).as(tilde.toString()).isZero();
    assertThat(tilde.out()).contains("no fleet daemon is running at " + home().resolve("fleet"));

    // Without HOME, Java's user.home is the fallback.
    Run noHome = spl(Map.of("HOME", ""), "fleet", "stop", "--all");
    assertThat(noHome.out())
        .as(noHome.toString())
        .contains("no fleet daemon is running at " + passwdHome().resolve(".syncro"));
  }
}
