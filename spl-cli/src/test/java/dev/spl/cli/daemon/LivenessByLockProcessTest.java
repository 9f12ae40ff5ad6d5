package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Ports;
import dev.spl.cli.client.HomeLayout;
import dev.spl.core.home.HomeLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home is in use if and only if its lock is held: stale pid files (a dead process, or a live JVM
 * that has nothing to do with spl) change nothing, and a daemon that holds the lock counts as
 * running even while it does not answer.
 */
class LivenessByLockProcessTest {
  @TempDir Path base;
  private Path home;
  private Map<String, String> env;
  private final List<Process> strangers = new ArrayList<>();

  @BeforeEach
  void environment() {
    home = base.resolve("home");
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopEverything() throws IOException, InterruptedException {
    DaemonProcesses.stop(home, Duration.ofSeconds(10), true);
    for (Process stranger : strangers) {
      stranger.destroyForcibly();
      stranger.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A live JVM that is not a spl daemon (it waits forever): what a reused pid looks like. */
  private Process strangerJvm() throws IOException {
    Path source = base.resolve("Stranger.java");
    Files.writeString(
        source,
        "public class Stranger { public static void main(String[] a) throws Exception {"
            + " System.out.println(\"up\"); new java.util.concurrent.CountDownLatch(1).await(); } }");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process process =
        new ProcessBuilder(java, "-Xmx32m", source.toString()).redirectErrorStream(true).start();
    strangers.add(process);
    // Compiled and running once it prints.
    assertThat(new String(process.getInputStream().readNBytes(3))).isEqualTo("up\n");
    return process;
  }

  private void staleFiles(long pid) throws IOException {
    Files.createDirectories(home);
    Files.writeString(new HomeLayout(home).pidFile(), pid + "\n");
    Files.writeString(home.resolve(HomeLock.FILE_NAME), pid + "\n");
  }

  private CliRun spl(String... args) {
    return CliRun.run(env, args);
  }

  @Test
  void aPidFileNamingALiveStrangerJvmNeitherBlocksAStartNorGetsItStopped() throws IOException {
    Process stranger = strangerJvm();
    staleFiles(stranger.pid());

    CliRun status = spl("daemon", "status");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(status.err()).contains("is free");

    CliRun stop = spl("daemon", "stop");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out()).contains("nothing to stop");
    assertThat(stranger.isAlive()).as("the stranger must not get a SIGTERM").isTrue();

    CliRun start = spl("-o", "json", "daemon", "start", "--port", "0");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    long daemonPid = start.json().path("pid").asLong();
    assertThat(daemonPid).isNotEqualTo(stranger.pid());
    assertThat(DaemonProcesses.livePid(home)).hasValue(daemonPid);

    CliRun stopDaemon = spl("daemon", "stop");
    assertThat(stopDaemon.exitCode()).as(stopDaemon.toString()).isZero();
    assertThat(stopDaemon.out()).contains("pid " + daemonPid);
    assertThat(stranger.isAlive()).isTrue();
  }

  @Test
  void aPidFileOfADeadProcessIsStale() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
    staleFiles(gone.pid());
    assertThat(DaemonProcesses.inUse(home)).isFalse();

    CliRun start = spl("daemon", "start", "--port", "0");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    assertThat(DaemonProcesses.inUse(home)).isTrue();
  }

  /**
   * A process that holds the home's lock as a daemon does, and writes its pid into it, but serves
   * nothing: a daemon that does not answer (yet).
   */
  private Process lockHolder() throws IOException {
    Files.createDirectories(home);
    Path source = base.resolve("Holder.java");
    Files.writeString(
        source,
        "import java.nio.*; import java.nio.channels.*; import java.nio.file.*;"
            + " public class Holder { public static void main(String[] a) throws Exception {"
            + " FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,"
            + " StandardOpenOption.READ, StandardOpenOption.WRITE);"
            + " FileLock l = c.lock(); c.truncate(0);"
            + " c.write(ByteBuffer.wrap((ProcessHandle.current().pid() + \"\\n\").getBytes()));"
            + " System.out.println(\"up\"); new java.util.concurrent.CountDownLatch(1).await(); } }");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process process =
        new ProcessBuilder(
                java, "-Xmx32m", source.toString(), home.resolve(HomeLock.FILE_NAME).toString())
            .redirectErrorStream(true)
            .start();
    strangers.add(process);
    assertThat(new String(process.getInputStream().readNBytes(3))).isEqualTo("up\n");
    // Where it said it listens; nothing answers there.
    Files.writeString(
        new HomeLayout(home).endpointFile(), "http://127.0.0.1:" + Ports.closedPort() + "\n");
    return process;
  }

  @Test
  void aProcessThatHoldsTheLockButDoesNotAnswerIsRunningAndNotStartedTwice() throws Exception {
    Process holder = lockHolder();
    assertThat(DaemonProcesses.inUse(home)).isTrue();
    assertThat(DaemonProcesses.livePid(home)).hasValue(holder.pid());

    CliRun start = spl("daemon", "start", "--port", "0", "--wait", "1");
    assertThat(start.exitCode()).as(start.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(start.err()).contains("pid " + holder.pid()).contains("is held");
    assertThat(holder.isAlive()).isTrue();

    CliRun status = spl("daemon", "status");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(status.err()).contains("pid " + holder.pid() + " holds the lock of " + home);

    CliRun stop = spl("daemon", "stop");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out()).contains("pid " + holder.pid()).contains("stopped");
    assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(DaemonProcesses.inUse(home)).isFalse();
  }

  @Test
  void aStoppedHomeIsNotAnsweredForByAnotherDaemonAtItsOldUrl() throws IOException {
    CliRun start = spl("daemon", "start", "--port", "0");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    CliRun stop = spl("daemon", "stop");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();

    // Another daemon, and the stopped home's endpoint file pointing at it.
    Path other = base.resolve("other");
    Map<String, String> otherEnv = CliRun.cleanEnv();
    otherEnv.put("SPL_HOME", other.toString());
    CliRun otherStart = CliRun.run(otherEnv, "-o", "json", "daemon", "start", "--port", "0");
    assertThat(otherStart.exitCode()).as(otherStart.toString()).isZero();
    try {
      Files.writeString(
          new HomeLayout(home).endpointFile(), otherStart.json().path("url").asText() + "\n");

      CliRun list = spl("records", "list");
      assertThat(list.exitCode()).as(list.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(list.err()).contains("no spl daemon is running for the home " + home);
      CliRun fleet = spl("fleet", "list");
      assertThat(fleet.exitCode()).as(fleet.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    } finally {
      DaemonProcesses.stop(other, Duration.ofSeconds(10), true);
    }
  }
}
