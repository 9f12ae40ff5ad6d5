package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.git.Git;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spl task fan-out --repo} through the CLI against a coordinator and a worktree worker in
 * this JVM, on a real git repository in a temporary folder.
 */
class WorktreeFanOutTest {
  private static final Map<String, String> IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "tester",
          "GIT_AUTHOR_EMAIL", "tester@localhost",
          "GIT_COMMITTER_NAME", "tester",
          "GIT_COMMITTER_EMAIL", "tester@localhost");

  @TempDir Path dir;
  private InProcessFleet fleet;
  private Map<String, String> env;
  private Path repoDir;
  private Git repo;
  private String base;

  @BeforeEach
  void startFleet() throws Exception {
    assumeThat(Git.installed()).as("git is installed").isTrue();
    repoDir = dir.resolve("repo");
    Files.createDirectories(repoDir);
    repo = new Git(repoDir);
    repo.check("init", "-q", "-b", "main");
    Files.writeString(repoDir.resolve("a.txt"), "a\n");
    Files.writeString(repoDir.resolve("b.txt"), "b\n");
    repo.check("add", "-A");
    repo.check(IDENTITY, "commit", "-q", "-m", "initial");
    base = repo.check("rev-parse", "HEAD");
    fleet = new InProcessFleet(dir, null);
    fleet.startCoordinator();
    fleet.startWorktreeWorker("worker-a", repoDir);
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", fleet.coordinatorHome().toString());
    fleet.awaitLiveWorkers(1);
  }

  @AfterEach
  void stopFleet() {
    fleet.close();
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }

  private void assertBadInput(String expected, String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains(expected);
  }

  @Test
  void childrenWorkOnBranchesOfTheRepositoryAndTheResultsNameThem() throws Exception {
    ok("task", "add", "Edit files", "--alias", "WT-1", "--namespace", "dev");
    CliRun fanOut =
        ok(
            "task",
            "fan-out",
            "WT-1",
            "--repo",
            repoDir.toString(),
            "--subtask",
            "goal=Edit a,run=echo more >> a.txt",
            "--subtask",
            "goal=Edit b,run=echo more >> b.txt",
            "--join",
            "all");
    assertThat(fanOut.out())
        .contains("  worktree: base " + base + ", branches spl/WT-1/INDEX-ATTEMPT");

    ok("task", "join-status", "WT-1", "--watch", "--timeout", "60");
    JsonNode results = ok("-o", "json", "task", "results", "WT-1").json();

    JsonNode first = results.get(0).path("result").path("git");
    assertThat(first.path("branch").asText()).as(results.toString()).isEqualTo("spl/WT-1/0-1");
    assertThat(first.path("head").asText()).isEqualTo(repo.check("rev-parse", "spl/WT-1/0-1"));
    assertThat(repo.check("show", "spl/WT-1/1-1:b.txt")).isEqualTo("b\nmore");
    assertThat(repo.check("rev-parse", "HEAD")).isEqualTo(base);
  }

  @Test
  void theMergeQueueIntegratesTheAcceptedBranchesAndReportsTheConflict() throws Exception {
    ok("task", "add", "Edit files", "--alias", "MQ-1", "--namespace", "dev");
    CliRun fanOut =
        ok(
            "task",
            "fan-out",
            "MQ-1",
            "--repo",
            repoDir.toString(),
            "--merge",
            "rebase",
            "--merge-check",
            "test -f a.txt",
            "--subtask",
            "goal=First a,run=printf 'A0\\n' > a.txt",
            "--subtask",
            "goal=Second a,run=printf 'A1\\n' > a.txt",
            "--subtask",
            "goal=Edit b,run=echo more >> b.txt",
            "--join",
            "k_of_n:2");
    assertThat(fanOut.out())
        .contains("  merge:    rebase onto spl/MQ-1/integration, check 'test -f a.txt'");

    CliRun.run(env, "task", "join-status", "MQ-1", "--watch", "--timeout", "60");
    String head = repo.check("rev-parse", "spl/MQ-1/integration");
    CliRun status = ok("task", "join-status", "MQ-1");
    assertThat(status.out())
        .contains("Join complete:   yes (partial)")
        .contains(
            "Merge:           rebase onto spl/MQ-1/integration at " + head + " · integrated 2")
        .contains("[1] conflict: a.txt");
    JsonNode merge = ok("-o", "json", "task", "join-status", "MQ-1").json().path("merge");
    assertThat(merge.path("head").asText()).isEqualTo(head);
    assertThat(merge.path("children").get(1).path("paths").get(0).asText()).isEqualTo("a.txt");
    CliRun results = ok("task", "results", "MQ-1");
    assertThat(results.out()).contains("[1] conflict").contains("integrated 2");
    assertThat(repo.check("show", "spl/MQ-1/integration:a.txt")).isEqualTo("A0");
    assertThat(repo.check("show", "spl/MQ-1/integration:b.txt")).isEqualTo("b\nmore");
  }

  private int records(String task) {
    return ok("-o", "json", "task", "show", task).json().path("records").asInt();
  }

  @Test
  void aRetryWithRebaseNeedsAChildTheMergeQueueReportedAndWritesNothingWhenRefused()
      throws Exception {
    ok("task", "add", "Edit files", "--alias", "RB-1", "--namespace", "dev");
    ok(
        "task",
        "fan-out",
        "RB-1",
        "--repo",
        repoDir.toString(),
        "--subtask",
        "goal=Edit a,run=echo more >> a.txt",
        "--join",
        "all");
    ok("task", "join-status", "RB-1", "--watch", "--timeout", "60");
    int before = records("RB-1");
    assertBadInput(
        "--rebase: the fan-out has no merge queue (fan it out with --repo PATH --merge MODE)",
        "task",
        "retry",
        "RB-1",
        "--subtask",
        "0",
        "--rebase");
    assertThat(records("RB-1")).isEqualTo(before);

    ok("task", "add", "Edit files", "--alias", "RB-2", "--namespace", "dev");
    ok(
        "task",
        "fan-out",
        "RB-2",
        "--repo",
        repoDir.toString(),
        "--merge",
        "merge",
        "--subtask",
        "goal=First a,run=printf 'A0\\n' > a.txt",
        "--subtask",
        "goal=Second a,run=printf 'A1\\n' > a.txt",
        "--join",
        "k_of_n:1");
    CliRun.run(env, "task", "join-status", "RB-2", "--watch", "--timeout", "60");
    before = records("RB-2");
    assertBadInput(
        "cannot retry: subtask 0: --rebase: it is integrated already (attempt 1, at ",
        "task",
        "retry",
        "RB-2",
        "--subtask",
        "0",
        "--rebase");
    assertBadInput(
        "index 5 is out of range (2 subtasks: 0..1)",
        "task",
        "retry",
        "RB-2",
        "--subtask",
        "5",
        "--rebase");
    assertBadInput(
        "retry a child the merge queue reported with --rebase",
        "task",
        "retry",
        "RB-2",
        "--subtask",
        "1");
    assertThat(records("RB-2")).isEqualTo(before);
    CliRun retried = ok("-o", "json", "task", "retry", "RB-2", "--subtask", "1", "--rebase");
    assertThat(retried.json().path("rebase_onto").asText())
        .isEqualTo(repo.check("rev-parse", "spl/RB-2/integration"));
    ok("task", "join-status", "RB-2", "--watch", "--timeout", "60");
  }

  @Test
  void aRemoteMustBeOneOfTheRepositorysAndTheChildrenAndTheQueueShareBranchesThroughIt()
      throws Exception {
    ok("task", "add", "Edit files", "--alias", "RM-1", "--namespace", "dev");
    String subtask = "goal=Edit a,run=echo more >> a.txt";
    assertBadInput(
        "--remote: applies to a fan-out into worktrees, which needs --repo PATH",
        "task",
        "fan-out",
        "RM-1",
        "--remote",
        "origin",
        "--subtask",
        subtask,
        "--join=all");
    assertBadInput(
        "--remote: expected a remote of "
            + repoDir
            + " but it has no remote 'origin' (it has none)",
        "task",
        "fan-out",
        "RM-1",
        "--repo",
        repoDir.toString(),
        "--remote",
        "origin",
        "--subtask",
        subtask,
        "--join=all");
    assertBadInput(
        "--remote: expected a remote's name (1-100 letters, digits, '.', '_' or '-', starting with"
            + " a letter or digit) but found '--upload-pack=x'",
        "task",
        "fan-out",
        "RM-1",
        "--repo",
        repoDir.toString(),
        "--remote=--upload-pack=x",
        "--subtask",
        subtask,
        "--join=all");
    Path bare = dir.resolve("shared.git");
    repo.check("clone", "-q", "--bare", repoDir.toString(), bare.toString());
    repo.check("remote", "add", "shared", bare.toString());
    Git remote = new Git(bare);
    remote.check("branch", "spl/RM-1/integration", base);
    assertBadInput(
        "--remote: the integration branch spl/RM-1/integration already exists on remote 'shared'"
            + " (from an earlier fan-out); delete it (git push shared --delete"
            + " spl/RM-1/integration) or give the task another alias",
        "task",
        "fan-out",
        "RM-1",
        "--repo",
        repoDir.toString(),
        "--remote",
        "shared",
        "--merge",
        "rebase",
        "--subtask",
        subtask,
        "--join=all");
    remote.check("branch", "-D", "spl/RM-1/integration");

    CliRun fanOut =
        ok(
            "task",
            "fan-out",
            "RM-1",
            "--repo",
            repoDir.toString(),
            "--remote",
            "shared",
            "--merge",
            "rebase",
            "--subtask",
            subtask,
            "--join=all");
    assertThat(fanOut.out())
        .contains(
            "  remote:   shared (children push their branches there, the merge queue fetches"
                + " them)");
    ok("task", "join-status", "RM-1", "--watch", "--timeout", "60");
    assertThat(remote.check("show", "spl/RM-1/0-1:a.txt")).isEqualTo("a\nmore");
    assertThat(remote.check("rev-parse", "spl/RM-1/integration"))
        .isEqualTo(repo.check("rev-parse", "spl/RM-1/integration"));
  }

  @Test
  void aWorkspaceMustBeWorktreeAndNeedsTheFanOutsRepository() throws Exception {
    ok("task", "add", "Edit files", "--alias", "WS-1", "--namespace", "dev");
    int before = records("WS-1");
    assertBadInput(
        "subtask 0: workspace: expected worktree but found 'scratch'",
        "task",
        "fan-out",
        "WS-1",
        "--repo",
        repoDir.toString(),
        "--subtask",
        "goal=Edit a,run=echo more >> a.txt,workspace=scratch",
        "--join=all");
    assertBadInput(
        "subtask 1: workspace: workspace=worktree needs a repository, but the fan-out has none:"
            + " fan out with --repo PATH",
        "task",
        "fan-out",
        "WS-1",
        "--subtask",
        "goal=Plain,run=true",
        "--subtask",
        "goal=Edit a,run=echo more >> a.txt,workspace=worktree",
        "--join=all");
    assertBadInput(
        "--then 1: workspace: a stage after the join runs without a worktree; leave the key out",
        "task",
        "fan-out",
        "WS-1",
        "--repo",
        repoDir.toString(),
        "--subtask",
        "goal=Edit a,run=echo more >> a.txt",
        "--then",
        "goal=Sum up,run=true,workspace=worktree",
        "--join=all");
    assertThat(records("WS-1")).isEqualTo(before);
  }

  @Test
  void badMergeOptionsAreRefusedAndNothingIsWritten() throws Exception {
    ok("task", "add", "Edit files", "--alias", "MQ-2", "--namespace", "dev");
    String subtask = "goal=Edit a,run=echo more >> a.txt";
    String repoPath = repoDir.toString();
    assertBadInput(
        "--merge: expected rebase, merge or squash but found 'octopus'",
        "task",
        "fan-out",
        "MQ-2",
        "--repo",
        repoPath,
        "--merge",
        "octopus",
        "--subtask",
        subtask,
        "--join=all");
    assertBadInput(
        "--merge: applies to a fan-out into worktrees, which needs --repo PATH",
        "task",
        "fan-out",
        "MQ-2",
        "--merge",
        "rebase",
        "--subtask",
        subtask,
        "--join=all");
    assertBadInput(
        "--merge-check: applies to a merge queue, which needs --merge MODE",
        "task",
        "fan-out",
        "MQ-2",
        "--repo",
        repoPath,
        "--merge-check",
        "make test",
        "--subtask",
        subtask,
        "--join=all");
    repo.check("branch", "spl/MQ-2/integration", base);
    repo.check("config", "branch.spl/MQ-2/integration.splthread", "th_" + "0".repeat(64));
    assertBadInput(
        "branch spl/MQ-2/integration already exists in "
            + repoDir
            + ", made for another task (th_"
            + "0".repeat(64)
            + ")",
        "task",
        "fan-out",
        "MQ-2",
        "--repo",
        repoPath,
        "--merge",
        "merge",
        "--subtask",
        subtask,
        "--join=all");
    repo.check("config", "--unset", "branch.spl/MQ-2/integration.splthread");
    assertBadInput(
        "branch spl/MQ-2/integration already exists in " + repoDir + ", not made by a fan-out",
        "task",
        "fan-out",
        "MQ-2",
        "--repo",
        repoPath,
        "--merge",
        "merge",
        "--subtask",
        subtask,
        "--join=all");
    repo.check("branch", "-D", "spl/MQ-2/integration");

    // None of the refused fan-outs was written: a first one is still accepted.
    ok(
        "task",
        "fan-out",
        "MQ-2",
        "--repo",
        repoPath,
        "--merge",
        "squash",
        "--subtask",
        subtask,
        "--join=all");
  }

  @Test
  void badRepositoriesBasesAndBranchesAreRefusedAndNothingIsWritten() throws Exception {
    ok("task", "add", "Edit files", "--alias", "WT-2", "--namespace", "dev");
    String subtask = "goal=Edit a,run=echo more >> a.txt";
    String join = "--join=all";
    Path plain = Files.createDirectories(dir.resolve("plain"));

    // The temporary folder may be inside a checkout of a repository, or not.
    assertBadInput(
        "--repo: expected the top folder of a git repository but " + plain + " is ",
        "task",
        "fan-out",
        "WT-2",
        "--repo",
        plain.toString(),
        "--subtask",
        subtask,
        join);
    assertBadInput(
        "--base: expected a commit of " + repoDir + " but found no commit 'no-such-ref'",
        "task",
        "fan-out",
        "WT-2",
        "--repo",
        repoDir.toString(),
        "--base",
        "no-such-ref",
        "--subtask",
        subtask,
        join);
    assertBadInput(
        "--base: applies to a fan-out into worktrees, which needs --repo PATH",
        "task",
        "fan-out",
        "WT-2",
        "--base",
        "HEAD",
        "--subtask",
        subtask,
        join);

    Files.writeString(repoDir.resolve("a.txt"), "changed\n");
    assertBadInput(
        "--repo: "
            + repoDir
            + " has uncommitted changes (1 path, e.g. 'a.txt'); commit or stash"
            + " them, or pass --allow-dirty",
        "task",
        "fan-out",
        "WT-2",
        "--repo",
        repoDir.toString(),
        "--subtask",
        subtask,
        join);
    repo.check("checkout", "--", "a.txt");

    repo.check("branch", "spl/WT-2/0-1", base);
    repo.check("config", "branch.spl/WT-2/0-1.splthread", "th_" + "0".repeat(64));
    assertBadInput(
        "branch spl/WT-2/0-1 already exists in "
            + repoDir
            + ", made for another task (th_"
            + "0".repeat(64)
            + "); delete it (git branch -D spl/WT-2/0-1) or give the task another alias",
        "task",
        "fan-out",
        "WT-2",
        "--repo",
        repoDir.toString(),
        "--subtask",
        subtask,
        join);
    repo.check("branch", "-D", "spl/WT-2/0-1");

    // None of the refused fan-outs was written: a first one is still accepted.
    ok("task", "fan-out", "WT-2", "--repo", repoDir.toString(), "--subtask", subtask, join);
  }

  @Test
  void aWorktreeDaemonNeedsARepository() throws Exception {
    Path plain = Files.createDirectories(dir.resolve("plain"));
    Map<String, String> fresh = CliRun.cleanEnv();
    fresh.put("SPL_HOME", dir.resolve("fresh").toString());
    CliRun notARepo =
        CliRun.run(
            fresh,
            "daemon",
            "run",
            "--port",
            "0",
            "--executor",
            "worktree",
            "--repo",
            plain.toString());
    assertThat(notARepo.exitCode()).as(notARepo.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notARepo.err())
        .contains("--repo: expected the top folder of a git repository but " + plain + " is ");
    CliRun noRepo = CliRun.run(fresh, "daemon", "run", "--port", "0", "--executor", "worktree");
    assertThat(noRepo.exitCode()).as(noRepo.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noRepo.err()).contains("--repo: the worktree executor needs the git repository");
    assertThat(Files.exists(dir.resolve("fresh").resolve("settings.json"))).isFalse();
  }
}
