package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.awaitLiveWorkers;
import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.RetrySubtask;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worktree executor in a real fleet in one JVM, on a real git repository: each child works on a
 * branch of its own made from the fan-out's base, its changes are committed, and its result names
 * the branch, the head and the diff stat.
 */
class WorktreeFleetTest {
  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Path repoDir;
  private Git repo;
  private String base;

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  @BeforeEach
  void makeRepository() throws Exception {
    repoDir = dir.resolve("repo");
    repo =
        GitRepos.create(
            repoDir, Map.of("a.txt", "a\n", "b.txt", "b\n", "c.txt", "c\n", "README", "sample\n"));
    base = repo.check("rev-parse", "HEAD");
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private Daemon worktreeWorker(Daemon coordinator, String alias) {
    return start(
        FleetTestSupport.worktreeWorkerConfig(dir.resolve(alias), alias, coordinator, repoDir));
  }

  /**
   * A fan-out into worktrees of the fan-out's base, as {@code spl task fan-out --repo} writes it.
   */
  private FleetTestSupport.FanoutHandle fanOut(
      Daemon coordinator, String alias, String join, List<String> descriptors) {
    return FleetTestSupport.worktreeFanOut(
        coordinator, join, new Worktrees.Spec(base, alias, false, false), descriptors);
  }

  private static Optional<ChildDone> result(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int index, int attempt) {
    return onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
        .map(stored -> ChildDone.fromBody(stored.record().body()))
        .filter(done -> done.index() == index && done.attempt() == attempt)
        .findFirst();
  }

  private static ChildDone awaitResult(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int index, int attempt) {
    Await.until(
        "attempt " + attempt + " of subtask " + index + " reported",
        () -> result(coordinator, fanout, index, attempt).isPresent());
    return result(coordinator, fanout, index, attempt).orElseThrow();
  }

  @Test
  void parallelChildrenEachCommitTheirOwnFileOnTheirOwnBranch() throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    worktreeWorker(coordinator, "worker-a");
    worktreeWorker(coordinator, "worker-b");
    awaitLiveWorkers(coordinator, 2);

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "EDIT-1",
            "all",
            List.of(
                "{\"goal\":\"edit a\",\"run\":\"echo a0 >> a.txt\"}",
                "{\"goal\":\"edit b\",\"run\":\"echo b1 >> b.txt && git add b.txt && git -c"
                    + " user.name=child -c user.email=child@localhost commit -q -m 'child"
                    + " commit' && echo '{\\\"summary\\\":\\\"committed\\\",\\\"n\\\":1}'\"}",
                "{\"goal\":\"add d\",\"run\":\"printf 'new\\\\n' > d.txt && echo"
                    + " $SPL_BRANCH\"}"));

