package dev.spl.core.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fanout.ChildCancel;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.ChildResult;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.core.fanout.Verdict;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The worker's fold: records in, actions out, time and control passed in. */
class WorkerFoldTest {
  private static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  private static final String WORKER = "did:sync:instance:000000000000000a";
  private static final String FANOUT = "f".repeat(64);
  private static final long T0 = 1_700_000_000_000L;

  private final WorkerFold fold = new WorkerFold();
  private final List<StoredRecord> log = new ArrayList<>();
  private ControlSnapshot control = ControlSnapshot.EMPTY;
  private long now = T0;

  /** The permission check as the daemon makes it: a frozen namespace refuses child INTENDs. */
  private final SpawnPolicy policy =
      intent ->
          control.freezes().containsKey(intent.body().path("namespace").asText())
              ? Optional.of("namespace is frozen")
              : Optional.empty();

  private static String thread(int index) {
    return ThreadIds.derive(FANOUT, String.valueOf(index), "goal " + index);
  }

  private static String key(int index, int attempt) {
    return ChildIntent.attemptKey(thread(index), attempt);
  }

  private StoredRecord store(Record record) {
    StoredRecord stored = new StoredRecord(record.id(), record, log.size() + 1, now);
    log.add(stored);
    return stored;
  }

  private StoredRecord intent(int index, int attempt, String namespace, long clock) {
    ChildIntent body =
        new ChildIntent(
            namespace,
            FANOUT,
            ThreadIds.derive("parent"),
            "http://127.0.0.1:9100",
            WORKER,
            index,
            attempt,
            "goal " + index,
            null,
            null,
            null,
            List.of(),
            null);
    return store(
        new Record(thread(index), COORDINATOR, Act.INTEND, body.toBody(), clock, List.of()));
  }

  private StoredRecord intent(int index, int attempt, String namespace) {
    return intent(index, attempt, namespace, attempt);
  }

  private StoredRecord cancel(int index, int attempt) {
    ObjectNode body = new ChildCancel("docs", FANOUT, index, attempt, "join_satisfied").toBody();
    return store(new Record(thread(index), COORDINATOR, Act.LEARN, body, 100 + attempt, List.of()));
  }

  private StoredRecord result(StoredRecord intent, int attempt) {
    ObjectNode body =
        new ChildResult(
                "docs", intent.id(), attempt, Verdict.ACCEPT, BigDecimal.ZERO, 0, "ok", null, null)
            .toBody();
    return store(
        new Record(
            intent.record().thread(), WORKER, Act.KNOW, body, 200 + attempt, List.of(intent.id())));
  }

  private List<WorkerAction> decide(int freeSlots) {
    return decideConfirmingAll(fold, now, control, policy, freeSlots);
  }

  /**
   * Decides as the runtime does when the coordinator answers {@code current} for every attempt
   * asked about: the Confirm actions are answered at once and left out of what is returned.
   */
  static List<WorkerAction> decideConfirmingAll(
      WorkerFold fold, long now, ControlSnapshot control, SpawnPolicy policy, int freeSlots) {
    List<WorkerAction> decided = new ArrayList<>();
    int slots = freeSlots;
    while (true) {
      boolean asked = false;
      for (WorkerAction action : fold.decide(now, control, policy, slots)) {
        if (action instanceof WorkerAction.Confirm) {
          fold.answer(action.key(), AttemptStanding.CURRENT, now);
          asked = true;
        } else {
          decided.add(action);
          if (action instanceof WorkerAction.Start) {
            slots--;
          }
        }
      }
      if (!asked) {
        return decided;
      }
    }
  }

  private static List<String> started(List<WorkerAction> actions) {
    return actions.stream()
        .filter(WorkerAction.Start.class::isInstance)
        .map(WorkerAction::key)
        .toList();
  }

  private void hardFreeze(String namespace, long issuedAt, long graceSecs) {
    Freeze freeze =
        new Freeze(namespace, FreezeLevel.HARD, graceSecs, "stop", "did:sync:user:op", issuedAt);
    control =
        new ControlSnapshot(
            Map.of(namespace, freeze), Map.of(namespace, "hard"), EmergencyStop.NEVER_ISSUED, 1);
  }

  @Test
  void startsWaitingAttemptsInArrivalOrderIntoFreeSlotsOnly() {
    fold.apply(intent(0, 1, "docs"));
    fold.apply(intent(1, 1, "docs"));
    fold.apply(intent(2, 1, "docs"));

    List<WorkerAction> first = decide(2);
    assertThat(started(first)).containsExactly(key(0, 1), key(1, 1));
    WorkerAction.Start start = (WorkerAction.Start) first.get(0);
    assertThat(start.childThread()).isEqualTo(thread(0));
    assertThat(start.intendId()).isEqualTo(log.get(0).id());
    assertThat(start.intent().goal()).isEqualTo("goal 0");
    assertThat(fold.waitingCount()).isEqualTo(1);
    assertThat(decide(0)).isEmpty();
    assertThat(started(decide(1))).containsExactly(key(2, 1));
    assertThat(decide(4)).isEmpty();
    assertThat(fold.runningCount()).isEqualTo(3);
  }

