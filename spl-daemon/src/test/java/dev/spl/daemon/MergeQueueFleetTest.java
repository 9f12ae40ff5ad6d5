package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.MergeQueue;
import dev.spl.core.fanout.MergeStep;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge queue at the join, in a real fleet of worktree workers in one JVM, on a real git
 * repository: the coordinator integrates the accepted children's branches onto the integration
 * branch, a conflict or a failing check becomes the child's verdict, and the join decides again.
 */
class MergeQueueFleetTest {
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

  /** A coordinator and two worktree workers. */
  private Daemon fleet() {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    for (String alias : List.of("worker-a", "worker-b")) {
      start(FleetTestSupport.worktreeWorkerConfig(dir.resolve(alias), alias, coordinator, repoDir));
    }
    FleetTestSupport.awaitLiveWorkers(coordinator, 2);
    return coordinator;
  }

  /** A fan-out into worktrees with a merge queue, as {@code spl task fan-out --merge} writes it. */
  private FleetTestSupport.FanoutHandle fanOut(
      Daemon coordinator,
      String alias,
      String join,
      MergeQueue.Mode mode,
      String check,
      List<String> commands) {
    return FleetTestSupport.worktreeFanOut(
        coordinator,
        join,
        new Worktrees.Spec(
            base, alias, false, false, new MergeQueue.Spec(mode, check, repoDir.toString()), null),
        commands.stream().map(FleetTestSupport::runs).toList());
  }