    List<ChildDone> results = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      results.add(awaitResult(coordinator, fanout, i, 1));
    }
    assertThat(results).extracting(ChildDone::verdict).containsOnly(Verdict.ACCEPT);
    String[] files = {"a.txt", "b.txt", "d.txt"};
    for (int i = 0; i < 3; i++) {
      JsonNode git = results.get(i).output().result().get("git");
      String branch = "spl/EDIT-1/" + i + "-1";
      assertThat(git.get("branch").asText()).isEqualTo(branch);
      assertThat(git.get("base").asText()).isEqualTo(base);
      assertThat(git.get("head").asText()).isEqualTo(repo.check("rev-parse", branch));
      assertThat(git.get("files")).extracting(JsonNode::asText).containsExactly(files[i]);
      assertThat(git.get("diff_stat").get("files").asInt()).isEqualTo(1);
      assertThat(git.get("diff_stat").get("insertions").asInt()).isEqualTo(1);
      assertThat(repo.check("rev-parse", branch + "~1")).isEqualTo(base);
      assertThat(repo.check("config", "branch." + branch + ".splthread"))
          .isEqualTo(fanout.thread());
    }
    assertThat(results.get(0).output().result().get("git").get("committed").asText())
        .isEqualTo("executor");
    assertThat(results.get(1).output().result().get("git").get("committed").asText())
        .isEqualTo("child");
    // The child's own result keeps its keys next to git.
    assertThat(results.get(1).output().result().get("n").asInt()).isEqualTo(1);
    assertThat(results.get(2).summary()).isEqualTo("spl/EDIT-1/2-1");
    assertThat(GitRepos.show(repo, "spl/EDIT-1/0-1", "a.txt")).isEqualTo("a\na0\n");
    assertThat(GitRepos.show(repo, "spl/EDIT-1/1-1", "b.txt")).isEqualTo("b\nb1\n");
    assertThat(GitRepos.show(repo, "spl/EDIT-1/2-1", "d.txt")).isEqualTo("new\n");
    assertThat(GitRepos.show(repo, "spl/EDIT-1/0-1", "b.txt")).isEqualTo("b\n");
    // The repository's own checkout is untouched, and no worktree is left.
    assertThat(repo.check("rev-parse", "HEAD")).isEqualTo(base);
    assertThat(repo.check("status", "--porcelain")).isEmpty();
    Await.until("the finished children's worktrees are removed", () -> repoWorktrees().size() == 1);
  }

  @Test
  void aRetriedChildStartsFromAFreshWorktreeOnTheBase() throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    worktreeWorker(coordinator, "worker-a");
    awaitLiveWorkers(coordinator, 1);
    // Each attempt leaves a file, and fails when it finds one: a retry must not.
    // Subtask 1 targets a worker that never comes, so the join stays open for the retry.
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "RETRY-1",
            "all",
            List.of(
                "{\"goal\":\"fix\",\"run\":\"test ! -e note.txt || exit 9; echo $SPL_ATTEMPT >"
                    + " note.txt\"}",
                "{\"goal\":\"wait\",\"target\":\"worker-elsewhere\"}"));
    ChildDone first = awaitResult(coordinator, fanout, 0, 1);
    assertThat(first.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(GitRepos.show(repo, "spl/RETRY-1/0-1", "note.txt")).isEqualTo("1\n");

    Record retry =
        new Record(
            fanout.thread(),
            FleetTestSupport.USER,
            Act.LEARN,
            new RetrySubtask("dev", fanout.id(), 0, 1, null, FanoutRecords.REASON_MANUAL, null)
                .toBody(),
            10,
            List.of());
    Http.Response response = FleetTestSupport.post(coordinator, retry);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    ChildDone second = awaitResult(coordinator, fanout, 0, 2);

    assertThat(second.verdict()).as(second.summary()).isEqualTo(Verdict.ACCEPT);
    assertThat(second.output().result().get("git").get("branch").asText())
        .isEqualTo("spl/RETRY-1/0-2");
    assertThat(GitRepos.show(repo, "spl/RETRY-1/0-2", "note.txt")).isEqualTo("2\n");
    assertThat(repo.check("rev-parse", "spl/RETRY-1/0-2~1")).isEqualTo(base);
  }

  @Test
  void aChildOfAFanoutWithoutABaseFailsAndSaysWhy() throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    worktreeWorker(coordinator, "worker-a");
    awaitLiveWorkers(coordinator, 1);
    FleetTestSupport.FanoutHandle fanout =
        FleetTestSupport.fanOut(
            coordinator, "dev", "all", List.of("{\"goal\":\"edit\",\"run\":\"echo x > a.txt\"}"));

    ChildDone done = awaitResult(coordinator, fanout, 0, 1);

    assertThat(done.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(done.summary()).contains("--repo");
    assertThat(repo.check("for-each-ref", "refs/heads/spl/")).isEmpty();
  }

  /** A shell worker, with {@code repo} as its repository or none (null). */
  private Daemon shellWorker(Daemon coordinator, String alias, Path repository) {
    FleetSettings.Builder fleet =
        FleetSettings.builder()
            .worker(alias, coordinator.url())
            .heartbeatInterval(FleetTestSupport.INTERVAL)
            .executor(FleetSettings.ExecutorKind.SHELL)
            .echoDelay(Duration.ZERO);
    if (repository != null) {
      fleet.repo(repository.toString());
    }
    return start(
        DaemonConfig.builder(dir.resolve(alias))
            .port(0)
            .durability(Durability.FAST)
            .fleet(fleet.build())
            .build());
  }

  @Test
  void onAShellWorkerOnlyTheSubtaskThatAsksForAWorktreeRunsInOne() throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    shellWorker(coordinator, "worker-a", repoDir);
    awaitLiveWorkers(coordinator, 1);

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "MIXED-1",
            "all",
            List.of(
                "{\"goal\":\"edit a\",\"run\":\"echo a0 >> a.txt && echo $SPL_BRANCH\","
                    + "\"workspace\":\"worktree\"}",
                "{\"goal\":\"plain\",\"run\":\"test ! -e a.txt && echo plain:$SPL_BRANCH\"}"));

    ChildDone inWorktree = awaitResult(coordinator, fanout, 0, 1);
    ChildDone plain = awaitResult(coordinator, fanout, 1, 1);

    assertThat(inWorktree.verdict()).as(inWorktree.summary()).isEqualTo(Verdict.ACCEPT);
    assertThat(inWorktree.summary()).isEqualTo("spl/MIXED-1/0-1");
    JsonNode git = inWorktree.output().result().get("git");
    assertThat(git.get("branch").asText()).isEqualTo("spl/MIXED-1/0-1");
    assertThat(git.get("base").asText()).isEqualTo(base);
    assertThat(GitRepos.show(repo, "spl/MIXED-1/0-1", "a.txt")).isEqualTo("a\na0\n");
    // The other child ran as a plain shell child: in its working folder, with no branch or git.
    assertThat(plain.verdict()).as(plain.summary()).isEqualTo(Verdict.ACCEPT);
    assertThat(plain.summary()).isEqualTo("plain:");
    assertThat(plain.output().result() == null || !plain.output().result().has("git")).isTrue();
    assertThat(repo.check("for-each-ref", "--format=%(refname:short)", "refs/heads/spl/"))
        .isEqualTo("spl/MIXED-1/0-1");
    Await.until("the child's worktree is removed", () -> repoWorktrees().size() == 1);
  }

  @Test
  void aSubtaskThatAsksForAWorktreeOnAShellWorkerWithoutARepositoryFailsAndSaysWhy()
      throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    shellWorker(coordinator, "worker-a", null);
    awaitLiveWorkers(coordinator, 1);

    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "MIXED-2",
            "all",
            List.of(
                "{\"goal\":\"edit a\",\"run\":\"echo a0 >> a.txt\","
                    + "\"workspace\":\"worktree\"}"));

    ChildDone done = awaitResult(coordinator, fanout, 0, 1);

    assertThat(done.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(done.summary())
        .isEqualTo(
            "workspace=worktree: this worker has no git repository to make the worktree in;"
                + " start it with --repo PATH (the fan-out's repository, or a clone of it)");
    assertThat(repo.check("for-each-ref", "refs/heads/spl/")).isEmpty();
  }

  private List<String> repoWorktrees() {
    try {
      return repo.check("worktree", "list", "--porcelain")
          .lines()
          .filter(line -> line.startsWith("worktree "))
          .toList();
    } catch (Git.GitException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
