package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.client.HomeLayout;
import dev.spl.core.git.Git;
import dev.spl.daemon.exec.WorktreeExecutor;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worktree worker (a real daemon process) killed with {@code kill -9} while a child runs in its
 * worktree: at its next start it removes the worktree that child left, half edited, and the child
 * runs again from the base.
 */
class WorktreeCrashProcessTest {
  private static final Map<String, String> IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "tester",
          "GIT_AUTHOR_EMAIL", "tester@localhost",
          "GIT_COMMITTER_NAME", "tester",
          "GIT_COMMITTER_EMAIL", "tester@localhost");

  @TempDir Path base;
  private DrillFleet fleet;
  private Path repoDir;
  private Git repo;

  @BeforeEach
  void fleetAndRepository() throws Exception {
    assumeThat(Git.installed()).as("git is installed").isTrue();
    repoDir = base.resolve("repo");
    Files.createDirectories(repoDir);
    repo = new Git(repoDir);
    repo.check("init", "-q", "-b", "main");
    Files.writeString(repoDir.resolve("a.txt"), "a\n");
    repo.check("add", "-A");
    repo.check(IDENTITY, "commit", "-q", "-m", "initial");
    fleet = new DrillFleet(base);
  }

  @AfterEach
  void stopEverything() {
    fleet.close();
  }

  private void startWorker() {
    fleet.startWorkers(1, "--executor", "worktree", "--repo", repoDir.toString());
  }

  private Path worktrees() {
    return fleet.home("worker-a").resolve(WorktreeExecutor.WORKTREES_FOLDER);
  }

  private int worktreesOnDisk() throws Exception {
    if (!Files.isDirectory(worktrees())) {
      return 0;
    }
    try (Stream<Path> entries = Files.list(worktrees())) {
      return (int) entries.count();
    }
  }

  @Test
  void aWorkerKilledMidChildRemovesItsWorktreeAtItsNextStartAndTheChildRunsAgain()
      throws Exception {
    // A long lease: the coordinator does not move the child while the worker is down.
    fleet.startCoordinator(0, "600");
    startWorker();
    Path ranOnce = base.resolve("ran-once");
    Path runs = base.resolve("runs");
    // The first run half-edits a.txt and hangs; a later one must start from a clean worktree.
    String run =
        "echo $SPL_ATTEMPT >> "
            + runs
            + "; if [ -f "
            + ranOnce
            + " ]; then grep -q half a.txt && exit 7; echo whole >> a.txt; else touch "
            + ranOnce
            + "; echo half >> a.txt; sleep 120; fi";
    fleet.ok("task", "add", "Crash mid child", "--alias", "CRASH-2", "--namespace", "dev");
    fleet.ok(
        "task",
        "fan-out",
        "CRASH-2",
        "--repo",
        repoDir.toString(),
        "--subtask",
        "goal=Edit a," + "run=" + run,
        "--join",
        "all");
    Await.until(
        "the child runs in its worktree",
        Duration.ofMillis(DrillFleet.WAIT_MILLIS),
        () -> Files.exists(ranOnce));
    assertThat(worktreesOnDisk()).isEqualTo(1);

    fleet.kill9("worker-a");
    // Still there: nothing removed it while the worker was down.
    assertThat(worktreesOnDisk()).isEqualTo(1);
    startWorker();

    CliRun watch = fleet.ok("task", "join-status", "CRASH-2", "--watch", "--timeout", "120");
    assertThat(watch.out()).containsPattern("Join complete:\\s+yes \\(accept\\)");
    JsonNode child = fleet.ok("-o", "json", "task", "results", "CRASH-2").json().get(0);
    String branch = child.path("result").path("git").path("branch").asText();
    assertThat(branch).startsWith("spl/CRASH-2/0-");
    assertThat(repo.check("show", branch + ":a.txt")).isEqualTo("a\nwhole");
    assertThat(DrillFleet.lines(runs)).hasSize(2);
    assertThat(Files.readString(new HomeLayout(fleet.home("worker-a")).logFile()))
        .contains("removed 1 worktree(s) left by the worker's previous run");
    assertThat(worktreesOnDisk()).isZero();
    assertThat(repo.check("worktree", "list").lines()).hasSize(1);
  }
}