  private static JoinComplete awaitJoin(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    List<StoredRecord> joins = onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE);
    assertThat(joins).hasSize(1);
    return JoinComplete.fromBody(joins.get(0).record().body());
  }

  private static List<MergeStep> steps(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    return onParentThread(coordinator, fanout, FanoutRecords.MERGE_STEP).stream()
        .map(stored -> MergeStep.fromBody(stored.record().body()))
        .toList();
  }

  private int commitsAfterBase(String branch) throws Git.GitException {
    return Integer.parseInt(repo.check("rev-list", "--count", base + ".." + branch));
  }

  @Test
  void childrenEditingDifferentFilesAreAllIntegratedAfterTheCheckPasses() throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "EDIT-1",
            "all",
            MergeQueue.Mode.REBASE,
            "test -f a.txt && echo checked >> ../checks.log",
            List.of("echo a0 >> a.txt", "echo b1 >> b.txt", "echo c2 >> c.txt"));

    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    String integration = "spl/EDIT-1/integration";
    assertThat(join.merge().get("branch").asText()).isEqualTo(integration);
    assertThat(join.merge().get("head").asText()).isEqualTo(repo.check("rev-parse", integration));
    assertThat(join.merge().get("integrated").asInt()).isEqualTo(3);
    assertThat(join.merge().get("children"))
        .extracting(child -> child.get("outcome").asText())
        .containsExactly("integrated", "integrated", "integrated");
    assertThat(GitRepos.show(repo, integration, "a.txt")).isEqualTo("a\na0\n");
    assertThat(GitRepos.show(repo, integration, "b.txt")).isEqualTo("b\nb1\n");
    assertThat(GitRepos.show(repo, integration, "c.txt")).isEqualTo("c\nc2\n");
    // Rebased: one commit per child, in index order, on top of the base.
    assertThat(commitsAfterBase(integration)).isEqualTo(3);
    assertThat(steps(coordinator, fanout)).extracting(MergeStep::index).containsExactly(0, 1, 2);
    assertThat(repo.check("rev-parse", "main")).isEqualTo(base);
    assertThat(repo.check("worktree", "list").lines()).hasSize(1);
  }

  private static final List<String> ONE_CONFLICT =
      List.of("printf 'A0\\n' > a.txt", "printf 'A1\\n' > a.txt", "echo c2 >> c.txt");

  @Test
  void aRealConflictFailsJoinAll() throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(coordinator, "CONF-1", "all", MergeQueue.Mode.MERGE, null, ONE_CONFLICT);

    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.REJECT);
    assertThat(FleetTestSupport.children(coordinator, fanout).get(1).path("verdict").asText())
        .isEqualTo("conflict");
    JsonNode conflict = join.merge().get("children").get(1);
    assertThat(conflict.get("outcome").asText()).isEqualTo("conflict");
    assertThat(conflict.get("paths")).extracting(JsonNode::asText).containsExactly("a.txt");
    // The join failed at the conflict: child 2 was not integrated.
    assertThat(join.merge().get("children")).hasSize(2);
    assertThat(GitRepos.show(repo, "spl/CONF-1/integration", "a.txt")).isEqualTo("A0\n");
    assertThat(GitRepos.show(repo, "spl/CONF-1/integration", "c.txt")).isEqualTo("c\n");
  }

  @Test
  void kOfNStillHoldsAfterAConflictAndTheOthersAreIntegrated() throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(coordinator, "CONF-2", "k_of_n:2", MergeQueue.Mode.SQUASH, null, ONE_CONFLICT);

    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.PARTIAL);
    assertThat(join.merge().get("integrated").asInt()).isEqualTo(2);
    assertThat(join.merge().get("children"))
        .extracting(child -> child.get("outcome").asText())
        .containsExactly("integrated", "conflict", "integrated");
    String integration = "spl/CONF-2/integration";
    assertThat(GitRepos.show(repo, integration, "a.txt")).isEqualTo("A0\n");
    assertThat(GitRepos.show(repo, integration, "c.txt")).isEqualTo("c\nc2\n");
    assertThat(commitsAfterBase(integration)).isEqualTo(2);
  }

  @Test
  void aFailingCheckGivesCheckFailedWithTheEndOfItsOutputAndDoesNotAdvanceTheBranch()
      throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "CHECK-1",
            "k_of_n:2",
            MergeQueue.Mode.REBASE,
            "if grep -q bad b.txt; then echo 'test_b: b.txt is bad'; exit 1; fi",
            List.of("echo a0 >> a.txt", "echo bad >> b.txt", "echo c2 >> c.txt"));

    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.PARTIAL);
    JsonNode failed = join.merge().get("children").get(1);
    assertThat(failed.get("outcome").asText()).isEqualTo("check_failed");
    assertThat(failed.get("tail").asText()).isEqualTo("test_b: b.txt is bad");
    assertThat(FleetTestSupport.children(coordinator, fanout).get(1).path("verdict").asText())
        .isEqualTo("check_failed");
    assertThat(GitRepos.show(repo, "spl/CHECK-1/integration", "b.txt")).isEqualTo("b\n");
    assertThat(GitRepos.show(repo, "spl/CHECK-1/integration", "c.txt")).isEqualTo("c\nc2\n");
  }

  @Test
  void aCheckThatCannotStartIsTheStepsFailureWithTheShellsReason() throws Exception {
    Daemon coordinator = fleet();
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "CHECK-2",
            "all",
            MergeQueue.Mode.MERGE,
            "no-such-check-command --all",
            List.of("echo a0 >> a.txt"));

    JoinComplete join = awaitJoin(coordinator, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.REJECT);
    JsonNode failed = join.merge().get("children").get(0);
    assertThat(failed.get("outcome").asText()).isEqualTo("check_failed");
    assertThat(failed.get("tail").asText()).contains("no-such-check-command").contains("not found");
  }

  @Test
  void aRestartOfTheCoordinatorMidQueueResumesAndIntegratesNoBranchTwice() throws Exception {
    Daemon coordinator = fleet();
    Path checks = Files.createDirectories(dir.resolve("checks"));
    Path gate = dir.resolve("gate");
    // The second check (subtask 1's) waits for the gate, so the coordinator stops mid-queue.
    String check =
        "n=$(ls "
            + checks
            + " | wc -l); touch "
            + checks
            + "/$n; if [ $n -eq 1 ]; then while [ ! -f "
            + gate
            + " ]; do sleep 0.05; done; fi";
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "RESTART-1",
            "all",
            MergeQueue.Mode.REBASE,
            check,
            List.of("echo a0 >> a.txt", "echo b1 >> b.txt", "echo c2 >> c.txt"));
    // Three children, their commits and the first check come first: a long deadline on a busy
    // machine, not a timing check.
    Await.until(
        "subtask 0 integrated and subtask 1's check running",
        Duration.ofSeconds(90),
        () -> steps(coordinator, fanout).size() == 1 && Files.exists(checks.resolve("1")));
    String afterFirst = steps(coordinator, fanout).get(0).head();
    coordinator.close();
    daemons.remove(coordinator);

    // What a stop right after the branch moved and before its record was written leaves: subtask
    // 1 integrated on the branch, and no record of it.
    Path scratch = dir.resolve("scratch");
    repo.check("worktree", "add", "--detach", scratch.toString(), afterFirst);
    Git tree = new Git(scratch);
    tree.check(GitRepos.IDENTITY, "cherry-pick", "spl/RESTART-1/1-1");
    String byHand = tree.check("rev-parse", "HEAD");
    repo.check("update-ref", "refs/heads/spl/RESTART-1/integration", byHand, afterFirst);
    repo.check("worktree", "remove", "--force", scratch.toString());
    Files.writeString(gate, "open");

    Daemon restarted = start(coordinatorConfig(dir.resolve("coordinator")));
    JoinComplete join = awaitJoin(restarted, fanout);

    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    List<MergeStep> steps = steps(restarted, fanout);
    assertThat(steps).extracting(MergeStep::index).containsExactly(0, 1, 2);
    assertThat(steps.get(1).recovered()).isTrue();
    assertThat(steps.get(1).head()).isEqualTo(byHand);
    assertThat(steps.get(2).from()).isEqualTo(byHand);
    String integration = "spl/RESTART-1/integration";
    assertThat(commitsAfterBase(integration)).isEqualTo(3);
    assertThat(GitRepos.show(repo, integration, "b.txt")).isEqualTo("b\nb1\n");
    assertThat(GitRepos.show(repo, integration, "c.txt")).isEqualTo("c\nc2\n");
  }
}
