package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon's start does not create the platform MBean server (JMX), which costs tens of
 * milliseconds. Checked in a JVM of its own: in the test JVM another test may have created it.
 */
class StartWithoutJmxTest {
  @TempDir Path home;

  /** Starts a daemon, then prints how many MBean servers exist; then makes the platform one. */
  public static void main(String[] args) {
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(Path.of(args[0])).port(0).build())) {
      System.out.println("after start: " + MBeanServerFactory.findMBeanServer(null).size());
    }
    ManagementFactory.getPlatformMBeanServer();
    System.out.println("after asking for it: " + MBeanServerFactory.findMBeanServer(null).size());
  }

  @Test
  void aDaemonStartsWithoutThePlatformMBeanServer() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process probe =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                    "-cp",
                    System.getProperty("java.class.path"),
                    StartWithoutJmxTest.class.getName(),
                    home.toString()))
            .redirectErrorStream(true)
            .start();
    try {
      String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
      assertThat(probe.exitValue()).as(output).isZero();
      // The second line shows the count sees the platform server once it exists.
      assertThat(output).contains("after start: 0").contains("after asking for it: 1");
    } finally {
      probe.destroyForcibly();
    }
  }
}