  /** An attempt of fan-out {@code parent} that may run only while fewer than {@code limit} do. */
  private StoredRecord limitedIntent(int index, String parent, int limit) {
    ChildIntent body =
        new ChildIntent(
                "docs",
                FANOUT,
                ThreadIds.derive(parent),
                "http://127.0.0.1:9100",
                WORKER,
                index,
                1,
                "goal " + index,
                null,
                null,
                null,
                List.of(),
                null)
            .withMaxRunning(limit);
    return store(new Record(thread(index), COORDINATOR, Act.INTEND, body.toBody(), 1, List.of()));
  }

  @Test
  void anAttemptWithALimitWaitsWhileThatManyOfItsFanoutRunHereAndOthersPassIt() {
    StoredRecord first = limitedIntent(0, "limited", 2);
    fold.apply(first);
    fold.apply(limitedIntent(1, "limited", 2));
    fold.apply(limitedIntent(2, "limited", 2));
    // Another fan-out's attempts count on their own, and one without a limit is never held.
    fold.apply(limitedIntent(3, "other", 1));
    fold.apply(intent(4, 1, "docs"));

    assertThat(started(decide(10))).containsExactly(key(0, 1), key(1, 1), key(3, 1), key(4, 1));
    assertThat(fold.waitingCount()).isEqualTo(1);
    assertThat(decide(10)).isEmpty();
    // One of the fan-out's two finishes: the third starts in its place.
    assertThat(fold.apply(result(first, 1))).isTrue();
    assertThat(fold.runningCount()).isEqualTo(3);
    assertThat(started(decide(10))).containsExactly(key(2, 1));
    assertThat(fold.runningCount()).isEqualTo(4);
  }

  @Test
  void anAttemptWhoseRunEndedStopsCountingAgainstTheLimitBeforeItsResultIsStored() {
    StoredRecord first = limitedIntent(0, "limited", 1);
    fold.apply(first);
    fold.apply(limitedIntent(1, "limited", 1));
    assertThat(started(decide(10))).containsExactly(key(0, 1));
    assertThat(fold.runEnded(key(0, 1))).isTrue();
    assertThat(fold.runEnded(key(0, 1))).isFalse();
    assertThat(started(decide(10))).containsExactly(key(1, 1));
    // Its result, stored later, does not free the place a second time.
    fold.apply(limitedIntent(2, "limited", 1));
    fold.apply(result(first, 1));
    assertThat(decide(10)).isEmpty();
    assertThat(fold.runningCount()).isEqualTo(1);
  }

  @Test
  void aCappedFanoutsQueueTakesNoPlaceInTheWindowOnceConfirmed() {
    int queued = WorkerFold.CONFIRM_WINDOW + 44;
    for (int i = 0; i < queued; i++) {
      fold.apply(limitedIntent(i, "capped", 1));
    }
    // Another fan-out's attempt arrives behind more than a window of the capped one's.
    fold.apply(limitedIntent(queued, "other", 1));
    assertThat(started(decide(10))).containsExactly(key(0, 1), key(queued, 1));
  }

  @Test
  void aLimitCountsEveryRunningAttemptOfItsFanoutWhateverLimitTheyCarried() {
    fold.apply(limitedIntent(0, "parent", 3));
    fold.apply(limitedIntent(1, "parent", 3));
    fold.apply(limitedIntent(2, "parent", 1));
    fold.apply(limitedIntent(3, "parent", 3));
    // Two run when the one with limit 1 comes up: it waits; the one behind it, limit 3, starts.
    assertThat(started(decide(10))).containsExactly(key(0, 1), key(1, 1), key(3, 1));
    assertThat(fold.waitingCount()).isEqualTo(1);
  }

  @Test
  void aDuplicateIntendStartsOnce() {
    StoredRecord intent = intent(0, 1, "docs");
    assertThat(fold.apply(intent)).isTrue();
    assertThat(fold.apply(intent)).isFalse();
    // The same attempt sent again as another record (another clock): still one attempt.
    assertThat(fold.apply(intent(0, 1, "docs", 99))).isFalse();
    assertThat(started(decide(4))).containsExactly(key(0, 1));
    assertThat(fold.apply(intent)).isFalse();
    assertThat(decide(4)).isEmpty();
  }

