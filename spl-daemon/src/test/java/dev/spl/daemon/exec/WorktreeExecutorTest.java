package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import dev.spl.daemon.GitRepos;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worktree executor on a real repository: a worker that stopped mid-attempt leaves a worktree,
 * and its next life removes it and runs the attempt again in a fresh one.
 */
class WorktreeExecutorTest {
  private static final String THREAD = "th_" + "ab".repeat(32);
  private static final String PARENT = "th_" + "cd".repeat(32);

  @TempDir Path dir;
  private Git repo;
  private String base;
  private Path home;
  private WorktreeExecutor first;
  private WorktreeExecutor second;

  @BeforeEach
  void makeRepository() throws Exception {
    repo = GitRepos.create(dir.resolve("repo"), Map.of("a.txt", "a\n"));
    base = repo.check("rev-parse", "HEAD");
    home = dir.resolve("worker");
  }

  @AfterEach
  void close() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  private WorktreeExecutor executor() {
    Clock clock = Clock.systemUTC();
    return new WorktreeExecutor(clock, repo.dir(), home, new ShellExecutor(clock));
  }

  private ChildJob job(String run) {
    return new ChildJob(
        THREAD,
        "ef".repeat(32),
        1,
        "edit a",
        null,
        null,
        run,
        "01".repeat(32),
        PARENT,
        0,
        "dev",
        "[]",
        home.resolve("work").resolve("abababababababab-0"),
        null,
        ChildJob.Shard.listed("01".repeat(32), 0),
        null,
        new Worktrees.Spec(base, "CRASH-1", false, false).child(0, 1),
        null,
        null);
  }

  private List<String> worktrees() throws Git.GitException {
    return repo.check("worktree", "list", "--porcelain")
        .lines()
        .filter(line -> line.startsWith("worktree "))
        .toList();
  }

  @Test
  void theNextLifeOfAWorkerRemovesTheWorktreeItsLastLifeLeftAndRunsTheAttemptAfresh()
      throws Exception {
    Path worktree = home.resolve(WorktreeExecutor.WORKTREES_FOLDER).resolve("abababababababab-0");
    first = executor();
    // The first life stops mid-attempt: its command has half-edited a file and is still running.
    first.start(job("echo half >> a.txt; touch started.flag; sleep 60"), outcome -> {});
    Await.until("the first attempt runs", () -> Files.exists(worktree.resolve("started.flag")));
    assertThat(worktrees()).hasSize(2);

    second = executor();
    int removed = second.removeLeftovers();

    assertThat(removed).isEqualTo(1);
    assertThat(Files.exists(worktree)).isFalse();
    assertThat(worktrees()).hasSize(1);

    CompletableFuture<ChildOutcome> rerun = new CompletableFuture<>();
    second.start(
        job("grep -q half a.txt && exit 7; test ! -e started.flag || exit 8; echo whole >> a.txt"),
        rerun::complete);
    ChildOutcome outcome = rerun.get(30, TimeUnit.SECONDS);

    assertThat(outcome.verdict()).as(outcome.summary()).isEqualTo(Verdict.ACCEPT);
    assertThat(outcome.output().result().get("git").get("branch").asText())
        .isEqualTo("spl/CRASH-1/0-1");
    assertThat(GitRepos.show(repo, "spl/CRASH-1/0-1", "a.txt")).isEqualTo("a\nwhole\n");
    assertThat(repo.check("rev-parse", "spl/CRASH-1/0-1~1")).isEqualTo(base);
    assertThat(worktrees()).hasSize(1);
  }

  @Test
  void aCommandThatChangesNothingLeavesTheBranchOnTheBase() throws Exception {
    second = executor();
    CompletableFuture<ChildOutcome> done = new CompletableFuture<>();
    second.start(job("echo nothing to do"), done::complete);
    ChildOutcome outcome = done.get(30, TimeUnit.SECONDS);

    assertThat(outcome.verdict()).isEqualTo(Verdict.ACCEPT);
    var git = outcome.output().result().get("git");
    assertThat(git.get("head").asText()).isEqualTo(base);
    assertThat(git.get("committed").asText()).isEqualTo("child");
    assertThat(git.get("diff_stat").get("files").asInt()).isZero();
    assertThat(git.get("files")).isEmpty();
  }
}
