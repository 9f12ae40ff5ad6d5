package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.MergeQueue;
import dev.spl.core.fanout.RetrySubtask;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fan-out into worktrees across hosts whose repositories share a remote ({@code --remote}), with
 * real git: a bare repository in a temporary folder is the remote, each of two workers has its own
 * clone of it, and the coordinator integrates in a third. The children push their branches, the
 * merge queue fetches them and pushes the integration branch, and a retry with {@code --rebase}
 * starts on a worker from the integration branch it fetched.
 */
class RemoteWorktreeFleetTest {
  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Git shared;
  private Git coordinatorRepo;
  private Path coordinatorRepoDir;
  private String base;

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  @BeforeEach
  void makeRepositories() throws Exception {
    Path seedDir = dir.resolve("seed");
    Git seed = GitRepos.create(seedDir, Map.of("a.txt", "a\n", "b.txt", "b\n", "c.txt", "c\n"));
    base = seed.check("rev-parse", "HEAD");
    Path sharedDir = dir.resolve("shared.git");
    new Git(dir).check("clone", "-q", "--bare", seedDir.toString(), sharedDir.toString());
    shared = new Git(sharedDir);
    coordinatorRepoDir = clone("coordinator-repo");
    coordinatorRepo = new Git(coordinatorRepoDir);
  }

  private Path clone(String name) throws Exception {
    Path target = dir.resolve(name);
    new Git(dir).check("clone", "-q", dir.resolve("shared.git").toString(), target.toString());
    return target;
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  /** A coordinator and two worktree workers, each with a clone of the shared remote. */
  private Daemon fleet() throws Exception {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    for (String alias : List.of("worker-a", "worker-b")) {
      start(
          FleetTestSupport.worktreeWorkerConfig(
              dir.resolve(alias), alias, coordinator, clone(alias + "-repo")));
    }
    FleetTestSupport.awaitLiveWorkers(coordinator, 2);
    return coordinator;
  }

  /** A fan-out with a merge queue and a shared remote, as {@code spl task fan-out} writes it. */
  private FleetTestSupport.FanoutHandle fanOut(
      Daemon coordinator, String alias, String join, String remote, List<String> commands) {
    return FleetTestSupport.worktreeFanOut(
        coordinator,
        join,
        new Worktrees.Spec(
            base,
            alias,
            false,
            false,
            new MergeQueue.Spec(
                MergeQueue.Mode.REBASE, "test -f a.txt", coordinatorRepoDir.toString()),
            remote),
        commands.stream().map(FleetTestSupport::runs).toList());
  }

  private static List<JoinComplete> joins(Daemon coordinator, FleetTestSupport.FanoutHandle f) {
    return onParentThread(coordinator, f, FanoutRecords.JOIN_COMPLETE).stream()
        .map(stored -> JoinComplete.fromBody(stored.record().body()))
        .toList();
  }

  private static JoinComplete awaitJoins(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int count) {
    Await.until(count + " join record(s)", () -> joins(coordinator, fanout).size() == count);
    return joins(coordinator, fanout).get(count - 1);
  }

  private static List<ChildDone> results(Daemon coordinator, FleetTestSupport.FanoutHandle f) {
    List<ChildDone> results = new ArrayList<>();
    for (StoredRecord stored : onParentThread(coordinator, f, FanoutRecords.CHILD_DONE)) {
      results.add(ChildDone.fromBody(stored.record().body()));
    }
    return results;
  }

  @Test
  void childrenPushTheirBranchesTheQueueFetchesThemAndARebaseRetryStartsFromTheRemote()
      throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "REMOTE-1",
            "k_of_n:2",
            "origin",
            List.of("printf 'A0\\n' > a.txt", "printf 'A1\\n' > a.txt", "echo c2 >> c.txt"));

    JoinComplete first = awaitJoins(coordinator, fanout, 1);

    assertThat(first.verdict()).isEqualTo(JoinComplete.PARTIAL);
    assertThat(first.merge().get("children"))
        .extracting(child -> child.get("outcome").asText())
        .containsExactly("integrated", "conflict", "integrated");
    String integration = "spl/REMOTE-1/integration";
    String head = first.merge().get("head").asText();
    // The children ran in the workers' clones and pushed there; the coordinator's repository has
    // their branches only as fetched from the remote, and the integration branch went back to it.
    for (int i = 0; i < 3; i++) {
      String branch = "spl/REMOTE-1/" + i + "-1";
      assertThat(shared.run("rev-parse", "--verify", "refs/heads/" + branch).ok())
          .as(branch + " on the remote")
          .isTrue();
      assertThat(coordinatorRepo.run("rev-parse", "--verify", "refs/heads/" + branch).ok())
          .as(branch + " is no branch of the coordinator's repository")
          .isFalse();
    }
    assertThat(coordinatorRepo.check("rev-parse", "refs/remotes/origin/spl/REMOTE-1/0-1"))
        .isEqualTo(shared.check("rev-parse", "spl/REMOTE-1/0-1"));
    assertThat(shared.check("rev-parse", integration)).isEqualTo(head);
    assertThat(GitRepos.show(shared, integration, "a.txt")).isEqualTo("A0\n");
    List<String> workers =
        results(coordinator, fanout).stream().map(ChildDone::worker).distinct().toList();
    assertThat(workers).as("both workers ran children").hasSize(2);
    assertThat(
            results(coordinator, fanout).get(0).output().result().get("git").get("remote").asText())
        .isEqualTo("origin");

    Record retry =
        new Record(
            fanout.thread(),
            FleetTestSupport.USER,
            Act.LEARN,
            new RetrySubtask("dev", fanout.id(), 1, 1, null, FanoutRecords.REASON_MANUAL, head)
                .toBody(),
            10,
            List.of(fanout.id()));
    Http.Response response = FleetTestSupport.post(coordinator, retry);
    assertThat(response.status()).as(response.text()).isEqualTo(201);

    JoinComplete second = awaitJoins(coordinator, fanout, 2);

    assertThat(second.verdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(second.merge().get("integrated").asInt()).isEqualTo(3);
    ChildDone rerun =
        results(coordinator, fanout).stream()
            .filter(done -> done.index() == 1 && done.attempt() == 2)
            .findFirst()
            .orElseThrow();
    assertThat(rerun.verdict()).as(rerun.summary()).isEqualTo(Verdict.ACCEPT);
    JsonNode git = rerun.output().result().get("git");
    assertThat(git.get("base").asText()).isEqualTo(head);
    assertThat(git.get("branch").asText()).isEqualTo("spl/REMOTE-1/1-2");
    String finalHead = second.merge().get("head").asText();
    assertThat(shared.check("rev-parse", integration)).isEqualTo(finalHead);
    assertThat(GitRepos.show(shared, integration, "a.txt")).isEqualTo("A1\n");
    assertThat(GitRepos.show(shared, integration, "c.txt")).isEqualTo("c\nc2\n");
    assertThat(shared.check("rev-parse", finalHead + "~1")).isEqualTo(head);
  }

  @Test
  void aWorkerWhoseRepositoryLacksTheRemoteFailsTheChildAndSaysWhy() throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(coordinator, "REMOTE-2", "all", "elsewhere", List.of("echo a0 >> a.txt"));

    JoinComplete join = awaitJoins(coordinator, fanout, 1);

    assertThat(join.verdict()).isEqualTo(JoinComplete.REJECT);
    ChildDone done = results(coordinator, fanout).get(0);
    assertThat(done.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(done.summary())
        .contains("has no remote 'elsewhere', which the fan-out (--remote) shares its branches");
  }
}