  @Test
  void aResultStoredThenAReSentIntendNeverRunsAgain() {
    StoredRecord intent = intent(0, 1, "docs");
    fold.apply(intent);
    assertThat(started(decide(4))).containsExactly(key(0, 1));
    fold.apply(result(intent, 1));
    assertThat(fold.finished(key(0, 1))).isTrue();
    assertThat(fold.runningCount()).isZero();

    assertThat(fold.apply(intent(0, 1, "docs", 42))).isFalse();
    assertThat(decide(4)).isEmpty();
    // The next attempt of the same child is another attempt.
    fold.apply(intent(0, 2, "docs"));
    assertThat(started(decide(4))).containsExactly(key(0, 2));
  }

  @Test
  void aCancelBeforeTheIntendIsReportedCancelledWithoutRunning() {
    fold.apply(cancel(0, 1));
    assertThat(decide(4)).isEmpty();
    StoredRecord intent = intent(0, 1, "docs");
    fold.apply(intent);

    List<WorkerAction> actions = decide(4);
    assertThat(actions)
        .containsExactly(
            new WorkerAction.ReportCancelled(
                key(0, 1),
                thread(0),
                intent.id(),
                ChildIntent.fromBody(intent.record().body()),
                "join_satisfied"));
    assertThat(decide(4)).isEmpty();
    fold.apply(result(intent, 1));
    assertThat(decide(4)).isEmpty();
    assertThat(fold.finished(key(0, 1))).isTrue();
  }

  @Test
  void aCancelOfAWaitingAttemptReportsItAndOfARunningOneStopsIt() {
    fold.apply(intent(0, 1, "docs"));
    fold.apply(intent(1, 1, "docs"));
    assertThat(started(decide(1))).containsExactly(key(0, 1));

    fold.apply(cancel(1, 1));
    fold.apply(cancel(0, 1));
    List<WorkerAction> actions = decide(4);
    assertThat(actions).hasSize(2);
    assertThat(actions.get(0)).isInstanceOf(WorkerAction.ReportCancelled.class);
    assertThat(actions.get(0).key()).isEqualTo(key(1, 1));
    assertThat(actions.get(1)).isEqualTo(new WorkerAction.Stop(key(0, 1), "join_satisfied", null));
    assertThat(fold.interruptionOf(key(0, 1), Verdict.CANCELLED)).isNull();
    // A cancel sent again changes nothing.
    assertThat(fold.apply(cancel(0, 1))).isFalse();
    assertThat(decide(4)).isEmpty();
  }

  @Test
  void aCancelAfterTheResultChangesNothing() {
    StoredRecord intent = intent(0, 1, "docs");
    fold.apply(intent);
    decide(4);
    fold.apply(result(intent, 1));

    assertThat(fold.apply(cancel(0, 1))).isFalse();
    assertThat(decide(4)).isEmpty();
    // A cancel of an attempt whose result arrived before its INTEND: also nothing.
    StoredRecord other = intent(1, 1, "docs");
    WorkerFold replayed = new WorkerFold();
    replayed.apply(result(other, 1));
    replayed.apply(cancel(1, 1));
    replayed.apply(other);
    assertThat(decideConfirmingAll(replayed, now, control, policy, 4)).isEmpty();
  }

  @Test
  void aHardFreezePastItsGraceStopsRunningAttemptsOfItsNamespaceOnly() {
    fold.apply(intent(0, 1, "docs"));
    fold.apply(intent(1, 1, "other"));
    fold.apply(intent(2, 1, "docs"));
    assertThat(started(decide(2))).containsExactly(key(0, 1), key(1, 1));

    hardFreeze("docs", T0, 30);
    now = T0 + 29_999;
    assertThat(decide(0)).isEmpty();
    now = T0 + 30_000;
    List<WorkerAction> actions = decide(0);
    assertThat(actions)
        .containsExactly(new WorkerAction.Stop(key(0, 1), "hard freeze of 'docs'", "hard_freeze"));
    assertThat(decide(0)).isEmpty();
    assertThat(fold.interruptionOf(key(0, 1), Verdict.CANCELLED)).isEqualTo("hard_freeze");
    // One that finished on its own just before the stop keeps its verdict.
    assertThat(fold.interruptionOf(key(0, 1), Verdict.ACCEPT)).isNull();
    assertThat(fold.interruptionOf(key(1, 1), Verdict.CANCELLED)).isNull();
    // The waiting one of the frozen namespace is held, not stopped, even with a slot free.
    assertThat(decide(2)).isEmpty();
    assertThat(fold.waitingCount()).isEqualTo(1);
  }

