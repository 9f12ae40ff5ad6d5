package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spl.core.fanout.Verdict;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessGroupsTest {
  @TempDir Path dir;
  private ShellExecutor executor;

  @AfterEach
  void close() {
    if (executor != null) {
      executor.close();
    }
  }

  private ChildJob job(String run) {
    return new ChildJob(
        "th_" + "c".repeat(64),
        "a".repeat(64),
        1,
        "goal",
        null,
        null,
        run,
        "b".repeat(64),
        "th_" + "d".repeat(64),
        0,
        "docs",
        "[]",
        dir.resolve("child"),
        null);
  }

  private Path groupsFolder() {
    return dir.resolve("home").resolve(ProcessGroups.FOLDER);
  }

  private static int lineCount(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  private static long readPid(Path file) throws Exception {
    return Long.parseLong(Files.readString(file).strip());
  }

  @Test
  void aChildWhoseGateIsNeverOpenedRunsNothing() throws Exception {
    ProcessGroups groups = ProcessGroups.unrecorded();
    Path marker = dir.resolve("ran");
    Process process =
        new ProcessBuilder(groups.command("touch " + marker)).redirectErrorStream(true).start();
    // The worker died before the record was on disk: the gate's pipe closes unopened.
    process.getOutputStream().close();

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(97);
    assertThat(marker).doesNotExist();
  }

  @Test
  void eachChildRunsInAGroupOfItsOwnRecordedWhileItRunsAndForgottenWhenItEnds() throws Exception {
    ProcessGroups groups = ProcessGroups.in(dir.resolve("home"));
    assumeTrue(groups.newGroups(), "setsid is not installed");
    executor = new ShellExecutor(Clock.systemUTC(), null, groups);
    Path pgidFile = dir.resolve("pgid");
    Path release = dir.resolve("release");
    CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
    executor.start(
        job(
            "ps -o pgid= -p $$ > "
                + pgidFile
                + "; echo $$ >> "
                + pgidFile
                + "; while [ ! -f "
                + release
                + " ]; do sleep 0.05; done"),
        outcome::complete);

    Await.until("the child wrote its group", () -> lineCount(pgidFile) == 2);
    var lines = Files.readAllLines(pgidFile);
    assertThat(Long.parseLong(lines.get(0).strip()))
        .as("the child's shell leads its own group")
        .isEqualTo(Long.parseLong(lines.get(1).strip()));
    assertThat(Long.parseLong(lines.get(0).strip()))
        .isNotEqualTo(ProcessGroups.groupOf(Path.of("/proc/self/stat")));
    try (var records = Files.list(groupsFolder())) {
      assertThat(records.toList()).hasSize(1);
    }

    Files.createFile(release);
    assertThat(outcome.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.ACCEPT);
    try (var records = Files.list(groupsFolder())) {
      assertThat(records.toList()).isEmpty();
    }
  }

  @Test
  void aRestartStopsTheGroupsOfThePreviousLifeIncludingWhatTheirShellsLeftBehind()
      throws Exception {
    ProcessGroups previousLife = ProcessGroups.in(dir.resolve("home"));
    assumeTrue(previousLife.newGroups(), "setsid is not installed");
    executor = new ShellExecutor(Clock.systemUTC(), null, previousLife);
    Path orphanPid = dir.resolve("orphan");
    CompletableFuture<ChildOutcome> outcome = new CompletableFuture<>();
    // A grandchild that ignores SIGTERM, re-parented away from the shell: only its group finds it.
    executor.start(
        job(
            "(trap '' TERM; exec sleep 300) & echo $! > "
                + orphanPid
                + ".tmp; mv "
                + orphanPid
                + ".tmp "
                + orphanPid
                + "; exec sleep 300"),
        outcome::complete);
    Await.until("the child started its grandchild", () -> Files.exists(orphanPid));
    long grandchild = readPid(orphanPid);
    assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive)).contains(true);

    int stopped = ProcessGroups.in(dir.resolve("home")).stopLeftovers(Duration.ofMillis(300));

    assertThat(stopped).isEqualTo(1);
    Await.until(
        "the grandchild is gone",
        () -> !ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false));
    assertThat(outcome.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.REJECT);
    try (var records = Files.list(groupsFolder())) {
      assertThat(records.toList()).isEmpty();
    }
  }

  @Test
  void aRecordFromAnotherBootOrWrittenPartWayStopsNothing() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/sys/kernel/random/boot_id")), "no boot id");
    Files.createDirectories(groupsFolder());
    Process bystander = new ProcessBuilder("sleep", "60").start();
    Files.writeString(
        groupsFolder().resolve("old.json"),
        "{\"attempt\":\"x\",\"pid\":"
            + bystander.pid()
            + ",\"new_group\":false,\"boot_id\":\"another\"}");
    Files.writeString(groupsFolder().resolve("torn.json"), "{\"attempt\":\"y\",\"pi");

    int stopped = ProcessGroups.in(dir.resolve("home")).stopLeftovers(Duration.ofMillis(100));

    assertThat(stopped).isZero();
    assertThat(bystander.isAlive()).isTrue();
    bystander.destroyForcibly();
    try (var records = Files.list(groupsFolder())) {
      assertThat(records.toList()).isEmpty();
    }
  }
}
