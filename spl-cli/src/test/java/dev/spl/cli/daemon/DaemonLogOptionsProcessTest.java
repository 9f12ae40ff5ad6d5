package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.HomeLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logging options of {@code spl daemon start|run}, with a real background daemon. */
class DaemonLogOptionsProcessTest {
  @TempDir Path home;
  private Map<String, String> env;

  @BeforeEach
  void environment() {
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopWhateverStarted() {
    DaemonProcesses.stop(home, Duration.ofSeconds(10), true);
  }

  @Test
  void aBackgroundDaemonWritesItsOwnRotatedLogAtTheLevelGiven() throws IOException {
    Path log = new HomeLayout(home).logFile();
    CliRun start =
        CliRun.run(
            env,
            "daemon",
            "start",
            "--port",
            "0",
            "--log-level",
            "warn",
            "--log-max-size",
            "64KB",
            "--log-keep",
            "3");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    long pid = Long.parseLong(Files.readString(new HomeLayout(home).pidFile()).trim());
    assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' '))
        .contains(
            "daemon run --port 0 --log-level warn --log-max-size 65536 --log-keep 3 --log-file "
                + log);
    stop();
    // Its start line (printed) is there; "spl daemon stopped" (INFO) is not at WARN.
    assertThat(Files.readString(log)).contains("listening on").doesNotContain("daemon stopped");

    CliRun again = CliRun.run(env, "daemon", "start", "--port", "0");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    stop();
    assertThat(Files.readString(log))
        .containsPattern("\\d{2}:\\d{2}\\.\\d{3}.* INFO  Daemon - spl daemon stopped");
  }

  @Test
  void sizeAndKeepNeedALogFileAndSayWhatIsWrong() {
    CliRun keep = CliRun.run(env, "daemon", "run", "--port", "0", "--log-keep", "3");
    assertThat(keep.exitCode()).as(keep.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(keep.err())
        .contains("--log-keep: applies to a log file, but this daemon logs to standard error")
        .contains("--log-file FILE");

    CliRun size = CliRun.run(env, "daemon", "start", "--log-max-size", "10XB");
    assertThat(size.exitCode()).as(size.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(size.err())
        .contains("expected a size like 1048576, 512KB, 10MB or 1GB but found '10XB'");

    CliRun tooMany = CliRun.run(env, "daemon", "start", "--log-keep", "21");
    assertThat(tooMany.exitCode()).as(tooMany.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(tooMany.err()).contains("--log-keep: expected 1..20 but found 21");

    CliRun level = CliRun.run(env, "daemon", "start", "--log-level", "loud");
    assertThat(level.exitCode()).as(level.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(level.err()).contains("--log-level");
    assertThat(DaemonProcesses.livePid(home)).isEmpty();
  }

  private void stop() {
    CliRun stop = CliRun.run(env, "daemon", "stop");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
  }
}