  @Test
  void anUnfreezeReleasesHeldAttemptsWhileOthersRunMeanwhile() {
    control =
        new ControlSnapshot(
            Map.of(
                "docs", new Freeze("docs", FreezeLevel.SOFT, 60, "pause", "did:sync:user:op", 0)),
            Map.of("docs", "soft"),
            EmergencyStop.NEVER_ISSUED,
            1);
    fold.apply(intent(0, 1, "docs"));
    fold.apply(intent(1, 1, "other"));

    assertThat(started(decide(4))).containsExactly(key(1, 1));
    assertThat(decide(4)).isEmpty();
    assertThat(fold.waitingCount()).isEqualTo(1);

    control = ControlSnapshot.EMPTY;
    assertThat(started(decide(4))).containsExactly(key(0, 1));
    assertThat(fold.waitingCount()).isZero();
  }

  @Test
  void theSpawnPolicyIsAskedAboutTheIntendAsReceived() {
    List<String> goals = new ArrayList<>();
    SpawnPolicy refusesGoalOne =
        intent -> {
          goals.add(intent.body().path("goal").asText());
          assertThat(intent.act()).isEqualTo(Act.INTEND);
          return intent.body().path("index").asInt() == 1
              ? Optional.of("refused by rule")
              : Optional.empty();
        };
    fold.apply(intent(1, 1, "docs"));
    fold.apply(intent(2, 1, "docs"));

    List<WorkerAction> actions = decideConfirmingAll(fold, now, control, refusesGoalOne, 1);

    assertThat(started(actions)).containsExactly(key(2, 1));
    assertThat(goals).containsOnly("goal 1", "goal 2");
  }

  @Test
  void replayAfterARestartStartsOnlyAttemptsWithoutAResult() {
    StoredRecord done = intent(0, 1, "docs");
    StoredRecord open = intent(1, 1, "docs");
    StoredRecord cancelled = intent(2, 1, "docs");
    List<StoredRecord> stored = new ArrayList<>(List.of(done, open, cancelled));
    stored.add(result(done, 1));
    stored.add(cancel(2, 1));
    stored.add(intent(0, 1, "docs", 77));

    // Replay reads results, cancels and INTENDs by topic: any order gives the same decisions.
    WorkerFold restarted = new WorkerFold();
    for (int i = stored.size() - 1; i >= 0; i--) {
      restarted.apply(stored.get(i));
    }
    List<WorkerAction> actions = decideConfirmingAll(restarted, now, control, policy, 4);
    assertThat(started(actions)).containsExactly(key(1, 1));
    assertThat(actions)
        .filteredOn(WorkerAction.ReportCancelled.class::isInstance)
        .extracting(WorkerAction::key)
        .containsExactly(key(2, 1));
  }

  @Test
  void aMalformedIntendIsSkippedAndNamed() {
    ObjectNode body = (ObjectNode) intent(0, 1, "docs").record().body().deepCopy();
    body.remove("attempt");
    StoredRecord broken = store(new Record(thread(0), COORDINATOR, Act.INTEND, body, 9, List.of()));

    assertThat(fold.apply(broken)).isFalse();
    assertThat(decide(4)).isEmpty();
    assertThat(fold.skippedRecords())
        .containsExactly(
            broken.id()
                + ": body.attempt: expected a whole number >= 1 but found nothing (the field is"
                + " missing)");
  }

  @Test
  void controlAndRuleRecordsAskForANewDecision() {
    Record freeze =
        new Freeze("docs", FreezeLevel.SOFT, 60, "pause", "did:sync:user:op", 0)
            .toRecord("did:sync:user:op", 1);
    assertThat(fold.apply(store(freeze))).isTrue();
  }

  private static List<String> asked(List<WorkerAction> actions) {
    return actions.stream()
        .filter(WorkerAction.Confirm.class::isInstance)
        .map(WorkerAction::key)
        .toList();
  }

  @Test
  void anAttemptStartsOnlyOnceTheCoordinatorSaysItIsCurrentAndIsAskedAboutOnce() {
    fold.apply(intent(0, 1, "docs"));

    List<WorkerAction> first = fold.decide(now, control, policy, 4);
    assertThat(asked(first)).containsExactly(key(0, 1));
    assertThat(started(first)).isEmpty();
    assertThat(fold.decide(now, control, policy, 4)).as("asked once, not started").isEmpty();

    assertThat(fold.answer(key(0, 1), AttemptStanding.CURRENT, now)).isTrue();
    assertThat(started(fold.decide(now, control, policy, 4))).containsExactly(key(0, 1));
  }

