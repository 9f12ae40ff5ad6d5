package dev.spl.core.fanout;

import static dev.spl.core.fanout.Driver.goals;
import static dev.spl.core.fanout.Driver.live;
import static dev.spl.core.fanout.Driver.only;
import static dev.spl.core.fanout.Driver.spawns;
import static dev.spl.core.fanout.Driver.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanoutStateTest {
  private static final WorkerInfo A = worker("a", "worker-a", 0);
  private static final WorkerInfo B = worker("b", "worker-b", 0);
  private static final WorkerDirectory BOTH = live(A, B);

  private static SubtaskSpec spec(String goal, String target, Integer... depends) {
    return new SubtaskSpec(
        goal, target, new BigDecimal("0.50"), 300L, List.of(depends), null, null, null, null);
  }

  @Test
  void spawnsReadySubtasksThenDependentsWithTheirPredecessorsResults() {
    Driver driver = new Driver();
    String parent =
        driver.fanOut(
            List.of(
                spec("Write A", "worker-a"),
                spec("Write B", "worker-b"),
                spec("Summarise", "least-loaded-worker", 0, 1)),
            "all");

    List<FanoutAction.Spawn> first = spawns(driver.step(BOTH));
    assertThat(first).extracting(FanoutAction.Spawn::index).containsExactly(0, 1);
    assertThat(first).extracting(s -> s.worker().did()).containsExactly(A.did(), B.did());
    assertThat(first.get(0).childThread()).isEqualTo(ThreadIds.derive(parent, "0", "Write A"));
    JsonNode intent = first.get(0).childIntent();
    assertThat(intent.path("topic").asText()).isEqualTo("fanout_child");
    assertThat(intent.path("fanout").asText()).isEqualTo(parent);
    assertThat(intent.path("parent_thread").asText()).isEqualTo(driver.taskThread);
    assertThat(intent.path("coordinator").asText()).isEqualTo("http://127.0.0.1:9100");
    assertThat(intent.path("budget").decimalValue()).isEqualByComparingTo("0.50");
    assertThat(intent.path("timeout").asLong()).isEqualTo(300);
    assertThat(intent.path("attempt").asInt()).isEqualTo(1);

    JoinStatus status = JoinStatus.of(driver.state());
    assertThat(status.spawned()).isEqualTo(2);
    assertThat(status.completed()).isZero();
    assertThat(status.complete()).isFalse();
    assertThat(status.perSubtask())
        .extracting(JoinStatus.SubtaskStatus::state)
        .containsExactly("in progress", "in progress", "pending spawn");
    assertThat(status.perSubtask().get(0).resolvedTarget()).isEqualTo("specific:" + A.did());

    driver.done(0, "accept");
    assertThat(driver.step(BOTH)).isEmpty();
    driver.done(1, "accept");
    List<FanoutAction.Spawn> second = spawns(driver.step(live(worker("a", "worker-a", 3), B)));
    assertThat(second).singleElement().satisfies(s -> assertThat(s.index()).isEqualTo(2));
    assertThat(second.get(0).worker().did()).isEqualTo(B.did());
    JsonNode inputs = second.get(0).childIntent().path("inputs");
    assertThat(inputs).hasSize(2);
    assertThat(inputs.get(0).path("index").asInt()).isZero();
    assertThat(inputs.get(0).path("verdict").asText()).isEqualTo("accept");
    assertThat(inputs.get(1).path("summary").asText()).isEqualTo("result 1");

    driver.done(2, "accept");
    List<FanoutAction> last = driver.step(BOTH);
    FanoutAction.CompleteJoin join = only(last, FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("accept");
    assertThat(join.totals())
        .isEqualTo(new FanoutAction.JoinTotals(3, 3, 3, 0, new BigDecimal("0.75")));
    assertThat(only(last, FanoutAction.Cancel.class)).isEmpty();
    assertThat(JoinStatus.of(driver.state()).complete()).isTrue();
    assertThat(driver.state().joinVerdict()).isEqualTo("accept");
    assertThat(driver.step(BOTH)).isEmpty();
  }

  @Test
  void aSpawnThePolicyRefusesIsHeldWithoutTakingATurnAndSpawnsOnceItPasses() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "forbidden", "c"), "all");
    List<FanoutRecords.Draft> asked = new ArrayList<>();
    SpawnPolicy refusesForbidden =
        intent -> {
          asked.add(intent);
          return "forbidden".equals(intent.body().path("goal").asText())
              ? java.util.Optional.of("goal 'forbidden' is refused")
              : java.util.Optional.empty();
        };

    driver.policy = refusesForbidden;
    List<FanoutAction> first = driver.step(BOTH);
    // The held child takes no round-robin turn: the next child goes where it would have gone.
    assertThat(spawns(first))
        .extracting(FanoutAction.Spawn::index, s -> s.worker().did())
        .containsExactly(tuple(0, A.did()), tuple(2, B.did()));
    assertThat(only(first, FanoutAction.Hold.class))
        .containsExactly(
            new FanoutAction.Hold(driver.state().ref(), 1, 1, "goal 'forbidden' is refused"));
    // The policy is asked about the child INTEND the spawn would write, worker included.
    FanoutRecords.Draft held =
        asked.stream().filter(d -> d.body().path("index").asInt() == 1).findFirst().orElseThrow();
    assertThat(held.act()).isEqualTo(dev.spl.core.Act.INTEND);
    assertThat(held.thread()).isEqualTo(ThreadIds.derive(driver.fanoutId, "1", "forbidden"));
    assertThat(held.body().path("topic").asText()).isEqualTo("fanout_child");
    assertThat(held.body().path("namespace").asText()).isEqualTo("docs");
    assertThat(held.body().path("worker").asText()).isEqualTo(B.did());
    assertThat(
            FanoutRecords.drafts(
                only(first, FanoutAction.Hold.class).stream()
                    .map(FanoutAction.class::cast)
                    .toList(),
                1000))
        .isEmpty();
    assertThat(driver.state().childState(1)).isEqualTo(ChildState.PENDING_SPAWN);

    // Held spawns keep the fan-out due: it is decided again, and holds again, until allowed.
    assertThat(driver.step(BOTH))
        .extracting(a -> a.getClass().getSimpleName())
        .containsExactly("Hold");
    driver.policy = SpawnPolicy.ALLOW_ALL;
    assertThat(spawns(driver.step(BOTH))).extracting(FanoutAction.Spawn::index).containsExactly(1);
    assertThat(driver.step(BOTH)).isEmpty();
  }

  @Test
  void decidingTwiceWithoutNewRecordsDecidesTheSameAndSpawnsNothingTwice() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b", "c"), "all");
    FanoutState state = driver.state();
    List<FanoutAction> once = state.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL);
    List<FanoutAction> twice = state.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL);
    assertThat(twice).isEqualTo(once).hasSize(3);
    driver.step(BOTH);
    assertThat(driver.step(BOTH)).isEmpty();
    assertThat(JoinStatus.of(state).spawned()).isEqualTo(3);
  }

  @Test
  void allFailsAtTheFirstRejectAndCancelsTheRest() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b", "c", "d"), "all");
    driver.step(live(A));
    driver.done(1, "reject");
    List<FanoutAction> actions = driver.step(live(A));
    FanoutAction.Cancel cancel = only(actions, FanoutAction.Cancel.class).get(0);
    assertThat(cancel.indices()).containsExactly(0, 2, 3);
    assertThat(cancel.reason()).isEqualTo("join_impossible");
    assertThat(cancel.children()).allSatisfy(c -> assertThat(c.worker()).isEqualTo(A.did()));
    FanoutAction.CompleteJoin join = only(actions, FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("reject");
    // The join record keeps counts; each child stands as its own records say.
    assertThat(join.totals().completed()).isEqualTo(1);
    assertThat(join.totals().n()).isEqualTo(4);
    assertThat(driver.state().viewOf(1).verdict()).isEqualTo("reject");
    assertThat(driver.state().childState(0)).isEqualTo(ChildState.CANCELLING);
    assertThat(driver.step(live(A))).isEmpty();
    // A cancelled child reporting afterwards is recorded but the join stays as it was.
    driver.done(0, "cancelled");
    assertThat(driver.state().joinVerdict()).isEqualTo("reject");
    assertThat(driver.step(live(A))).isEmpty();
  }

  @Test
  void anyIsSatisfiedEarlyAndCancelledSiblingsDoNotMakeItPartial() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b", "c"), "any");
    driver.step(live(A));
    driver.done(2, "accept");
    List<FanoutAction> actions = driver.step(live(A));
    assertThat(only(actions, FanoutAction.Cancel.class).get(0).indices()).containsExactly(0, 1);
    assertThat(only(actions, FanoutAction.Cancel.class).get(0).reason())
        .isEqualTo("join_satisfied");
    assertThat(only(actions, FanoutAction.CompleteJoin.class).get(0).verdict()).isEqualTo("accept");
  }

  @Test
  void anyIsImpossibleOnlyOnceEveryChildFailed() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "any");
    driver.step(live(A));
    driver.done(0, "timeout");
    assertThat(driver.step(live(A))).isEmpty();
    driver.done(1, "over_budget");
    assertThat(only(driver.step(live(A)), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("reject");
  }

  @Test
  void kOfNIsPartialWhenSatisfiedDespiteAFailureAndImpossibleWhenTooFewCanAccept() {
    Driver partial = new Driver();
    partial.fanOut(goals("a", "b", "c", "d"), "k_of_n:2");
    partial.step(live(A));
    partial.done(0, "reject");
    partial.done(1, "accept");
    assertThat(partial.step(live(A))).isEmpty();
    partial.done(3, "accept");
    List<FanoutAction> actions = partial.step(live(A));
    assertThat(only(actions, FanoutAction.Cancel.class).get(0).indices()).containsExactly(2);
    assertThat(only(actions, FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("partial");

    Driver impossible = new Driver();
    impossible.fanOut(goals("a", "b", "c", "d"), "k_of_n:3");
    impossible.step(live(A));
    impossible.done(0, "reject");
    assertThat(impossible.step(live(A))).isEmpty();
    impossible.done(3, "failed");
    assertThat(only(impossible.step(live(A)), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("reject");
  }

  @Test
  void theVersionTellsWhichChildrenChangedIncludingThoseSkippedWithoutARecordOfTheirOwn() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(spec("a", null), spec("b", null, 0), spec("c", null), spec("d", null)), "k_of_n:1");
    driver.step(live(A));
    FanoutState state = driver.state();
    long spawned = state.version();
    assertThat(state.changedAt(0)).isPositive().isLessThanOrEqualTo(spawned);
    assertThat(state.changedAt(1)).isZero();
    driver.done(0, "reject");
    assertThat(state.version()).isGreaterThan(spawned);
    List<Integer> changed = new java.util.ArrayList<>();
    for (int i = 0; i < state.width(); i++) {
      if (state.changedAt(i) > spawned) {
        changed.add(i);
      }
    }
    // Subtask 1 was skipped by the fold, not by a record naming it.
    assertThat(changed).containsExactly(0, 1);
    assertThat(JoinStatus.subtask(state, 1)).isEqualTo(JoinStatus.of(state).perSubtask().get(1));
  }

  @Test
  void aFailedPredecessorSkipsItsDependentsWhichCountAsFailed() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(spec("a", null), spec("b", null, 0), spec("c", null, 1), spec("d", null)),
        "k_of_n:1");
    driver.step(live(A));
    driver.done(0, "reject");
    FanoutState state = driver.state();
    assertThat(state.childState(1)).isEqualTo(ChildState.SKIPPED);
    assertThat(state.childState(2)).isEqualTo(ChildState.SKIPPED);
    assertThat(state.verdict(2)).isEqualTo(Verdict.SKIPPED);
    assertThat(state.counters()).isEqualTo(new JoinCounters(4, 3, 0, 3, 1));
    assertThat(spawns(driver.step(live(A)))).isEmpty();
  }

  @Test
  void aManualRetryRunsANewAttemptWhoseResultReplacesTheOld() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", null), spec("b", null), spec("c", null, 0)), "all");
    driver.step(live(A));
    driver.done(0, "accept");
    driver.step(live(A));
    assertThat(driver.state().childState(2)).isEqualTo(ChildState.IN_PROGRESS);
    driver.done(2, "accept");

    driver.retry(0, "use the newer API");
    FanoutState state = driver.state();
    assertThat(state.childState(0)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(state.attempt(0)).isEqualTo(2);
    assertThat(state.counters().accepted()).isEqualTo(1);
    List<FanoutAction.Spawn> respawn = spawns(driver.step(live(B)));
    assertThat(respawn).singleElement().satisfies(s -> assertThat(s.attempt()).isEqualTo(2));
    assertThat(respawn.get(0).worker().did()).isEqualTo(B.did());
    assertThat(respawn.get(0).childIntent().path("hint").asText()).isEqualTo("use the newer API");
    assertThat(respawn.get(0).childThread()).isEqualTo(ThreadIds.derive(driver.fanoutId, "0", "a"));

    // The first attempt's result arriving again is recorded but ignored.
    driver.done(0, 1, "reject", "late", 9);
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    assertThat(JoinStatus.of(state).ignoredRecords()).isEqualTo(1);
    // The completed dependent is never run again because its predecessor was retried.
    driver.done(0, 2, "accept", "second try", 1);
    driver.done(1, "accept");
    List<FanoutAction> actions = driver.step(live(B));
    assertThat(spawns(actions)).isEmpty();
    assertThat(only(actions, FanoutAction.CompleteJoin.class)).hasSize(1);
    assertThat(state.viewOf(0).summary()).isEqualTo("second try");
  }

  @Test
  void aFanoutRecordWithoutItsAttemptIsSkippedAsMalformedAndChangesNothing() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "all");
    driver.step(live(A));
    driver.done(0, "reject");
    com.fasterxml.jackson.databind.node.ObjectNode retry =
        driver.state().manualRetry(0, "again").toBody();
    retry.remove("attempt");

    StoredRecord stored = driver.append(Driver.USER, dev.spl.core.Act.LEARN, retry, List.of());

    assertThat(driver.state().attempt(0)).isEqualTo(1);
    assertThat(driver.state().childState(0)).isEqualTo(ChildState.DONE);
    assertThat(driver.fanouts.skippedCount()).isEqualTo(1);
    assertThat(driver.fanouts.skippedRecords())
        .containsExactly(
            stored.id()
                + ": body.attempt: expected a whole number >= 1 but found nothing (the field is"
                + " missing)");
    assertThat(driver.fanouts.lastSkipped()).isEqualTo(driver.fanouts.skippedRecords().get(0));
  }

  @Test
  void retryingAFailedPredecessorBringsSkippedDependentsBack() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", null), spec("b", null, 0), spec("c", null)), "k_of_n:1");
    driver.step(live(A));
    driver.done(0, "reject");
    assertThat(driver.state().childState(1)).isEqualTo(ChildState.SKIPPED);
    driver.retry(0, null);
    assertThat(driver.state().childState(1)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(driver.state().counters()).isEqualTo(new JoinCounters(3, 0, 0, 0, 1));
    driver.step(live(A));
    driver.done(0, "accept");
    assertThat(spawns(driver.step(live(A))))
        .isEmpty(); // k_of_n:1 is satisfied by the retried subtask
    assertThat(driver.state().joinVerdict()).isEqualTo("accept");
  }

  @Test
  void childrenOfALostWorkerAreRespawnedElsewhereUpToMaxAttempts() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(spec("a", "worker-a"), spec("b", "worker-a"), spec("c", "worker-b")), "all", 2, 2);
    driver.step(BOTH);
    driver.done(1, "accept");
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));

    List<FanoutAction> reassign = driver.step(aLost);
    assertThat(only(reassign, FanoutAction.Reassign.class))
        .singleElement()
        .satisfies(r -> assertThat(r.index()).isZero());
    FanoutState state = driver.state();
    assertThat(state.attempt(0)).isEqualTo(2);
    assertThat(state.childState(1)).isEqualTo(ChildState.DONE);
    List<FanoutAction.Spawn> respawn = spawns(driver.step(aLost));
    assertThat(respawn).singleElement().satisfies(s -> assertThat(s.index()).isZero());
    assertThat(respawn.get(0).worker().did()).isEqualTo(B.did());

    // worker-a comes back and reports a failure of the abandoned attempt: ignored.
    driver.done(0, 1, "reject", "from the lost worker", 1);
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);

    // worker-b is lost too, on the last allowed attempt: the child fails.
    WorkerDirectory bLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(A), List.of(B));
    List<FanoutAction> giveUp = driver.step(bLost);
    assertThat(only(giveUp, FanoutAction.GiveUp.class))
        .extracting(FanoutAction.GiveUp::index)
        .containsExactly(0);
    assertThat(only(giveUp, FanoutAction.Reassign.class))
        .extracting(FanoutAction.Reassign::index)
        .containsExactly(2);
    assertThat(state.verdict(0)).isEqualTo(Verdict.FAILED);
    assertThat(JoinStatus.of(state).perSubtask().get(0).summary())
        .contains("max_attempts 2 is used up");
    assertThat(only(driver.step(bLost), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("reject");
  }

  @Test
  void aLateAcceptOfAnAttemptMovedOffALostWorkerCompletesTheChildAndNothingRunsAgain() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    FanoutState state = driver.state();
    assertThat(state.attempt(0)).isEqualTo(2);

    // worker-a was only slow: its accepted result of attempt 1 arrives after the move.
    driver.done(0, 1, "accept", "finished on the slow worker", 1);
    assertThat(state.childState(0)).isEqualTo(ChildState.DONE);
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(spawns(driver.step(aLost))).isEmpty();
    // The moved attempt's own result later changes nothing.
    driver.done(0, 2, "reject", "second copy", 1);
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(state.counters().accepted()).isEqualTo(1);
  }

  @Test
  void aLateAcceptCancelsTheNewerAttemptOnItsWorkerAndTheCancelIsNoVerdict() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    assertThat(spawns(driver.step(aLost)))
        .singleElement()
        .satisfies(s -> assertThat(s.worker().did()).isEqualTo(B.did()));
    FanoutState state = driver.state();
    driver.doneBy(0, 1, "accept", A.did());

    List<FanoutAction.Cancel> cancels = only(driver.step(aLost), FanoutAction.Cancel.class);
    assertThat(cancels).singleElement();
    assertThat(cancels.get(0).reason()).isEqualTo(FanoutRecords.CANCEL_SUPERSEDED);
    assertThat(cancels.get(0).children())
        .containsExactly(new FanoutAction.CancelledChild(0, 2, state.thread(0), B.did()));
    // Once its record is applied the cancel is not decided again, and the child stays accepted.
    assertThat(only(driver.step(aLost), FanoutAction.Cancel.class)).isEmpty();
    assertThat(state.childState(0)).isEqualTo(ChildState.DONE);
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);

    // worker-b reports the cancelled attempt 2: the fan-in counts no cancel.
    driver.doneBy(0, 2, "cancelled", B.did());
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(state.fanin().cancelled()).isZero();
    assertThat(state.counters().accepted()).isEqualTo(1);
    driver.done(1, "accept");
    assertThat(only(driver.step(aLost), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("accept");
  }

  @Test
  void aLateAcceptThatCompletesTheJoinStillCancelsTheNewerAttemptAndReplayAgrees() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    driver.done(1, "accept");
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    driver.step(aLost);
    driver.doneBy(0, 1, "accept", A.did());

    FanoutState original = driver.state();
    Fanouts beforeCancel = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    driver.log.forEach(beforeCancel::apply);
    FanoutState replayedBefore = beforeCancel.get(driver.fanoutId).orElseThrow();
    assertThat(replayedBefore.decide(driver.now, aLost, SpawnPolicy.ALLOW_ALL))
        .isEqualTo(original.decide(driver.now, aLost, SpawnPolicy.ALLOW_ALL));

    List<FanoutAction> last = driver.step(aLost);
    assertThat(only(last, FanoutAction.Cancel.class))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.reason()).isEqualTo(FanoutRecords.CANCEL_SUPERSEDED);
              assertThat(c.indices()).containsExactly(0);
            });
    assertThat(only(last, FanoutAction.CompleteJoin.class).get(0).verdict()).isEqualTo("accept");
    assertThat(driver.step(aLost)).isEmpty();

    Fanouts replayed = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    driver.log.forEach(replayed::apply);
    FanoutState copy = replayed.get(driver.fanoutId).orElseThrow();
    assertThat(JoinStatus.of(copy)).isEqualTo(JoinStatus.of(original));
    assertThat(copy.fanin()).isEqualTo(original.fanin());
    assertThat(copy.decide(driver.now, aLost, SpawnPolicy.ALLOW_ALL)).isEmpty();
  }

  @Test
  void aLateAcceptBeforeTheNewerAttemptWasSpawnedCancelsNothing() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    driver.doneBy(0, 1, "accept", A.did());

    assertThat(driver.state().verdict(0)).isEqualTo(Verdict.ACCEPT);
    List<FanoutAction> next = driver.step(aLost);
    assertThat(only(next, FanoutAction.Cancel.class)).isEmpty();
    assertThat(spawns(next)).isEmpty();
  }

  @Test
  void aChildCompletedByALateAcceptIsNotMovedWhenTheWorkerOfItsNewerAttemptIsLost() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(spec("a", "worker-a"), spec("b", "worker-b"), spec("c", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    driver.done(1, "accept");
    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    assertThat(spawns(driver.step(aLost)))
        .singleElement()
        .satisfies(s -> assertThat(s.worker().did()).isEqualTo(B.did()));
    FanoutState state = driver.state();
    driver.doneBy(0, 1, "accept", A.did());
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);

    // worker-b, which held attempt 2 of child 0 and still runs child 2, is lost now: only child 2
    // is left to move.
    WorkerDirectory bLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(A), List.of(B));
    assertThat(only(driver.step(bLost), FanoutAction.Reassign.class))
        .extracting(FanoutAction.Reassign::index)
        .containsExactly(2);
    assertThat(state.attempt(0)).isEqualTo(2);
  }

  @Test
  void aLateAcceptFromBeforeAManualRetryIsIgnored() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", "worker-b")), "all", 3, 2);
    driver.step(BOTH);
    driver.done(0, "reject");
    driver.retry(0, "try again");
    driver.step(BOTH);
    FanoutState state = driver.state();
    assertThat(state.attempt(0)).isEqualTo(2);

    driver.done(0, 1, "accept", "a stale copy of the first attempt", 1);
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
  }

  @Test
  void aChildStoppedByAHardFreezeReturnsToPendingSpawnAsANewAttemptAndTheJoinStaysOpen() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b", "c"), "all");
    driver.step(live(A));
    driver.done(0, "accept");
    driver.interruptedByHardFreeze(1, 1);
    driver.interruptedByHardFreeze(2, 1);

    FanoutState state = driver.state();
    assertThat(state.childState(1)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(state.attempt(1)).isEqualTo(2);
    assertThat(state.verdict(1)).isNull();
    assertThat(state.interruptedBy(1)).isEqualTo("hard_freeze");
    assertThat(state.counters()).isEqualTo(new JoinCounters(3, 1, 1, 0, 0));
    assertThat(state.outcome()).isEqualTo(JoinOutcome.UNDECIDED);
    JoinStatus status = JoinStatus.of(state);
    assertThat(status.spawned()).isEqualTo(1);
    JoinStatus.SubtaskStatus row = status.perSubtask().get(1);
    assertThat(row.state()).isEqualTo("pending spawn");
    assertThat(row.interruptedBy()).isEqualTo("hard_freeze");
    assertThat(row.summary()).contains("attempt 1 was interrupted by a hard freeze");
    // A second copy of the interrupted result belongs to an attempt that is over: ignored.
    int ignored = status.ignoredRecords();
    driver.interruptedByHardFreeze(1, 1);
    assertThat(state.attempt(1)).isEqualTo(2);
    assertThat(JoinStatus.of(state).ignoredRecords()).isEqualTo(ignored + 1);

    List<FanoutAction> respawn = driver.step(live(A));
    assertThat(only(respawn, FanoutAction.CompleteJoin.class)).isEmpty();
    assertThat(spawns(respawn))
        .extracting(FanoutAction.Spawn::index, FanoutAction.Spawn::attempt)
        .containsExactly(tuple(1, 2), tuple(2, 2));
    assertThat(spawns(respawn).get(0).childIntent().path("attempt").asInt()).isEqualTo(2);
    assertThat(state.interruptedBy(1)).isNull();
    assertThat(JoinStatus.of(state).perSubtask().get(1).summary()).isEmpty();

    driver.done(1, "accept");
    driver.done(2, "accept");
    assertThat(only(driver.step(live(A)), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("accept");
  }

  @Test
  void interruptionsByAHardFreezeDoNotUseUpMaxAttempts() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", null)), "all", 2, 2);
    driver.step(BOTH);
    driver.interruptedByHardFreeze(0, 1);
    driver.step(BOTH);
    driver.interruptedByHardFreeze(0, 2);
    driver.step(BOTH);
    FanoutState state = driver.state();
    assertThat(state.attempt(0)).isEqualTo(3);
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    WorkerInfo running = state.worker(0).equals(A.did()) ? A : B;
    WorkerInfo other = running == A ? B : A;

    List<FanoutAction> lost =
        driver.step(new WorkerDirectory("http://127.0.0.1:9100", List.of(other), List.of(running)));
    assertThat(only(lost, FanoutAction.GiveUp.class)).isEmpty();
    assertThat(only(lost, FanoutAction.Reassign.class))
        .singleElement()
        .satisfies(r -> assertThat(r.abandonedAttempt()).isEqualTo(3));
  }

  @Test
  void cancelsTheCoordinatorAskedForAndUnmarkedCancelsStayTerminal() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b", "c"), "all");
    driver.step(live(A));
    driver.done(1, "reject");
    List<FanoutAction> actions = driver.step(live(A));
    assertThat(only(actions, FanoutAction.Cancel.class).get(0).indices()).containsExactly(0, 2);
    FanoutState state = driver.state();
    assertThat(state.childState(0)).isEqualTo(ChildState.CANCELLING);

    // The worker stopped it for a freeze, but the coordinator had asked for the cancel first.
    driver.interruptedByHardFreeze(0, 1);
    assertThat(state.childState(0)).isEqualTo(ChildState.DONE);
    assertThat(state.verdict(0)).isEqualTo(Verdict.CANCELLED);
    assertThat(state.attempt(0)).isEqualTo(1);
    assertThat(state.joinVerdict()).isEqualTo("reject");

    Driver unmarked = new Driver();
    unmarked.fanOut(goals("a", "b"), "all");
    unmarked.step(live(A));
    unmarked.done(0, "cancelled");
    assertThat(unmarked.state().childState(0)).isEqualTo(ChildState.DONE);
    assertThat(unmarked.state().attempt(0)).isEqualTo(1);
    assertThat(only(unmarked.step(live(A)), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("reject");
  }

  @Test
  void replayingALogWithHardFreezeInterruptionsGivesTheSameStateAndDecisions() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a"), spec("b", null), spec("c", null, 0)), "all");
    driver.step(BOTH);
    driver.interruptedByHardFreeze(0, 1);
    driver.done(1, "accept");
    driver.step(BOTH);
    driver.interruptedByHardFreeze(0, 2);

    Fanouts replayed = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    for (StoredRecord stored : driver.log) {
      replayed.apply(stored);
    }
    FanoutState original = driver.state();
    FanoutState copy = replayed.get(driver.fanoutId).orElseThrow();
    assertThat(original.attempt(0)).isEqualTo(3);
    assertThat(JoinStatus.of(copy)).isEqualTo(JoinStatus.of(original));
    assertThat(copy.counters()).isEqualTo(original.counters());
    assertThat(copy.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL))
        .isEqualTo(original.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL));
    assertThat(spawns(original.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL)))
        .singleElement()
        .satisfies(s -> assertThat(s.attempt()).isEqualTo(3));
  }

  @Test
  void pinnedTargetsWaitForTheirWorkerAndNothingSpawnsWithoutLiveWorkers() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-b"), spec("b", null)), "all");
    assertThat(driver.step(WorkerDirectory.of(null, List.of()))).isEmpty();
    List<FanoutAction.Spawn> spawned = spawns(driver.step(live(A)));
    assertThat(spawned).extracting(FanoutAction.Spawn::index).containsExactly(1);
    assertThat(JoinStatus.of(driver.state()).perSubtask().get(0).state())
        .isEqualTo("pending spawn");
    assertThat(spawns(driver.step(BOTH))).extracting(FanoutAction.Spawn::index).containsExactly(0);
  }

  @Test
  void leastLoadedCountsSpawnsDecidedInTheSamePass() {
    Driver driver = new Driver();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      specs.add(spec("g" + i, "least-loaded-worker"));
    }
    driver.fanOut(specs, "all");
    List<FanoutAction.Spawn> spawned =
        spawns(driver.step(live(worker("a", "worker-a", 0), worker("b", "worker-b", 1))));
    assertThat(spawned)
        .extracting(s -> s.worker().alias())
        .containsExactly("worker-a", "worker-a", "worker-b", "worker-a");
  }

  @Test
  void roundRobinContinuesFromTheSpawnsAlreadyRecorded() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", null), spec("b", null), spec("c", null, 0, 1)), "all");
    WorkerInfo c = worker("c", "worker-c", 0);
    assertThat(spawns(driver.step(live(A, B, c))))
        .extracting(s -> s.worker().alias())
        .containsExactly("worker-a", "worker-b");
    driver.done(0, "accept");
    driver.done(1, "accept");
    assertThat(spawns(driver.step(live(A, B, c))))
        .extracting(s -> s.worker().alias())
        .containsExactly("worker-c");
  }

  @Test
  void replayingTheLogGivesTheSameStateAndDecisions() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(spec("a", "worker-a"), spec("b", null), spec("c", null, 0), spec("d", null, 2)),
        "k_of_n:3");
    driver.step(BOTH);
    driver.done(0, "accept");
    driver.step(BOTH);
    driver.done(1, "reject");
    driver.retry(1, "again");
    driver.step(new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A)));
    driver.step(live(B));
    driver.done(2, "accept");

    Fanouts replayed = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    for (StoredRecord stored : driver.log) {
      replayed.apply(stored);
    }
    FanoutState original = driver.state();
    FanoutState copy = replayed.get(driver.fanoutId).orElseThrow();
    assertThat(JoinStatus.of(copy)).isEqualTo(JoinStatus.of(original));
    Map<String, Integer> slots = Map.of(A.did(), 4, B.did(), 4);
    assertThat(SpeedupReport.of(copy, slots, null))
        .isEqualTo(SpeedupReport.of(original, slots, null));
    assertThat(copy.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL))
        .isEqualTo(original.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL));
    assertThat(original.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL)).isNotEmpty();
  }

  @Test
  void aParentWaitsForChunksThatArriveAfterIt() {
    Driver source = new Driver();
    source.fanOut(goals("a", "b", "c"), "all");
    List<StoredRecord> reordered = new ArrayList<>(source.log);
    StoredRecord parent = reordered.remove(reordered.size() - 1);
    reordered.add(1, parent);
    Fanouts fanouts = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    fanouts.apply(reordered.get(0));
    fanouts.apply(reordered.get(1));
    assertThat(fanouts.waitingForChunks()).containsExactly(parent.id());
    assertThat(fanouts.get(parent.id())).isEmpty();
    fanouts.apply(reordered.get(2));
    assertThat(fanouts.get(parent.id())).isPresent();
    assertThat(fanouts.decide(0, BOTH, SpawnPolicy.ALLOW_ALL)).hasSize(3);
  }

  @Test
  void applyingTheParentAgainKeepsTheFold() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "all");
    driver.step(BOTH);
    FanoutState before = driver.state();
    StoredRecord parent =
        driver.log.stream().filter(r -> r.id().equals(driver.fanoutId)).findFirst().orElseThrow();
    assertThat(driver.fanouts.apply(parent)).isFalse();
    assertThat(driver.state()).isSameAs(before);
    assertThat(JoinStatus.of(driver.state()).spawned()).isEqualTo(2);
  }

  @Test
  void aParentWithAnInvalidJoinIsListedAndNeverActedOn() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "k_of_n:3");
    assertThat(driver.fanouts.invalidFanouts())
        .containsEntry(driver.fanoutId, "join: k_of_n needs K in 1..2 (N = 2 subtasks) but K = 3");
    assertThat(driver.fanouts.decide(0, BOTH, SpawnPolicy.ALLOW_ALL)).isEmpty();
  }

  @Test
  void speedupEstimatesWithTheSlotsOfTheWorkersAndMeasuresFromTheRecords() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", null), spec("b", null), spec("c", null, 0, 1)), "all");
    driver.now = 10_000;
    driver.step(BOTH);
    driver.now = 12_000;
    driver.done(0, 1, "accept", "a", 2);
    driver.now = 13_100;
    driver.done(1, 1, "accept", "b", 3);
    driver.step(BOTH);
    driver.now = 17_500;
    driver.done(2, 1, "accept", "c", 4);
    SpeedupReport report = SpeedupReport.of(driver.state(), Map.of(A.did(), 4, B.did(), 4), 18.0);
    assertThat(report.wallsSecs()).containsExactly(2.0, 3.0, 4.0);
    assertThat(report.criticalPathSecs()).isEqualTo(7.0);
    assertThat(report.criticalPath()).containsExactly(1, 2);
    assertThat(report.workers()).isEqualTo(2);
    assertThat(report.slots()).isEqualTo(8);
    assertThat(report.estimatedWallSecs()).isEqualTo(7.0);
    // First spawn received at 10.0 s, last result at 17.5 s, both on the coordinator's store.
    assertThat(report.measuredWallSecs()).isEqualTo(7.5);
    assertThat(report.serialEstimateSecs()).isEqualTo(9.0);
    assertThat(report.estimatedSpeedup()).isEqualTo(9.0 / 7.0);
    assertThat(report.measuredSpeedup()).isEqualTo(18.0 / 7.5);
    assertThat(report.totalCostUsd()).isEqualByComparingTo("0.75");
    // What the coordinator's speedup route answers reads back as the same report.
    SpeedupReport read = SpeedupReport.fromJson(Json.parse(report.toJson().toString()));
    assertThat(read).usingRecursiveComparison().ignoringFields("totalCostUsd").isEqualTo(report);
    assertThat(read.totalCostUsd()).isEqualByComparingTo(report.totalCostUsd());
  }

  @Test
  void sixteenOneSecondChildrenOnTwoWorkersWithFourSlotsEachTakeTwoSeconds() {
    Driver driver = new Driver();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      specs.add(SubtaskSpec.ofGoal("goal " + i));
    }
    driver.fanOut(specs, "all");
    driver.now = 50_000;
    driver.step(BOTH);
    for (int i = 0; i < 16; i++) {
      driver.now = 51_000 + (i / 8) * 1_100;
      driver.done(i, 1, "accept", "ok", 1.0);
    }
    SpeedupReport report = SpeedupReport.of(driver.state(), Map.of(A.did(), 4, B.did(), 4), null);
    assertThat(report.criticalPathSecs()).isEqualTo(1.0);
    assertThat(report.slots()).isEqualTo(8);
    assertThat(report.estimatedWallSecs()).isEqualTo(2.0);
    assertThat(report.estimatedSpeedup()).isEqualTo(8.0);
    assertThat(report.measuredWallSecs()).isEqualTo(2.1);
    assertThat(report.measuredSpeedup()).isNull();

    // With one slot the estimate is the serial sum; a worker whose slots are unknown is named.
    assertThat(SpeedupReport.of(driver.state(), Map.of(A.did(), 1), null))
        .satisfies(
            one -> {
              assertThat(one.slots()).isEqualTo(1);
              assertThat(one.unknownWorkers()).isEqualTo(1);
              assertThat(one.estimatedWallSecs()).isEqualTo(16.0);
            });
    // No slot count known at all: the critical path, and the report says so.
    SpeedupReport unknown = SpeedupReport.of(driver.state(), Map.of(), null);
    assertThat(unknown.slotsKnown()).isFalse();
    assertThat(unknown.estimatedWallSecs()).isEqualTo(1.0);
  }

  @Test
  void listSchedulingFollowsTheDependenciesAndTheSpawnOrder() {
    Driver driver = new Driver();
    // 0 (3 s) and 1 (1 s) ready; 2 (1 s) needs 1; 3 (2 s) needs 0 and 2. Two slots: 0 and 1 start
    // at 0, 2 at 1, 3 at 3 (when 0 ends), done at 5. One slot: 0, 1, 2, 3 in turn, 7 s.
    driver.fanOut(
        List.of(spec("a", null), spec("b", null), spec("c", null, 1), spec("d", null, 0, 2)),
        "all");
    driver.step(BOTH);
    driver.done(0, 1, "accept", "a", 3);
    driver.done(1, 1, "accept", "b", 1);
    driver.step(BOTH);
    driver.done(2, 1, "accept", "c", 1);
    driver.step(BOTH);
    driver.done(3, 1, "accept", "d", 2);
    FanoutState state = driver.state();
    assertThat(SpeedupReport.of(state, Map.of(A.did(), 1, B.did(), 1), null).estimatedWallSecs())
        .isEqualTo(5.0);
    assertThat(SpeedupReport.of(state, Map.of(A.did(), 1), null).estimatedWallSecs())
        .isEqualTo(7.0);
    assertThat(SpeedupReport.of(state, Map.of(A.did(), 4, B.did(), 4), null).estimatedWallSecs())
        .isEqualTo(5.0);
  }

  @Test
  void aCancelledFanOutStopsEveryChildAndEndsCancelled() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(
            spec("a", "worker-a"), spec("b", "worker-b"), spec("c", null, 0, 1), spec("d", null)),
        "all");
    WorkerDirectory onlyA = live(A);
    driver.step(live(A, B));
    driver.done(0, "accept");
    // 0 accepted, 1 running on B, 2 waiting for 1, 3 running on A.
    assertThat(driver.state().childState(3)).isEqualTo(ChildState.IN_PROGRESS);
    driver.cancel("wrong approach");
    assertThat(driver.state().cancelRequested()).isTrue();

    List<FanoutAction> actions = driver.step(onlyA);
    FanoutAction.Cancel cancel = only(actions, FanoutAction.Cancel.class).get(0);
    assertThat(cancel.reason()).isEqualTo(FanoutRecords.CANCEL_REQUESTED);
    assertThat(cancel.children())
        .extracting(FanoutAction.CancelledChild::index, FanoutAction.CancelledChild::worker)
        .containsExactly(tuple(1, B.did()), tuple(2, null), tuple(3, A.did()));
    FanoutAction.CompleteJoin join = only(actions, FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("cancelled");
    assertThat(join.totals().accepted()).isEqualTo(1);
    assertThat(join.fanin().cancelled()).isEqualTo(3);
    assertThat(spawns(actions)).isEmpty();

    FanoutState state = driver.state();
    assertThat(state.joinComplete()).isTrue();
    assertThat(state.joinVerdict()).isEqualTo("cancelled");
    assertThat(state.childState(1)).isEqualTo(ChildState.CANCELLING);
    assertThat(state.childState(2)).isEqualTo(ChildState.DONE);
    assertThat(state.verdict(2)).isEqualTo(Verdict.CANCELLED);
    assertThat(JoinStatus.of(state).verdict()).isEqualTo("cancelled");
    // The running children report cancelled; nothing more is decided, nothing is spawned.
    driver.done(1, "cancelled");
    driver.done(3, "cancelled");
    assertThat(driver.step(live(A, B))).isEmpty();
    assertThat(driver.fanouts.openCount()).isZero();

    // A finished fan-out cannot be cancelled, and a late request changes nothing.
    assertThatThrownBy(() -> state.cancel(null))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage(
            "cannot cancel: its join already completed (cancelled); there is nothing left to stop");
    int ignored = state.ignoredRecords();
    driver.append(
        Driver.USER,
        dev.spl.core.Act.LEARN,
        new CancelRequest("docs", driver.fanoutId, "again").toBody(),
        List.of());
    assertThat(state.ignoredRecords()).isEqualTo(ignored + 1);
  }

  @Test
  void aCancelIsRefusedOnceRequestedAndReplaysToTheSameState() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "all");
    driver.step(BOTH);
    driver.cancel(null);
    assertThatThrownBy(() -> driver.state().cancel(null))
        .hasMessage("cannot cancel: it was cancelled already; the coordinator is stopping it");
    driver.step(BOTH);
    Fanouts replayed = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    driver.log.forEach(replayed::apply);
    FanoutState copy = replayed.get(driver.fanoutId).orElseThrow();
    assertThat(JoinStatus.of(copy)).isEqualTo(JoinStatus.of(driver.state()));
    assertThat(copy.joinVerdict()).isEqualTo("cancelled");
    assertThat(copy.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL)).isEmpty();
  }

  @Test
  void aFailedChildKeepsItsExitCodeUntilItIsRetried() {
    Driver driver = new Driver();
    driver.fanOut(goals("a", "b"), "any");
    driver.step(BOTH);
    driver.done(0, 1, "reject", "line 1\nboom", 0.5, 3);
    assertThat(driver.step(BOTH)).isEmpty();
    assertThat(JoinStatus.of(driver.state()).perSubtask())
        .extracting(JoinStatus.SubtaskStatus::exitCode)
        .containsExactly(3, null);
    driver.retry(0, null);
    assertThat(JoinStatus.of(driver.state()).perSubtask().get(0).exitCode()).isNull();
  }

  @Test
  void aTenThousandWideFanOutSpawnsAndJoins() {
    Driver driver = new Driver();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      specs.add(SubtaskSpec.ofGoal("goal " + i));
    }
    driver.fanOut(specs, "all", 3, FanoutRecords.DEFAULT_CHUNK_SIZE);
    // Spawned over passes of at most SPAWNS_PER_DECIDE each, as the reconciler runs them, and never
    // more than DEFAULT_IN_FLIGHT unfinished: the rest wait until those finish.
    List<FanoutAction.Spawn> spawned = new ArrayList<>();
    int finished = 0;
    int windowsFilled = 0;
    List<FanoutAction> actions = driver.step(BOTH);
    while (!spawns(actions).isEmpty() || finished < spawned.size()) {
      List<FanoutAction.Spawn> pass = spawns(actions);
      if (pass.isEmpty()) {
        windowsFilled++;
        for (; finished < spawned.size(); finished++) {
          driver.done(spawned.get(finished).index(), "accept");
        }
      } else {
        assertThat(pass).hasSizeLessThanOrEqualTo(FanoutState.SPAWNS_PER_DECIDE);
        spawned.addAll(pass);
        assertThat(spawned.size() - finished).isLessThanOrEqualTo(FanoutOptions.DEFAULT_IN_FLIGHT);
      }
      actions = driver.step(BOTH);
    }
    assertThat(windowsFilled).isEqualTo(10_000 / FanoutOptions.DEFAULT_IN_FLIGHT);
    assertThat(spawned).hasSize(10_000);
    assertThat(spawned).extracting(FanoutAction.Spawn::index).doesNotHaveDuplicates();
    assertThat(spawned).filteredOn(s -> s.worker().equals(A)).hasSize(5_000);
    assertThat(JoinStatus.of(driver.state()).spawned()).isEqualTo(10_000);
    FanoutAction.CompleteJoin join = only(actions, FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("accept");
    assertThat(join.totals().accepted()).isEqualTo(10_000);
    assertThat(driver.fanouts.openCount()).isZero();
  }
}
