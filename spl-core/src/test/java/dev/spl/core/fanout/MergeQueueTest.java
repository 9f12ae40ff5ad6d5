package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MergeQueueTest {
  private static final String BASE = "b".repeat(40);
  private static final WorkerDirectory WORKERS = Driver.live(Driver.worker("a1", "a", 0));

  private static String commit(int n) {
    return String.format("%040x", n);
  }

  @Test
  void theNextChildIsTheLowestAcceptedOneWithoutAStepForItsAttempt() {
    List<MergeQueue.Candidate> accepted =
        List.of(
            new MergeQueue.Candidate(0, 1, "spl/A/0-1", commit(1)),
            new MergeQueue.Candidate(2, 2, "spl/A/2-2", commit(2)));

    assertThat(MergeQueue.next(accepted, Map.of()).index()).isZero();
    assertThat(MergeQueue.next(accepted, Map.of(0, 1)).index()).isEqualTo(2);
    // A step for an earlier attempt does not count for the retried one.
    assertThat(MergeQueue.next(accepted, Map.of(0, 1, 2, 1)).index()).isEqualTo(2);
    assertThat(MergeQueue.next(accepted, Map.of(0, 1, 2, 2))).isNull();
  }

  @Test
  void aStepResumesFromWhereTheIntegrationBranchStands() {
    assertThat(MergeQueue.resume(BASE, null, false)).isEqualTo(MergeQueue.Resume.CREATE);
    assertThat(MergeQueue.resume(BASE, BASE, true)).isEqualTo(MergeQueue.Resume.INTEGRATE);
    assertThat(MergeQueue.resume(BASE, commit(5), true))
        .isEqualTo(MergeQueue.Resume.ALREADY_INTEGRATED);
    assertThat(MergeQueue.resume(BASE, commit(5), false))
        .isEqualTo(MergeQueue.Resume.MOVED_BY_SOMEONE_ELSE);
  }

  @Test
  void aConflictComesBeforeTheCheckAndOnlyAPassingCheckIntegrates() {
    assertThat(MergeQueue.outcome(true, null)).isEqualTo(MergeQueue.Outcome.CONFLICT);
    assertThat(MergeQueue.outcome(false, 1)).isEqualTo(MergeQueue.Outcome.CHECK_FAILED);
    assertThat(MergeQueue.outcome(false, 0)).isEqualTo(MergeQueue.Outcome.INTEGRATED);
    assertThat(MergeQueue.outcome(false, null)).isEqualTo(MergeQueue.Outcome.INTEGRATED);
    assertThat(MergeQueue.Outcome.CONFLICT.verdict()).isEqualTo(Verdict.CONFLICT);
    assertThat(MergeQueue.Outcome.CHECK_FAILED.verdict()).isEqualTo(Verdict.CHECK_FAILED);
  }

  @Test
  void theTailKeepsTheLastLinesOfTheOutput() {
    StringBuilder output = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      output.append("line ").append(i).append('\n');
    }
    String tail = MergeQueue.tail(output.toString());
    assertThat(tail.split("\n")).hasSize(MergeQueue.TAIL_LINES);
    assertThat(tail).startsWith("line 11\n").endsWith("line 30");
    assertThat(MergeQueue.tail("x".repeat(5000))).hasSize(MergeQueue.TAIL_CHARS);
    assertThat(MergeQueue.tail("one line")).isEqualTo("one line");
  }

  @Test
  void aStepBodyReadsBackAndAMalformedOneNamesTheField() {
    MergeStep step =
        new MergeStep(
            "docs",
            "f".repeat(64),
            1,
            2,
            "spl/A/1-2",
            commit(3),
            MergeQueue.Outcome.CONFLICT,
            BASE,
            BASE,
            List.of("a.txt"),
            null,
            false,
            7);
    assertThat(MergeStep.fromBody(step.toBody())).isEqualTo(step);

    ObjectNode body = step.toBody();
    body.put("outcome", "merged");
    assertThatThrownBy(() -> MergeStep.fromBody(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("body.outcome");
    ObjectNode noHead = step.toBody();
    noHead.put("head", "main");
    assertThatThrownBy(() -> MergeStep.fromBody(noHead))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("head: expected a full commit id");
  }

  @Test
  void theParentKeepsTheMergeQueue() {
    Worktrees.Spec spec =
        new Worktrees.Spec(
            BASE,
            "CALC-1",
            false,
            false,
            new MergeQueue.Spec(MergeQueue.Mode.SQUASH, "make test", "/repo"),
            null);
    ObjectNode json = spec.toJson();
    assertThat(json.get("merge").get("mode").asText()).isEqualTo("squash");
    assertThat(spec.integrationBranch()).isEqualTo("spl/CALC-1/integration");
  }

  /** Three accepted children with branches; the queue of mode rebase and a check. */
  private static Driver threeAccepted(String join) {
    Driver driver = new Driver();
    driver.fanOutWorktree(
        Driver.goals("a", "b", "c"),
        join,
        new Worktrees.Spec(
            BASE,
            "CALC-1",
            false,
            false,
            new MergeQueue.Spec(MergeQueue.Mode.REBASE, "make test", "/repo"),
            null));
    driver.step(WORKERS);
    for (int i = 0; i < 3; i++) {
      driver.doneWithResult(i, 1, "accept", gitResult(i));
    }
    return driver;
  }

  private static JsonNode gitResult(int index) {
    ObjectNode result = Json.MAPPER.createObjectNode();
    result
        .putObject("git")
        .put("branch", "spl/CALC-1/" + index + "-1")
        .put("head", commit(100 + index))
        .put("base", BASE);
    return result;
  }

  private static MergeQueue.Job onlyJob(List<FanoutAction> actions) {
    List<FanoutAction.Merge> merges = Driver.only(actions, FanoutAction.Merge.class);
    assertThat(merges).hasSize(1);
    assertThat(Driver.only(actions, FanoutAction.CompleteJoin.class)).isEmpty();
    return merges.get(0).job();
  }

  private static void record(
      Driver driver, MergeQueue.Job job, MergeQueue.Outcome outcome, String head) {
    MergeStep step =
        new MergeStep(
            job.fanout().namespace(),
            job.fanout().id(),
            job.index(),
            job.attempt(),
            job.branch(),
            job.childHead(),
            outcome,
            job.from(),
            head,
            outcome == MergeQueue.Outcome.CONFLICT ? List.of("calc.py") : List.of(),
            outcome == MergeQueue.Outcome.CHECK_FAILED ? "FAILED test_calc" : null,
            false,
            driver.now);
    driver.append(Driver.COORDINATOR, Act.LEARN, step.toBody(), List.of());
  }

  @Test
  void theQueueIntegratesInIndexOrderFromTheBaseAndTheJoinWaitsForIt() {
    Driver driver = threeAccepted("all");

    MergeQueue.Job first = onlyJob(driver.step(WORKERS));
    assertThat(first.index()).isZero();
    assertThat(first.from()).isEqualTo(BASE);
    assertThat(first.branch()).isEqualTo("spl/CALC-1/0-1");
    assertThat(first.childHead()).isEqualTo(commit(100));
    assertThat(first.integrationBranch()).isEqualTo("spl/CALC-1/integration");
    // Deciding again without a step record decides the same step.
    assertThat(onlyJob(driver.step(WORKERS)).key()).isEqualTo(first.key());

    record(driver, first, MergeQueue.Outcome.INTEGRATED, commit(1));
    MergeQueue.Job second = onlyJob(driver.step(WORKERS));
    assertThat(second.index()).isEqualTo(1);
    assertThat(second.from()).isEqualTo(commit(1));
    record(driver, second, MergeQueue.Outcome.INTEGRATED, commit(2));
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.INTEGRATED, commit(3));

    List<FanoutAction.CompleteJoin> joins =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(joins).hasSize(1);
    assertThat(joins.get(0).verdict()).isEqualTo(JoinComplete.ACCEPT);
    ObjectNode merge = joins.get(0).merge();
    assertThat(merge.get("branch").asText()).isEqualTo("spl/CALC-1/integration");
    assertThat(merge.get("head").asText()).isEqualTo(commit(3));
    assertThat(merge.get("integrated").asInt()).isEqualTo(3);
    assertThat(driver.state().joinComplete()).isTrue();
  }

  @Test
  void aConflictFailsJoinAllAndTheRestIsNotIntegrated() {
    Driver driver = threeAccepted("all");
    MergeQueue.Job first = onlyJob(driver.step(WORKERS));
    record(driver, first, MergeQueue.Outcome.CONFLICT, BASE);

    assertThat(driver.state().verdict(0)).isEqualTo(Verdict.CONFLICT);
    List<FanoutAction.CompleteJoin> joins =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(joins).hasSize(1);
    assertThat(joins.get(0).verdict()).isEqualTo(JoinComplete.REJECT);
    JsonNode child = joins.get(0).merge().get("children").get(0);
    assertThat(child.get("outcome").asText()).isEqualTo("conflict");
    assertThat(child.get("paths").get(0).asText()).isEqualTo("calc.py");
    assertThat(joins.get(0).merge().get("head").asText()).isEqualTo(BASE);
    assertThat(driver.state().viewOf(0).verdict()).isEqualTo("conflict");
  }

  @Test
  void kOfNStillHoldsAfterAConflictAndTheQueueGoesOn() {
    Driver driver = threeAccepted("k_of_n:2");
    MergeQueue.Job first = onlyJob(driver.step(WORKERS));
    record(driver, first, MergeQueue.Outcome.INTEGRATED, commit(1));
    MergeQueue.Job second = onlyJob(driver.step(WORKERS));
    record(driver, second, MergeQueue.Outcome.CHECK_FAILED, commit(1));
    assertThat(driver.state().verdict(1)).isEqualTo(Verdict.CHECK_FAILED);

    MergeQueue.Job third = onlyJob(driver.step(WORKERS));
    assertThat(third.index()).isEqualTo(2);
    assertThat(third.from()).isEqualTo(commit(1));
    record(driver, third, MergeQueue.Outcome.INTEGRATED, commit(3));

    List<FanoutAction.CompleteJoin> joins =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(joins.get(0).verdict()).isEqualTo(JoinComplete.PARTIAL);
    ObjectNode merge = joins.get(0).merge();
    assertThat(merge.get("integrated").asInt()).isEqualTo(2);
    assertThat(merge.get("children").get(1).get("tail").asText()).isEqualTo("FAILED test_calc");
  }

  @Test
  void theQueueWaitsForChildrenStillRunningWhenTheJoinHolds() {
    Driver driver = new Driver();
    driver.fanOutWorktree(
        Driver.goals("a", "b", "c"),
        "k_of_n:2",
        new Worktrees.Spec(
            BASE,
            "CALC-1",
            false,
            false,
            new MergeQueue.Spec(MergeQueue.Mode.MERGE, null, "/repo"),
            null));
    driver.step(WORKERS);
    driver.doneWithResult(0, 1, "accept", gitResult(0));
    driver.doneWithResult(1, 1, "accept", gitResult(1));

    List<FanoutAction> actions = driver.step(WORKERS);
    assertThat(Driver.only(actions, FanoutAction.Cancel.class)).isEmpty();
    assertThat(Driver.only(actions, FanoutAction.Merge.class)).isEmpty();
    assertThat(Driver.only(actions, FanoutAction.CompleteJoin.class)).isEmpty();

    driver.doneWithResult(2, 1, "accept", gitResult(2));
    assertThat(onlyJob(driver.step(WORKERS)).index()).isZero();
  }

  @Test
  void aStepSentAgainOrFromAStaleHeadChangesNothing() {
    Driver driver = threeAccepted("all");
    MergeQueue.Job first = onlyJob(driver.step(WORKERS));
    record(driver, first, MergeQueue.Outcome.INTEGRATED, commit(1));
    long version = driver.state().version();

    // The same step again (a restart that wrote it twice) and a step from the base again.
    record(driver, first, MergeQueue.Outcome.INTEGRATED, commit(9));
    MergeQueue.Job stale =
        new MergeQueue.Job(
            first.fanout(),
            1,
            1,
            "spl/CALC-1/1-1",
            commit(101),
            BASE,
            BASE,
            first.integrationBranch(),
            first.spec(),
            null);
    record(driver, stale, MergeQueue.Outcome.CONFLICT, BASE);

    assertThat(driver.state().version()).isEqualTo(version);
    assertThat(driver.state().integrationHead()).isEqualTo(commit(1));
    assertThat(driver.state().verdict(1)).isEqualTo(Verdict.ACCEPT);
  }

  @Test
  void aReplayOfTheLogResumesTheQueueWhereItStood() {
    Driver driver = threeAccepted("all");
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.INTEGRATED, commit(1));

    Driver replayed = new Driver();
    driver.log.forEach(replayed.fanouts::apply);
    replayed.log.addAll(driver.log);
    MergeQueue.Job next = onlyJob(replayed.step(WORKERS));
    assertThat(next.index()).isEqualTo(1);
    assertThat(next.from()).isEqualTo(commit(1));
  }

  private static JsonNode gitResult(int index, int attempt, String base, String head) {
    ObjectNode result = Json.MAPPER.createObjectNode();
    result
        .putObject("git")
        .put("branch", "spl/CALC-1/" + index + "-" + attempt)
        .put("head", head)
        .put("base", base);
    return result;
  }

  private static void rebaseRetry(Driver driver, int index) {
    driver.append(
        Driver.USER, Act.LEARN, driver.state().rebaseRetry(index, null).toBody(), List.of());
  }

  @Test
  void aRetryWithRebaseReopensTheJoinStartsFromTheIntegrationBranchAndIsIntegrated() {
    Driver driver = threeAccepted("all");
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.INTEGRATED, commit(1));
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.CONFLICT, commit(1));
    List<FanoutAction.CompleteJoin> first =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(first.get(0).verdict()).isEqualTo(JoinComplete.REJECT);
    assertThat(driver.state().joinComplete()).isTrue();

    RetrySubtask request = driver.state().rebaseRetry(1, null);
    assertThat(request.onto()).isEqualTo(commit(1));
    assertThat(request.attempt()).isEqualTo(1);
    rebaseRetry(driver, 1);

    FanoutState state = driver.state();
    assertThat(state.joinComplete()).isFalse();
    assertThat(state.joinVerdict()).isNull();
    assertThat(state.reopenedJoins()).isEqualTo(1);
    assertThat(state.attempt(1)).isEqualTo(2);
    assertThat(state.childBase(1)).isEqualTo(commit(1));
    assertThat(state.fanin().status()).isEqualTo(Fanin.RUNNING);
    List<FanoutAction.Spawn> spawns = Driver.spawns(driver.step(WORKERS));
    assertThat(spawns).hasSize(1);
    JsonNode worktree = spawns.get(0).childIntent().get("worktree");
    assertThat(worktree.get("base").asText()).isEqualTo(commit(1));
    assertThat(worktree.get("branch").asText()).isEqualTo("spl/CALC-1/1-2");

    driver.doneWithResult(1, 2, "accept", gitResult(1, 2, commit(1), commit(201)));
    MergeQueue.Job again = onlyJob(driver.step(WORKERS));
    assertThat(again.index()).isEqualTo(1);
    assertThat(again.attempt()).isEqualTo(2);
    assertThat(again.base()).isEqualTo(commit(1));
    assertThat(again.from()).isEqualTo(commit(1));
    record(driver, again, MergeQueue.Outcome.INTEGRATED, commit(2));
    // Child 2 was never integrated (the conflict ended join all): the queue goes on with it.
    MergeQueue.Job third = onlyJob(driver.step(WORKERS));
    assertThat(third.index()).isEqualTo(2);
    assertThat(third.base()).isEqualTo(BASE);
    record(driver, third, MergeQueue.Outcome.INTEGRATED, commit(3));

    List<FanoutAction.CompleteJoin> second =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(second).hasSize(1);
    assertThat(second.get(0).verdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(second.get(0).merge().get("integrated").asInt()).isEqualTo(3);
    assertThat(second.get(0).merge().get("head").asText()).isEqualTo(commit(3));
    assertThat(driver.state().joinComplete()).isTrue();
    assertThat(driver.state().joinVerdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(driver.state().fanin().retried()).isEqualTo(1);

    // A replay of the log gives the same state: the later join record is the one that counts.
    Driver replayed = new Driver();
    driver.log.forEach(replayed.fanouts::apply);
    FanoutState again2 = replayed.fanouts.get(driver.state().ref().id()).orElseThrow();
    assertThat(again2.joinVerdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(again2.integrationHead()).isEqualTo(commit(3));
    assertThat(again2.attempt(1)).isEqualTo(2);
    assertThat(again2.mergeJson()).isEqualTo(driver.state().mergeJson());
  }

  @Test
  void aRetryWithRebaseIsOnlyForAChildTheQueueDidNotIntegrate() {
    Driver driver = threeAccepted("k_of_n:2");
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.INTEGRATED, commit(1));

    assertThatThrownBy(() -> driver.state().rebaseRetry(0, null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining(
            "subtask 0: cannot retry: --rebase: it is integrated already (attempt 1, at "
                + commit(1)
                + ")");
    assertThatThrownBy(() -> driver.state().rebaseRetry(1, null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining(
            "subtask 1: cannot retry: --rebase: expected a child the merge queue reported conflict or check_failed, but the merge queue has not reported it (attempt 1, accept)");
    assertThatThrownBy(() -> driver.state().rebaseRetry(3, null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining("index 3 is out of range");

    Driver plain = new Driver();
    plain.fanOut(Driver.goals("a"), "all");
    plain.step(WORKERS);
    plain.done(0, "reject");
    assertThatThrownBy(() -> plain.state().rebaseRetry(0, null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageContaining("--rebase: the fan-out has no merge queue");
  }

  @Test
  void aRetryWithRebaseFromACommitTheQueueNeverRecordedOrForAnOldAttemptChangesNothing() {
    Driver driver = threeAccepted("k_of_n:2");
    record(driver, onlyJob(driver.step(WORKERS)), MergeQueue.Outcome.CONFLICT, BASE);
    long version = driver.state().version();
    String id = driver.state().ref().id();

    driver.append(
        Driver.USER,
        Act.LEARN,
        new RetrySubtask("docs", id, 0, 1, null, FanoutRecords.REASON_MANUAL, commit(77)).toBody(),
        List.of());
    driver.append(
        Driver.USER,
        Act.LEARN,
        new RetrySubtask("docs", id, 0, 2, null, FanoutRecords.REASON_MANUAL, BASE).toBody(),
        List.of());

    assertThat(driver.state().version()).isEqualTo(version);
    assertThat(driver.state().attempt(0)).isEqualTo(1);
    assertThat(driver.state().verdict(0)).isEqualTo(Verdict.CONFLICT);
  }

  @Test
  void aResultNamingAnotherBranchOrNoCommitIsNotIntegrated() {
    Driver driver = new Driver();
    driver.fanOutWorktree(
        Driver.goals("a", "b", "c"),
        "k_of_n:1",
        new Worktrees.Spec(
            BASE,
            "CALC-1",
            false,
            false,
            new MergeQueue.Spec(MergeQueue.Mode.MERGE, null, "/repo"),
            null));
    driver.step(WORKERS);
    driver.doneWithResult(0, 1, "accept", gitResult(1, 1, BASE, commit(101)));
    driver.doneWithResult(1, 1, "accept", gitResult(1, 1, BASE, "--exec=true"));
    driver.doneWithResult(2, 1, "accept", gitResult(2, 1, BASE, commit(102)));

    // Child 0 names child 1's branch, child 1 an option for a commit: only child 2 is taken.
    MergeQueue.Job job = onlyJob(driver.step(WORKERS));
    assertThat(job.index()).isEqualTo(2);
    record(driver, job, MergeQueue.Outcome.INTEGRATED, commit(2));
    List<FanoutAction.CompleteJoin> joins =
        Driver.only(driver.step(WORKERS), FanoutAction.CompleteJoin.class);
    assertThat(joins.get(0).merge().get("integrated").asInt()).isEqualTo(1);
  }
}
