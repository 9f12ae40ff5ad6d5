package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.Act;
import dev.spl.core.StoredRecord;
import dev.spl.core.worker.AttemptFence;
import dev.spl.core.worker.AttemptStanding;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Straggler hedging in the fold ({@code --hedge-after}): when, where, who wins, what it costs. */
class HedgingTest {
  static final WorkerInfo A = Driver.worker("a", "worker-a", 0);
  static final WorkerInfo B = Driver.worker("b", "worker-b", 0);
  static final WorkerInfo C = Driver.worker("c", "worker-c", 0);
  static final WorkerDirectory ABC = Driver.live(A, B, C);

  static FanoutOptions hedgeAfter(String text) {
    return new FanoutOptions(
        FanoutPolicy.ALL, 0, FanoutOptions.DEFAULT_BACKOFF_MILLIS, 0, null, HedgeAfter.parse(text));
  }

  static SubtaskSpec subtask(String goal, Boolean hedge) {
    return new SubtaskSpec(goal, null, null, null, List.of(), null, null, hedge, null);
  }

  static List<SubtaskSpec> subtasks(int n) {
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      specs.add(subtask("part " + i, null));
    }
    return specs;
  }

  /** A result of {@code attempt} of child {@code index} from {@code worker}, run for runMillis. */
  static void result(
      Driver driver,
      int index,
      int attempt,
      String verdict,
      WorkerInfo worker,
      long runMillis,
      String cost) {
    FanoutState state = driver.state();
    driver.append(
        worker.did(),
        Act.KNOW,
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                attempt,
                state.thread(index),
                worker.did(),
                Verdict.fromWire(verdict),
                new BigDecimal(cost),
                runMillis / 1000.0,
                verdict + " by " + worker.alias(),
                driver.now - runMillis,
                driver.now,
                null)
            .toBody(),
        List.of());
  }

  static List<FanoutAction.Spawn> hedges(List<FanoutAction> actions) {
    return Driver.spawns(actions).stream().filter(FanoutAction.Spawn::hedge).toList();
  }

  static WorkerInfo byDid(String did) {
    return List.of(A, B, C).stream().filter(w -> w.did().equals(did)).findFirst().orElseThrow();
  }

  @Test
  void afterTheGivenSecondsARunningChildStartsOnceMoreOnAnotherWorkerOnlyOnce() {
    Driver driver = new Driver();
    driver.fanOut(subtasks(2), "all", hedgeAfter("30"));
    List<FanoutAction.Spawn> first = Driver.spawns(driver.step(ABC));
    assertThat(first).hasSize(2).noneMatch(FanoutAction.Spawn::hedge);
    String firstWorker = driver.state().worker(0);

    driver.now += 29_999;
    assertThat(hedges(driver.step(ABC))).isEmpty();
    // Fanouts decides the fan-out again when the threshold passes, with no record arriving.
    assertThat(driver.state().wakeAtMillis()).isEqualTo(driver.now + 1);

    driver.now += 1;
    List<FanoutAction.Spawn> hedged = hedges(driver.step(ABC));
    assertThat(hedged).extracting(FanoutAction.Spawn::index).containsExactly(0, 1);
    FanoutAction.Spawn hedge = hedged.get(0);
    assertThat(hedge.attempt()).isEqualTo(2);
    assertThat(hedge.worker().did()).isNotEqualTo(firstWorker);
    assertThat(ChildIntent.fromBody(hedge.childIntent()).attempt()).isEqualTo(2);
    FanoutState state = driver.state();
    assertThat(state.attempt(0)).isEqualTo(2);
    assertThat(state.worker(0)).isEqualTo(hedge.worker().did());
    assertThat(state.hedgedCount()).isEqualTo(2);

    driver.now += 120_000;
    assertThat(hedges(driver.step(ABC))).as("at most one hedge per child").isEmpty();
  }

  @Test
  void neverForASubtaskWithHedgeFalseNorOnTheWorkerItRunsOn() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(subtask("charges a card", false), subtask("pure", null)), "all", hedgeAfter("1"));
    WorkerDirectory onlyA = Driver.live(A);
    driver.step(onlyA);
    driver.now += 5_000;
    assertThat(hedges(driver.step(onlyA))).as("no other worker").isEmpty();
    List<FanoutAction.Spawn> hedged = hedges(driver.step(ABC));
    assertThat(hedged).extracting(FanoutAction.Spawn::index).containsExactly(1);
    assertThat(hedged.get(0).worker().did()).isNotEqualTo(A.did());
  }

  @Test
  void p95WaitsForEnoughAcceptedSiblingsAndThenForTheirP95() {
    Driver driver = new Driver();
    driver.fanOut(subtasks(7), "all", hedgeAfter("p95"));
    driver.step(ABC);
    long spawnedAt = driver.now;
    // Results 1, 2, 3 and 4 s after the spawn: fewer than the 5 the p95 needs.
    for (int i = 0; i < 4; i++) {
      driver.now = spawnedAt + (i + 1) * 1000L;
      result(driver, i, 1, "accept", byDid(driver.state().worker(i)), 100, "0");
    }
    assertThat(driver.state().hedgeP95Millis()).isEqualTo(-1);
    assertThat(hedges(driver.step(ABC))).isEmpty();
    driver.now = spawnedAt + 20_000;
    result(driver, 4, 1, "accept", byDid(driver.state().worker(4)), 100, "0");
    // 1, 2, 3, 4 and 20 s from spawn to result: the p95 by nearest rank is the 5th, 20 s.
    assertThat(driver.state().hedgeP95Millis()).isEqualTo(20_000);
    assertThat(hedges(driver.step(ABC)))
        .extracting(FanoutAction.Spawn::index)
        .containsExactly(5, 6);
  }

  @Test
  void p95DoesNotHedgeAChildThatHasRunLessThanIt() {
    Driver driver = new Driver();
    List<SubtaskSpec> specs = new ArrayList<>(subtasks(5));
    specs.add(new SubtaskSpec("after 0", null, null, null, List.of(0), null, null, null, null));
    driver.fanOut(specs, "all", hedgeAfter("p95"));
    driver.step(ABC);
    long spawnedAt = driver.now;
    driver.now = spawnedAt + 1_000;
    result(driver, 0, 1, "accept", byDid(driver.state().worker(0)), 100, "0");
    driver.step(ABC); // child 5 spawns now, 1 s after the others
    for (int i = 1; i < 5; i++) {
      driver.now = spawnedAt + 5_000;
      result(driver, i, 1, "accept", byDid(driver.state().worker(i)), 100, "0");
    }
    assertThat(driver.state().hedgeP95Millis()).isEqualTo(5_000);
    assertThat(hedges(driver.step(ABC))).as("child 5 has run 4 s").isEmpty();
    driver.now = spawnedAt + 6_000;
    assertThat(hedges(driver.step(ABC))).extracting(FanoutAction.Spawn::index).containsExactly(5);
  }

  /** Child 0 of a two-child fan-out hedged after 10 s; child 1 accepted. */
  static Driver hedgedChild() {
    Driver driver = new Driver();
    driver.fanOut(subtasks(2), "all", hedgeAfter("10"));
    driver.step(ABC);
    result(driver, 1, 1, "accept", byDid(driver.state().worker(1)), 500, "0.10");
    driver.now += 10_000;
    assertThat(hedges(driver.step(ABC))).hasSize(1);
    return driver;
  }

  @Test
  void theHedgeAcceptsFirstItWinsTheFirstAttemptIsCancelledAndBothCostsAreSpent() {
    Driver driver = hedgedChild();
    FanoutState state = driver.state();
    WorkerInfo origin =
        byDid(
            driver.log.stream()
                .map(StoredRecord::record)
                .filter(r -> r.body().path("topic").asText().equals(FanoutRecords.SPAWNED))
                .findFirst()
                .orElseThrow()
                .body()
                .path("spawns")
                .get(0)
                .path("worker")
                .asText());
    WorkerInfo hedger = byDid(state.worker(0));
    assertThat(hedger).isNotEqualTo(origin);
    // Both attempts are current while neither decided.
    assertThat(AttemptFence.standing(state, 0, 1, origin.did(), true))
        .isEqualTo(AttemptStanding.CURRENT);
    assertThat(AttemptFence.standing(state, 0, 2, hedger.did(), true))
        .isEqualTo(AttemptStanding.CURRENT);
    assertThat(AttemptFence.standing(state, 0, 1, hedger.did(), true))
        .isEqualTo(AttemptStanding.SUPERSEDED);

    result(driver, 0, 2, "accept", hedger, 800, "0.30");
    assertThat(driver.state().verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(AttemptFence.standing(driver.state(), 0, 1, origin.did(), true))
        .isEqualTo(AttemptStanding.SUPERSEDED);
    List<FanoutAction> actions = driver.step(ABC);
    List<FanoutAction.Cancel> cancels = Driver.only(actions, FanoutAction.Cancel.class);
    assertThat(cancels).hasSize(1);
    assertThat(cancels.get(0).reason()).isEqualTo(FanoutRecords.CANCEL_HEDGE_LOST);
    assertThat(cancels.get(0).children())
        .containsExactly(
            new FanoutAction.CancelledChild(0, 1, driver.state().thread(0), origin.did()));
    // The cancelled first attempt reports what it spent before it stopped.
    result(driver, 0, 1, "cancelled", origin, 10_000, "0.40");
    state = driver.state();
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(state.costUsd(0)).isEqualByComparingTo("0.30");
    assertThat(state.spentUsd()).isEqualByComparingTo("0.80");
    assertThat(state.completedCount()).isEqualTo(2);
    assertThat(state.counters().accepted()).isEqualTo(2);

    FanoutAction.CompleteJoin join =
        Driver.only(driver.step(ABC), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(join.totals().hedged()).isEqualTo(1);
    assertThat(join.totals().spentUsd()).isEqualByComparingTo("0.80");
    assertThat(join.fanin().succeeded()).isEqualTo(2);
  }

  @Test
  void theFirstAttemptAcceptsFirstItWinsAndTheHedgeIsCancelled() {
    Driver driver = hedgedChild();
    WorkerInfo hedger = byDid(driver.state().worker(0));
    int originAttempt = 1;
    WorkerInfo origin =
        List.of(A, B, C).stream()
            .filter(w -> driver.state().runsBesideItsHedge(0, originAttempt, w.did()))
            .findFirst()
            .orElseThrow();
    result(driver, 0, 1, "accept", origin, 11_000, "0.20");
    FanoutState state = driver.state();
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(state.worker(0)).isEqualTo(origin.did());
    List<FanoutAction.Cancel> cancels = Driver.only(driver.step(ABC), FanoutAction.Cancel.class);
    assertThat(cancels.get(0).reason()).isEqualTo(FanoutRecords.CANCEL_HEDGE_LOST);
    assertThat(cancels.get(0).children())
        .containsExactly(new FanoutAction.CancelledChild(0, 2, state.thread(0), hedger.did()));
  }

  @Test
  void aRejectOfOneAttemptWaitsForTheOtherAndALateAcceptStillWins() {
    Driver driver = hedgedChild();
    WorkerInfo hedger = byDid(driver.state().worker(0));
    WorkerInfo origin =
        List.of(A, B, C).stream()
            .filter(w -> driver.state().runsBesideItsHedge(0, 1, w.did()))
            .findFirst()
            .orElseThrow();
    result(driver, 0, 2, "reject", hedger, 300, "0.05");
    FanoutState state = driver.state();
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    assertThat(state.worker(0))
        .as("the child runs on its first worker again")
        .isEqualTo(origin.did());
    assertThat(driver.step(ABC)).noneMatch(FanoutAction.CompleteJoin.class::isInstance);

    result(driver, 0, 1, "accept", origin, 12_000, "0.20");
    state = driver.state();
    assertThat(state.verdict(0)).isEqualTo(Verdict.ACCEPT);
    assertThat(state.spentUsd()).isEqualByComparingTo("0.35");
    List<FanoutAction> actions = driver.step(ABC);
    assertThat(Driver.only(actions, FanoutAction.Cancel.class)).isEmpty();
    assertThat(Driver.only(actions, FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo(JoinComplete.ACCEPT);
  }

  @Test
  void whenBothAttemptsFailTheOneThatEndedLastGivesTheVerdict() {
    Driver driver = hedgedChild();
    WorkerInfo hedger = byDid(driver.state().worker(0));
    result(driver, 0, 1, "timeout", byDid(otherThan(driver, hedger)), 12_000, "0");
    assertThat(driver.state().childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    result(driver, 0, 2, "reject", hedger, 2_000, "0");
    assertThat(driver.state().verdict(0)).isEqualTo(Verdict.REJECT);
    assertThat(Driver.only(driver.step(ABC), FanoutAction.Cancel.class)).isEmpty();
  }

  private static String otherThan(Driver driver, WorkerInfo hedger) {
    for (WorkerInfo w : List.of(A, B, C)) {
      if (driver.state().runsBesideItsHedge(0, 1, w.did())) {
        return w.did();
      }
    }
    throw new AssertionError("no first attempt beside the hedge of " + hedger.alias());
  }

  @Test
  void aReplayOfTheLogMakesTheSameDecisions() {
    Driver driver = hedgedChild();
    WorkerInfo hedger = byDid(driver.state().worker(0));
    result(driver, 0, 2, "accept", hedger, 800, "0.30");
    Fanouts replayed = new Fanouts(JoinCompiler.BUILT_IN_ONLY);
    driver.log.forEach(replayed::apply);
    FanoutState again = replayed.get(driver.fanoutId).orElseThrow();
    assertThat(again.attempt(0)).isEqualTo(2);
    assertThat(again.hedgedCount()).isEqualTo(1);
    assertThat(again.spentUsd()).isEqualByComparingTo(driver.state().spentUsd());
    assertThat(again.decide(driver.now, ABC, SpawnPolicy.ALLOW_ALL))
        .isEqualTo(driver.state().decide(driver.now, ABC, SpawnPolicy.ALLOW_ALL));
  }

  @Test
  void aHedgeOfAChildIsAppliedOnceAndOnlyWithHedging() {
    Driver driver = hedgedChild();
    // Applying the same hedge spawn again changes nothing.
    StoredRecord hedgeSpawn =
        driver.log.stream()
            .filter(r -> r.record().body().path("spawns").path(0).path("hedge").asBoolean())
            .findFirst()
            .orElseThrow();
    int ignored = driver.state().ignoredRecords();
    assertThat(driver.state().apply(hedgeSpawn)).isFalse();
    assertThat(driver.state().ignoredRecords()).isEqualTo(ignored + 1);

    Driver plain = new Driver();
    plain.fanOut(subtasks(1), "all");
    plain.step(ABC);
    var entry =
        new Spawned.Entry(0, 2, plain.state().thread(0), C.did(), "specific:" + C.did(), true, 0);
    plain.append(
        Driver.COORDINATOR,
        Act.DO,
        new Spawned("docs", plain.fanoutId, List.of(entry)).toBody(),
        List.of());
    assertThat(plain.state().attempt(0)).isEqualTo(1);
    assertThat(plain.state().hedgedCount()).isZero();
  }

  @Test
  void badHedgeAfterIsRefused() {
    assertThatThrownBy(() -> HedgeAfter.parse("p99"))
        .hasMessage("--hedge-after: expected p95 or a number of seconds above 0 but found 'p99'");
    assertThatThrownBy(() -> HedgeAfter.parse("0"))
        .hasMessageStartingWith("--hedge-after: expected p95 or a number of seconds above 0");
    assertThatThrownBy(() -> HedgeAfter.parse("-3"))
        .hasMessageStartingWith("--hedge-after: expected p95 or a number of seconds above 0");
    assertThat(HedgeAfter.parse("2.5").millis()).isEqualTo(2500);
    assertThatThrownBy(
            () -> new FanoutOptions(FanoutPolicy.ALL, 0, 1000, 1, null, HedgeAfter.AT_P95))
        .hasMessageContaining("--max-concurrency 1");
    assertThatThrownBy(() -> SubtaskParser.parseCli(3, "goal=x,hedge=maybe"))
        .hasMessage("subtask 3: hedge: expected true or false but found 'maybe'");
    assertThat(SubtaskParser.parseCli(0, "goal=x,hedge=false").hedge()).isFalse();
  }

  @Test
  void theParentKeepsHedgeAfterAndTheSubtaskKeepsHedge() {
    FanoutParent parent =
        new FanoutParent("docs", "all", 1, List.of("c"), 3, null, 0, null, hedgeAfter("p95"));
    assertThat(parent.toBody().path("hedge_after").asText()).isEqualTo("p95");
    assertThat(FanoutParent.fromBody(parent.toBody()).options().hedgeAfter())
        .isEqualTo(HedgeAfter.AT_P95);
    FanoutParent seconds =
        new FanoutParent("docs", "all", 1, List.of("c"), 3, null, 0, null, hedgeAfter("7.5"));
    assertThat(FanoutParent.fromBody(seconds.toBody()).options().hedgeAfter().millis())
        .isEqualTo(7500);
    assertThat(subtask("x", false).toJson().path("hedge").asBoolean(true)).isFalse();
  }
}
