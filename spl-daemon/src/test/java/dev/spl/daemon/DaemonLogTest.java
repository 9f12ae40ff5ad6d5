package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

class DaemonLogTest {
  @TempDir Path dir;
  private final LoggerContext context = started(new LoggerContext());

  /** A context of the test's own, set up as logback sets up the one of the process. */
  private static LoggerContext started(LoggerContext context) {
    context.setMDCAdapter(new LogbackMDCAdapter());
    context.start();
    return context;
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void theFileIsRotatedBySizeKeepingTheNewestRotatedFilesOwnerOnly() throws Exception {
    Path log = dir.resolve("daemon.log");
    DaemonLog.apply(context, new DaemonLog.Settings("info", log, 2048, 2));
    Logger logger = context.getLogger("dev.spl.daemon.Example");
    AtomicInteger written = new AtomicInteger();

    // The size is checked now and then, not at each line: write until three rotations happened.
    Await.until(
        "daemon.log was rotated into daemon.log.1 and daemon.log.2, and again",
        () -> {
          for (int i = 0; i < 50; i++) {
            logger.info("line {} {}", written.incrementAndGet(), "x".repeat(100));
          }
          return Files.exists(dir.resolve("daemon.log.2"))
              && firstLine(dir.resolve("daemon.log.2")) > 1;
        });

    assertThat(dir.resolve("daemon.log.3")).doesNotExist();
    // The newest lines are in daemon.log, older ones in .1, the oldest kept in .2.
    assertThat(firstLine(log)).isGreaterThan(firstLine(dir.resolve("daemon.log.1")));
    assertThat(firstLine(dir.resolve("daemon.log.1")))
        .isGreaterThan(firstLine(dir.resolve("daemon.log.2")));
    for (String name : new String[] {"daemon.log", "daemon.log.1", "daemon.log.2"}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
          .as(name)
          .isEqualTo("rw-------");
    }
  }

  @Test
  void theLevelDecidesWhatIsWrittenAndJettyStaysAtWarnBelowIt() throws Exception {
    Path log = dir.resolve("daemon.log");
    DaemonLog.apply(context, new DaemonLog.Settings("debug", log, 1 << 20, 1));

    context.getLogger("dev.spl.daemon.Example").debug("a debug line");
    context.getLogger("dev.spl.daemon.Example").trace("a trace line");
    context.getLogger("org.eclipse.jetty.server.Server").info("a jetty info line");
    context.getLogger("org.eclipse.jetty.server.Server").warn("a jetty warning");
    context.stop();

    assertThat(Files.readString(log))
        .contains("DEBUG Example - a debug line", "WARN  Server - a jetty warning")
        .doesNotContain("a trace line", "a jetty info line");
  }

  @Test
  void errorSilencesWarningsEverywhere() throws Exception {
    Path log = dir.resolve("daemon.log");
    DaemonLog.apply(context, new DaemonLog.Settings("ERROR", log, 1 << 20, 1));

    context.getLogger("dev.spl.daemon.Example").warn("a warning");
    context.getLogger("org.eclipse.jetty.server.Server").warn("a jetty warning");
    context.getLogger("dev.spl.daemon.Example").error("an error");
    context.stop();

    assertThat(Files.readString(log)).contains("an error").doesNotContain("warning");
  }

  @Test
  void badSettingsNameWhatIsWrong() {
    Path log = dir.resolve("daemon.log");
    assertThatThrownBy(() -> new DaemonLog.Settings("loud", null, 0, 0))
        .hasMessage("log level: expected error, warn, info, debug or trace but found 'loud'");
    assertThatThrownBy(() -> new DaemonLog.Settings("off", null, 0, 0))
        .hasMessageContaining("but found 'off'");
    assertThatThrownBy(() -> new DaemonLog.Settings("info", log, 0, 5))
        .hasMessage("log file size: expected a positive number of bytes but found 0");
    assertThatThrownBy(() -> new DaemonLog.Settings("info", log, 1024, 21))
        .hasMessage("rotated log files: expected 1..20 but found 21");
  }

  /** The number of the first {@code line N} in a file. */
  private static int firstLine(Path file) {
    try {
      String text = Files.readString(file);
      int at = text.indexOf(" - line ");
      if (at < 0) {
        return 0;
      }
      String rest = text.substring(at + 8);
      return Integer.parseInt(rest.substring(0, rest.indexOf(' ')));
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