  @Test
  void aSupersededOrDoneAttemptIsDroppedForGoodAndNeverRunsEvenIfSentAgain() {
    StoredRecord superseded = intent(0, 1, "docs");
    StoredRecord done = intent(1, 1, "docs");
    fold.apply(superseded);
    fold.apply(done);
    assertThat(asked(fold.decide(now, control, policy, 4))).containsExactly(key(0, 1), key(1, 1));

    fold.answer(key(0, 1), AttemptStanding.SUPERSEDED, now);
    fold.answer(key(1, 1), AttemptStanding.DONE, now);

    assertThat(fold.decide(now, control, policy, 4)).isEmpty();
    assertThat(fold.waitingCount()).isZero();
    assertThat(fold.droppedCount()).isEqualTo(2);
    assertThat(fold.apply(superseded)).as("the INTEND delivered again").isFalse();
    assertThat(fold.decide(now, control, policy, 4)).isEmpty();
    assertThat(fold.dropped(key(0, 1))).isTrue();
    assertThat(fold.finished(key(0, 1))).as("no result is written for it").isFalse();
  }

  @Test
  void aCancelOfADroppedAttemptIsAnsweredWithOneCancelledResultAndNeverAStart() {
    fold.apply(intent(0, 1, "docs"));
    assertThat(asked(fold.decide(now, control, policy, 4))).containsExactly(key(0, 1));
    fold.answer(key(0, 1), AttemptStanding.DONE, now);
    assertThat(fold.decide(now, control, policy, 4)).isEmpty();

    assertThat(fold.apply(cancel(0, 1))).isTrue();
    List<WorkerAction> actions = fold.decide(now, control, policy, 4);
    assertThat(actions)
        .singleElement()
        .isInstanceOfSatisfying(
            WorkerAction.ReportCancelled.class,
            reported -> assertThat(reported.key()).isEqualTo(key(0, 1)));
    assertThat(fold.apply(cancel(0, 1))).as("the cancel delivered again").isFalse();
    assertThat(fold.decide(now, control, policy, 4)).isEmpty();
    assertThat(started(fold.decide(now, control, policy, 4))).isEmpty();
  }

  @Test
  void anAttemptWhoseConfirmationIsTooOldWhenASlotFreesIsAskedAboutAgainAndNeverStartsOnIt() {
    for (int i = 0; i < 3; i++) {
      fold.apply(intent(i, 1, "docs"));
    }
    assertThat(asked(fold.decide(now, control, policy, 1))).hasSize(3);
    for (int i = 0; i < 3; i++) {
      fold.answer(key(i, 1), AttemptStanding.CURRENT, now);
    }
    assertThat(started(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));

    // A slot frees after the confirmations aged: the next attempt is asked about again, holding
    // the free slot, and the one behind it is asked about again ahead of its slot.
    now += WorkerFold.CONFIRMATION_MAX_AGE_MILLIS + 1;
    List<WorkerAction> stale = fold.decide(now, control, policy, 1);
    assertThat(started(stale)).isEmpty();
    assertThat(asked(stale)).containsExactly(key(1, 1), key(2, 1));
    assertThat(fold.decide(now, control, policy, 1)).isEmpty();

    // Meanwhile the coordinator completed child 1: it never runs here. Child 2 is too old to
    // start on its first confirmation, so it takes the slot only on the answer asked for.
    fold.answer(key(1, 1), AttemptStanding.DONE, now);
    assertThat(fold.dropped(key(1, 1))).isTrue();
    assertThat(fold.decide(now, control, policy, 1)).isEmpty();
    fold.answer(key(2, 1), AttemptStanding.CURRENT, now);
    assertThat(started(fold.decide(now, control, policy, 1))).containsExactly(key(2, 1));
  }

  @Test
  void aConfirmationWithinItsAgeStartsItsAttemptWithoutAskingAgain() {
    fold.apply(intent(0, 1, "docs"));
    fold.decide(now, control, policy, 0);
    fold.answer(key(0, 1), AttemptStanding.CURRENT, now);

    now += WorkerFold.CONFIRMATION_MAX_AGE_MILLIS;
    List<WorkerAction> actions = fold.decide(now, control, policy, 1);
    assertThat(asked(actions)).isEmpty();
    assertThat(started(actions)).containsExactly(key(0, 1));
  }

  @Test
  void aStaleConfirmationAskedAgainThatGetsNoAnswerStartsOnTheEarlierConfirmation() {
    fold.apply(intent(0, 1, "docs"));
    fold.decide(now, control, policy, 0);
    fold.answer(key(0, 1), AttemptStanding.CURRENT, now);
    now += WorkerFold.CONFIRMATION_MAX_AGE_MILLIS + 1;
    assertThat(asked(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));

    // The coordinator is unreachable: a worker cut off from it keeps working through what it was
    // confirmed.
    fold.unanswered(key(0, 1), now);
    assertThat(started(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));
  }

  @Test
  void anAttemptNeverConfirmedThatGetsNoAnswerWaitsAndIsAskedAfterThePause() {
    fold.apply(intent(0, 1, "docs"));
    assertThat(asked(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));

    fold.unanswered(key(0, 1), now);
    assertThat(fold.decide(now, control, policy, 1)).isEmpty();
    now += WorkerFold.ASK_AGAIN_MILLIS;
    assertThat(asked(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));
  }

  @Test
  void notYetAndNoAnswerAskAgainOnlyAfterAPause() {
    fold.apply(intent(0, 1, "docs"));
    fold.apply(intent(1, 1, "docs"));
    fold.decide(now, control, policy, 4);

    fold.answer(key(0, 1), AttemptStanding.NOT_YET, now);
    fold.unanswered(key(1, 1), now);

    assertThat(fold.decide(now + WorkerFold.ASK_AGAIN_MILLIS - 1, control, policy, 4)).isEmpty();
    assertThat(asked(fold.decide(now + WorkerFold.ASK_AGAIN_MILLIS, control, policy, 4)))
        .containsExactly(key(0, 1), key(1, 1));
  }

  @Test
  void anUnknownFanoutFencesNothing() {
    fold.apply(intent(0, 1, "docs"));
    fold.decide(now, control, policy, 4);

    fold.answer(key(0, 1), AttemptStanding.UNKNOWN, now);

    assertThat(started(fold.decide(now, control, policy, 4))).containsExactly(key(0, 1));
  }

  @Test
  void aCancelWhileAskingReportsCancelledAndTheLateAnswerChangesNothing() {
    fold.apply(intent(0, 1, "docs"));
    fold.decide(now, control, policy, 4);
    fold.apply(cancel(0, 1));

    List<WorkerAction> actions = fold.decide(now, control, policy, 4);
    assertThat(actions).hasSize(1).first().isInstanceOf(WorkerAction.ReportCancelled.class);
    assertThat(fold.answer(key(0, 1), AttemptStanding.CURRENT, now)).isFalse();
    assertThat(fold.decide(now, control, policy, 4)).isEmpty();
  }

  @Test
  void onlyTheFirstAttemptsOfTheQueueAreAskedAboutAheadOfFreeSlots() {
    int many = WorkerFold.CONFIRM_WINDOW + 10;
    for (int i = 0; i < many; i++) {
      fold.apply(intent(i, 1, "docs"));
    }

    List<WorkerAction> first = fold.decide(now, control, policy, 1);
    assertThat(asked(first)).hasSize(WorkerFold.CONFIRM_WINDOW).startsWith(key(0, 1));
    for (String asked : asked(first)) {
      fold.answer(asked, AttemptStanding.CURRENT, now);
    }
    List<WorkerAction> next = fold.decide(now, control, policy, 1);
    assertThat(started(next)).containsExactly(key(0, 1));
    assertThat(asked(next)).as("the window still holds the one just started").isEmpty();
    assertThat(asked(fold.decide(now, control, policy, 0)))
        .as("one attempt entered the window; most of the window is still confirmed ahead")
        .isEmpty();
  }

  @Test
  void aLongQueueIsAskedAboutInBatchesNotOneRequestPerStart() {
    int many = WorkerFold.CONFIRM_WINDOW + 2 * WorkerFold.CONFIRM_BATCH;
    for (int i = 0; i < many; i++) {
      fold.apply(intent(i, 1, "docs"));
    }
    for (String asked : asked(fold.decide(now, control, policy, 0))) {
      fold.answer(asked, AttemptStanding.CURRENT, now);
    }

    List<String> askedLater = new ArrayList<>();
    List<String> startedLater = new ArrayList<>();
    // Each start lets one more attempt into the window; they are asked about once a batch of them
    // is ready, while the rest of the window is still confirmed ahead.
    for (int i = 0; i <= WorkerFold.CONFIRM_BATCH; i++) {
      List<WorkerAction> actions = fold.decide(now, control, policy, 1);
      startedLater.addAll(started(actions));
      if (i < WorkerFold.CONFIRM_BATCH) {
        assertThat(asked(actions)).as("at start %d", i + 1).isEmpty();
      } else {
        askedLater.addAll(asked(actions));
      }
    }

    assertThat(startedLater).hasSize(WorkerFold.CONFIRM_BATCH + 1).startsWith(key(0, 1));
    List<String> nextBatch = new ArrayList<>();
    for (int i = 0; i < WorkerFold.CONFIRM_BATCH; i++) {
      nextBatch.add(key(WorkerFold.CONFIRM_WINDOW + i, 1));
    }
    assertThat(askedLater).containsExactlyElementsOf(nextBatch);
  }

  @Test
  void aShortQueueIsAskedAboutAtOnce() {
    fold.apply(intent(0, 1, "docs"));
    assertThat(asked(fold.decide(now, control, policy, 0))).containsExactly(key(0, 1));
    fold.apply(intent(1, 1, "docs"));
    assertThat(asked(fold.decide(now, control, policy, 0))).containsExactly(key(1, 1));
  }

  /** Three attempts confirmed at {@code now}, the first started in the one free slot. */
  private void threeConfirmedOneRunning() {
    for (int i = 0; i < 3; i++) {
      fold.apply(intent(i, 1, "docs"));
    }
    for (String asked : asked(fold.decide(now, control, policy, 0))) {
      fold.answer(asked, AttemptStanding.CURRENT, now);
    }
    assertThat(started(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));
  }

  @Test
  void aConfirmationGrowingOldIsRenewedAheadOfItsSlotSoTheStartNeedsNoRoundTrip() {
    threeConfirmedOneRunning();
    now += WorkerFold.REFRESH_AFTER_MILLIS + 1;
    List<WorkerAction> actions = fold.decide(now, control, policy, 1);
    assertThat(started(actions)).containsExactly(key(1, 1));
    assertThat(asked(actions)).as("renewed ahead of its slot").containsExactly(key(2, 1));
    assertThat(fold.decide(now, control, policy, 0)).as("asked once").isEmpty();

    fold.answer(key(2, 1), AttemptStanding.CURRENT, now);
    now += WorkerFold.CONFIRMATION_MAX_AGE_MILLIS;
    List<WorkerAction> later = fold.decide(now, control, policy, 1);
    assertThat(asked(later)).isEmpty();
    assertThat(started(later)).containsExactly(key(2, 1));
  }

  @Test
  void anAttemptWhoseRenewalSaysDoneNeverStarts() {
    threeConfirmedOneRunning();
    now += WorkerFold.REFRESH_AFTER_MILLIS + 1;
    assertThat(asked(fold.decide(now, control, policy, 1))).containsExactly(key(2, 1));

    assertThat(fold.answer(key(2, 1), AttemptStanding.DONE, now)).isTrue();

    assertThat(fold.dropped(key(2, 1))).isTrue();
    assertThat(fold.decide(now, control, policy, 4)).isEmpty();
  }

  @Test
  void aRenewalWithoutAnswerKeepsTheEarlierConfirmationOnlyWhileItIsYoungEnough() {
    threeConfirmedOneRunning();
    now += WorkerFold.REFRESH_AFTER_MILLIS + 1;
    assertThat(asked(fold.decide(now, control, policy, 1))).containsExactly(key(2, 1));
    fold.unanswered(key(2, 1), now);

    // The first confirmation is now too old: a free slot asks again rather than starting on it.
    now += WorkerFold.REFRESH_AFTER_MILLIS;
    List<WorkerAction> actions = fold.decide(now, control, policy, 1);
    assertThat(started(actions)).isEmpty();
    assertThat(asked(actions)).containsExactly(key(2, 1));
    fold.answer(key(2, 1), AttemptStanding.SUPERSEDED, now);
    assertThat(fold.decide(now, control, policy, 1)).isEmpty();
  }

  @Test
  void aPolicyAnswerIsKeptWhileItsVersionStaysAndAskedAgainWhenAFreezeChangesIt() {
    List<String> askedPolicy = new ArrayList<>();
    SpawnPolicy versioned =
        new SpawnPolicy() {
          @Override
          public Optional<String> refusal(dev.spl.core.fanout.FanoutRecords.Draft intent) {
            askedPolicy.add(intent.thread());
            return policy.refusal(intent);
          }

          @Override
          public Object answersVersion() {
            return control;
          }
        };
    for (int i = 0; i < 3; i++) {
      fold.apply(intent(i, 1, "docs"));
    }
    fold.decide(now, control, versioned, 0);
    assertThat(askedPolicy).hasSize(3);
    fold.decide(now, control, versioned, 0);
    assertThat(askedPolicy).as("same version: answers kept").hasSize(3);
    for (int i = 0; i < 3; i++) {
      fold.answer(key(i, 1), AttemptStanding.CURRENT, now);
    }

    control =
        new ControlSnapshot(
            Map.of(
                "docs", new Freeze("docs", FreezeLevel.SOFT, 60, "pause", "did:sync:user:op", 0)),
            Map.of("docs", "soft"),
            EmergencyStop.NEVER_ISSUED,
            1);
    assertThat(started(fold.decide(now, control, versioned, 4))).isEmpty();
    assertThat(askedPolicy).as("a new version: asked again").hasSize(6);

    control = ControlSnapshot.EMPTY;
    assertThat(started(fold.decide(now, control, versioned, 4)))
        .containsExactly(key(0, 1), key(1, 1), key(2, 1));
  }

  @Test
  void aResultToldAsRecordedEndsTheAttemptAsItsRecordWouldAndAReplayAgrees() {
    StoredRecord ran = intent(0, 1, "docs");
    fold.apply(ran);
    assertThat(started(decide(4))).containsExactly(key(0, 1));

    assertThat(fold.resultRecorded(key(0, 1))).isTrue();
    assertThat(fold.resultRecorded(key(0, 1))).as("told twice").isFalse();
    assertThat(fold.finished(key(0, 1))).isTrue();
    assertThat(fold.runningCount()).isZero();
    assertThat(fold.apply(intent(0, 1, "docs"))).as("the INTEND delivered again").isFalse();
    assertThat(decide(4)).isEmpty();

    WorkerFold replayed = new WorkerFold();
    replayed.apply(ran);
    replayed.apply(result(ran, 1));
    assertThat(replayed.finished(key(0, 1))).isTrue();
    assertThat(decideConfirmingAll(replayed, now, control, policy, 4)).isEmpty();
  }

  @Test
  void afterARestartEveryAttemptWithoutAResultIsAskedAboutAgain() {
    StoredRecord ran = intent(0, 1, "docs");
    fold.apply(ran);
    fold.decide(now, control, policy, 4);
    fold.answer(key(0, 1), AttemptStanding.CURRENT, now);
    assertThat(started(fold.decide(now, control, policy, 4))).containsExactly(key(0, 1));

    WorkerFold restarted = new WorkerFold();
    log.forEach(restarted::apply);

    List<WorkerAction> actions = restarted.decide(now, control, policy, 4);
    assertThat(started(actions)).isEmpty();
    assertThat(asked(actions)).containsExactly(key(0, 1));
  }

  @Test
  void anAttemptConfirmedWithItsDeliveryStartsWithoutAskingTheFence() {
    fold.applyDelivered(intent(0, 1, "docs"), now);
    fold.apply(intent(1, 1, "docs"));

    List<WorkerAction> actions = fold.decide(now, control, policy, 2);

    assertThat(started(actions)).containsExactly(key(0, 1));
    assertThat(actions)
        .filteredOn(WorkerAction.Confirm.class::isInstance)
        .extracting(WorkerAction::key)
        .containsExactly(key(1, 1));
  }

  @Test
  void aConfirmationSentWithTheDeliveryAgesLikeAFenceAnswer() {
    fold.applyDelivered(intent(0, 1, "docs"), now);
    now += WorkerFold.CONFIRMATION_MAX_AGE_MILLIS + 1;

    List<WorkerAction> actions = fold.decide(now, control, policy, 1);

    assertThat(started(actions)).isEmpty();
    assertThat(actions)
        .filteredOn(WorkerAction.Confirm.class::isInstance)
        .extracting(WorkerAction::key)
        .containsExactly(key(0, 1));
    fold.answer(key(0, 1), AttemptStanding.SUPERSEDED, now);
    assertThat(started(fold.decide(now, control, policy, 1))).isEmpty();
    assertThat(fold.droppedCount()).isEqualTo(1);
  }

  @Test
  void aDeliveredConfirmationNeverRevivesAnAttemptTheWorkerAlreadyHeldDroppedOrFinished() {
    StoredRecord held = intent(0, 1, "docs");
    fold.apply(held);
    StoredRecord dropped = intent(1, 1, "docs");
    fold.apply(dropped);
    StoredRecord finished = intent(2, 1, "docs");
    fold.apply(finished);
    List<WorkerAction> asked = fold.decide(now, control, policy, 0);
    assertThat(asked).hasSize(3);
    fold.answer(key(1, 1), AttemptStanding.SUPERSEDED, now);
    fold.apply(result(finished, 1));

    assertThat(fold.applyDelivered(held, now)).isFalse();
    assertThat(fold.applyDelivered(dropped, now)).isFalse();
    assertThat(fold.applyDelivered(finished, now)).isFalse();

    // The held attempt still waits for the fence's answer; nothing starts on the re-delivery.
    assertThat(started(fold.decide(now, control, policy, 3))).isEmpty();
    fold.answer(key(0, 1), AttemptStanding.CURRENT, now);
    assertThat(started(fold.decide(now, control, policy, 3))).containsExactly(key(0, 1));
  }

  @Test
  void aConfirmedDeliveryOfAFrozenNamespaceWaitsForTheUnfreeze() {
    hardFreeze("docs", now, 60);
    fold.applyDelivered(intent(0, 1, "docs"), now);

    assertThat(started(fold.decide(now, control, policy, 1))).isEmpty();

    control = ControlSnapshot.EMPTY;
    assertThat(started(fold.decide(now, control, policy, 1))).containsExactly(key(0, 1));
  }
}
