package dev.spl.core.fanout;

import static dev.spl.core.fanout.Driver.live;
import static dev.spl.core.fanout.Driver.only;
import static dev.spl.core.fanout.Driver.spawns;
import static dev.spl.core.fanout.Driver.worker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of data fan-outs and of the options every fan-out has, on the pure fold. */
class DataFanoutStateTest {
  private static final WorkerInfo A = worker("a", "worker-a", 0);
  private static final WorkerInfo B = worker("b", "worker-b", 0);
  private static final WorkerDirectory BOTH = live(A, B);
  private static final ChildTemplate SHARD = ChildTemplate.parseCli("goal=shard {{shard}}");

  private static FanoutOptions options(FanoutPolicy policy, int retries, long backoff, int window) {
    return new FanoutOptions(policy, retries, backoff, window);
  }

  private static FanoutOptions window(int n) {
    return options(FanoutPolicy.ALL, 0, 1000, n);
  }

  /** Spawns whatever is decided until nothing more is, as passes of the reconciler. */
  private static List<FanoutAction.Spawn> spawnAll(Driver driver) {
    List<FanoutAction.Spawn> all = new ArrayList<>();
    for (List<FanoutAction.Spawn> pass = spawns(driver.step(BOTH));
        !pass.isEmpty();
        pass = spawns(driver.step(BOTH))) {
      all.addAll(pass);
    }
    return all;
  }

  @Test
  void rangeShardsSpawnWithTheirIdentity() {
    Driver driver = new Driver();
    String id =
        driver.fanOutData(
            DataLoop.range(100, 200, 10, SHARD), List.of(), "all", FanoutOptions.DEFAULTS, 1);
    List<FanoutAction.Spawn> spawned = spawns(driver.step(BOTH));
    assertThat(spawned).hasSize(10);
    FanoutAction.Spawn third = spawned.get(3);
    assertThat(third.childThread()).isEqualTo(DataLoop.childThread(id, 3));
    JsonNode intent = third.childIntent();
    assertThat(intent.path("goal").asText()).isEqualTo("shard 3");
    assertThat(intent.path("shard").asInt()).isEqualTo(3);
    assertThat(intent.path("iter_from").asLong()).isEqualTo(130);
    assertThat(intent.path("iter_to").asLong()).isEqualTo(140);
    assertThat(intent.path("idempotency_key").asText())
        .isEqualTo(DataLoop.idempotencyKey(id, 3, 130, 140));
    assertThat(intent.has("items")).isFalse();
    assertThat(
            ChildIntent.fromBody((com.fasterxml.jackson.databind.node.ObjectNode) intent).iterTo())
        .isEqualTo(140);

    JoinStatus.SubtaskStatus line = JoinStatus.subtask(driver.state(), 3);
    assertThat(line.identity())
        .isEqualTo(new JoinStatus.Identity(3, 130, 140, DataLoop.idempotencyKey(id, 3, 130, 140)));
    assertThat(line.goal()).isEqualTo("shard 3");
  }

  @Test
  void itemsAreFilledInAtSpawnReadingOnlyTheChunksNeeded() {
    Driver driver = new Driver();
    int width = 3 * (FanoutState.QUEUED_PER_SHARE + 1);
    List<JsonNode> items = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      items.add(Json.parse("{\"path\":\"f" + i + ".txt\"}"));
    }
    ChildTemplate template =
        ChildTemplate.parseCli("goal=Count {{item.path}},run=wc -w {{item.path}}");
    // A cap of 1 over two workers: its one share goes to one worker, which gets one child to run
    // and the next ones queued; the last third of the items is not spawned yet.
    driver.fanOutData(DataLoop.items(width, 1, template), items, "all", window(1), width / 3);
    Driver.LogReader reader = (Driver.LogReader) fanoutLog(driver);
    int before = reader.itemReads;
    List<FanoutAction.Spawn> first = spawns(driver.step(BOTH));
    assertThat(first).hasSize(1 + FanoutState.QUEUED_PER_SHARE);
    assertThat(first).extracting(FanoutAction.Spawn::index).startsWith(0, 1);
    JsonNode intent = first.get(1).childIntent();
    assertThat(intent.path("goal").asText()).isEqualTo("Count f1.txt");
    assertThat(intent.path("run").asText()).isEqualTo("wc -w 'f1.txt'");
    assertThat(intent.path("items")).hasSize(1);
    assertThat(intent.path("items").get(0).path("path").asText()).isEqualTo("f1.txt");
    // One read of its chunk per spawned child: the items of the last chunk are not read.
    assertThat(reader.itemReads - before).isEqualTo(first.size());
  }

  private static FanoutLog fanoutLog(Driver driver) {
    try {
      var field = Fanouts.class.getDeclaredField("log");
      field.setAccessible(true);
      return (FanoutLog) field.get(driver.fanouts);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theWindowSlidesInIndexOrderWithTheShareAndItsQueueInFlight() {
    Driver driver = new Driver();
    WorkerDirectory onlyA = live(A);
    int ahead = 3 + FanoutState.QUEUED_PER_SHARE;
    driver.fanOutData(DataLoop.range(0, ahead + 10, 1, SHARD), List.of(), "all", window(3), 1);
    List<FanoutAction.Spawn> first = spawns(driver.step(onlyA));
    assertThat(first).hasSize(ahead);
    assertThat(first).extracting(FanoutAction.Spawn::index).startsWith(0, 1, 2).endsWith(ahead - 1);
    // The worker runs three of them at once; the others wait in its queue.
    assertThat(first).extracting(FanoutAction.Spawn::maxRunning).containsOnly(3);
    assertThat(first.get(0).childIntent().path("max_running").asInt()).isEqualTo(3);
    assertThat(driver.step(onlyA)).isEmpty();
    driver.done(1, "accept");
    assertThat(spawns(driver.step(onlyA)))
        .extracting(FanoutAction.Spawn::index)
        .containsExactly(ahead);
    driver.done(0, "accept");
    driver.done(2, "accept");
    assertThat(spawns(driver.step(onlyA)))
        .extracting(FanoutAction.Spawn::index)
        .containsExactly(ahead + 1, ahead + 2);
    int most = 0;
    for (int i = 3; i < ahead + 10; i++) {
      driver.done(i, "accept");
      spawns(driver.step(onlyA));
      most = Math.max(most, driver.state().runningCount());
    }
    assertThat(most).isEqualTo(ahead);
    assertThat(driver.state().joinComplete()).isTrue();
    assertThat(driver.state().joinVerdict()).isEqualTo("accept");
  }

  @Test
  void childrenAreCountedByTheStateTheirLinesShow() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 6, 1, SHARD), List.of(), "all", window(1), 1);
    spawns(driver.step(live(A)));
    driver.done(0, "accept");
    driver.done(1, "reject");
    assertThat(JoinStatus.countByState(driver.state()))
        .containsExactly(
            java.util.Map.entry("accept", 1),
            java.util.Map.entry("in progress", 4),
            java.util.Map.entry("reject", 1));
    for (int i = 0; i < 6; i++) {
      assertThat(JoinStatus.stateLabel(driver.state(), i))
          .isEqualTo(JoinStatus.subtask(driver.state(), i).state());
    }
  }

  @Test
  void withoutMaxConcurrencyTheDefaultWindowBoundsWhatIsInFlight() {
    Driver driver = new Driver();
    int width = FanoutOptions.DEFAULT_IN_FLIGHT + 5;
    driver.fanOutData(
        DataLoop.range(0, width, 1, SHARD), List.of(), "all", FanoutOptions.DEFAULTS, 1);
    assertThat(spawnAll(driver)).hasSize(FanoutOptions.DEFAULT_IN_FLIGHT);
    assertThat(driver.state().queuedCount()).isEqualTo(5);
    driver.done(7, "accept");
    assertThat(spawns(driver.step(BOTH)))
        .extracting(FanoutAction.Spawn::index)
        .containsExactly(FanoutOptions.DEFAULT_IN_FLIGHT);
  }

  @Test
  void failFastStopsAtTheFirstFailureAndCancelsRunningAndQueuedSiblings() {
    Driver driver = new Driver();
    int width = FanoutState.QUEUED_PER_SHARE + 6;
    driver.fanOutData(
        DataLoop.range(0, width, 1, SHARD),
        List.of(),
        "any",
        options(FanoutPolicy.FAIL_FAST, 0, 0, 1),
        1);
    // A cap of 1: one worker gets child 0 to run and the next ones queued; the last five are not
    // spawned.
    assertThat(spawns(driver.step(BOTH))).hasSize(width - 5);
    driver.done(0, "reject");
    List<FanoutAction> actions = driver.step(BOTH);
    FanoutAction.Cancel cancel = only(actions, FanoutAction.Cancel.class).get(0);
    assertThat(cancel.reason()).isEqualTo("fail_fast");
    assertThat(cancel.indices()).hasSize(width - 1).startsWith(1).endsWith(width - 1);
    assertThat(cancel.children().get(0).worker()).isNotNull();
    assertThat(cancel.children().get(width - 2).worker()).isNull();
    FanoutAction.CompleteJoin join = only(actions, FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("reject");
    assertThat(join.fanin()).isEqualTo(new Fanin("failed", 0, 1, width - 1, 0, 0));
    assertThat(spawns(actions)).isEmpty();
    // Children not yet spawned were marked cancelled without ever being spawned.
    assertThat(driver.state().childState(width - 2)).isEqualTo(ChildState.DONE);
    assertThat(JoinStatus.subtask(driver.state(), width - 2).summary())
        .isEqualTo("cancelled before it was spawned (fail_fast)");
  }

  @Test
  void allowPartialRunsEverythingAndEndsPartialWhenTheSuccessfulOnesHold() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 4, 1, SHARD),
        List.of(),
        "all",
        options(FanoutPolicy.ALLOW_PARTIAL, 0, 0, 0),
        1);
    spawns(driver.step(BOTH));
    driver.done(1, "failed");
    assertThat(driver.step(BOTH)).isEmpty();
    assertThat(driver.state().fanin().status()).isEqualTo("running");
    driver.done(0, "accept");
    driver.done(2, "timeout");
    assertThat(driver.step(BOTH)).isEmpty();
    driver.done(3, "accept");
    assertThat(driver.state().fanin().status()).isEqualTo("partial");
    FanoutAction.CompleteJoin join =
        only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("partial");
    assertThat(join.fanin()).isEqualTo(new Fanin("partial", 2, 2, 0, 0, 0));
    assertThat(driver.state().fanin().status()).isEqualTo("partial");
  }

  @Test
  void allowPartialFailsWhenTheJoinDoesNotHoldEvenForTheSuccessfulOnes() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 4, 1, SHARD),
        List.of(),
        "k_of_n:3",
        options(FanoutPolicy.ALLOW_PARTIAL, 0, 0, 0),
        1);
    spawns(driver.step(BOTH));
    driver.done(0, "accept");
    driver.done(1, "accept");
    driver.done(2, "reject");
    assertThat(driver.step(BOTH)).isEmpty();
    driver.done(3, "reject");
    FanoutAction.CompleteJoin join =
        only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("reject");
    assertThat(join.fanin().status()).isEqualTo("failed");
  }

  @Test
  void underPolicyAllTheJoinAloneDecides() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 3, 1, SHARD), List.of(), "k_of_n:2", window(0), 1);
    spawns(driver.step(BOTH));
    driver.done(0, "reject");
    assertThat(driver.step(BOTH)).isEmpty();
    driver.done(1, "accept");
    driver.done(2, "accept");
    FanoutAction.CompleteJoin join =
        only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("partial");
    assertThat(join.fanin().status()).isEqualTo("partial");
  }

  @Test
  void failedChildrenAreRetriedAfterADoublingBackOffWithTheirKey() {
    Driver driver = new Driver();
    String id =
        driver.fanOutData(
            DataLoop.range(0, 2, 1, SHARD),
            List.of(),
            "all",
            options(FanoutPolicy.ALL, 2, 1000, 0),
            1);
    spawns(driver.step(BOTH));
    driver.done(1, "accept");
    long failedAt = driver.now;
    driver.done(0, "reject");
    // The child waits: not failed, so the join is not impossible.
    assertThat(driver.state().childState(0)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(driver.state().attempt(0)).isEqualTo(2);
    assertThat(driver.state().retryAtMillis(0)).isEqualTo(failedAt + 1000);
    assertThat(driver.state().counters().failed()).isZero();
    driver.now = failedAt + 999;
    assertThat(driver.step(BOTH)).isEmpty();
    driver.now = failedAt + 1000;
    List<FanoutAction.Spawn> again = spawns(driver.step(BOTH));
    assertThat(again).singleElement().satisfies(s -> assertThat(s.attempt()).isEqualTo(2));
    assertThat(again.get(0).childIntent().path("idempotency_key").asText())
        .isEqualTo(DataLoop.idempotencyKey(id, 0, 0, 1));

    long secondFailure = driver.now;
    driver.done(0, "timeout");
    assertThat(driver.state().retryAtMillis(0)).isEqualTo(secondFailure + 2000);
    driver.now = secondFailure + 2000;
    assertThat(spawns(driver.step(BOTH)))
        .singleElement()
        .satisfies(s -> assertThat(s.attempt()).isEqualTo(3));
    driver.done(0, "failed");
    FanoutAction.CompleteJoin join =
        only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.verdict()).isEqualTo("reject");
    assertThat(join.fanin()).isEqualTo(new Fanin("failed", 1, 1, 0, 1, 2));
  }

  @Test
  void aRetryThatBecomesDueIsDecidedWithoutANewRecord() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 1, 1, SHARD), List.of(), "all", options(FanoutPolicy.ALL, 1, 500, 0), 1);
    spawns(driver.step(BOTH));
    driver.done(0, "reject");
    assertThat(driver.step(BOTH)).isEmpty();
    // Nothing was appended since; only time passed.
    int logged = driver.log.size();
    driver.now += 500;
    assertThat(spawns(driver.fanouts.decide(driver.now, BOTH, SpawnPolicy.ALLOW_ALL))).hasSize(1);
    assertThat(driver.log).hasSize(logged);
  }

  @Test
  void aRetryRunsAsAFreshAttemptAndCountsOnlyItsOwnResult() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 1, 1, SHARD), List.of(), "all", options(FanoutPolicy.ALL, 1, 0, 0), 1);
    spawns(driver.step(BOTH));
    driver.done(0, 1, "reject", "boom", 4.0);
    spawns(driver.step(BOTH));
    FanoutState state = driver.state();
    assertThat(state.costUsd(0)).isEqualByComparingTo("0");
    assertThat(state.wallSecs(0)).isZero();
    assertThat(state.resultSeq(0)).isZero();
    // A late duplicate of attempt 1 changes nothing.
    driver.done(0, 1, "accept", "late", 1.0);
    assertThat(state.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    driver.done(0, 2, "accept", "second time lucky", 0.5);
    assertThat(JoinStatus.subtask(state, 0).summary()).isEqualTo("second time lucky");
    assertThat(JoinStatus.subtask(state, 0).wallTimeSecs()).isEqualTo(0.5);
    assertThat(state.retries(0)).isEqualTo(1);
    assertThat(only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0).verdict())
        .isEqualTo("accept");
  }

  @Test
  void aLostChildPastMaxAttemptsFailsAndIsRetried() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 1, 1, SHARD), List.of(), "all", options(FanoutPolicy.ALL, 1, 0, 0), 1);
    // max_attempts 3: two reassignments, then the coordinator gives up with failed, then a retry.
    spawns(driver.step(live(A)));
    for (int lost = 1; lost <= 2; lost++) {
      List<FanoutAction> actions =
          driver.step(new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A)));
      assertThat(only(actions, FanoutAction.Reassign.class)).hasSize(1);
      driver.step(live(A));
    }
    List<FanoutAction> giveUp =
        driver.step(new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A)));
    assertThat(only(giveUp, FanoutAction.GiveUp.class)).hasSize(1);
    assertThat(driver.state().childState(0)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(driver.state().retries(0)).isEqualTo(1);
    assertThat(spawns(driver.step(live(B))))
        .singleElement()
        .satisfies(s -> assertThat(s.worker()).isEqualTo(B));
  }

  @Test
  void manualRetryStillWorksOnADataChild() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 2, 1, SHARD), List.of(), "any", window(0), 1);
    spawns(driver.step(BOTH));
    driver.done(0, "reject");
    driver.retry(0, "try harder");
    List<FanoutAction.Spawn> spawned = spawns(driver.step(BOTH));
    assertThat(spawned).singleElement().satisfies(s -> assertThat(s.attempt()).isEqualTo(2));
    assertThat(spawned.get(0).childIntent().path("hint").asText()).isEqualTo("try harder");
    assertThat(driver.state().fanin().retries()).isEqualTo(1);
  }

  @Test
  void aFanOutWiderThanMaxChildrenIsRefusedByTheFold() {
    Driver driver = new Driver(JoinCompiler.BUILT_IN_ONLY, 5);
    String id =
        driver.fanOutData(
            DataLoop.range(0, 6, 1, SHARD), List.of(), "all", FanoutOptions.DEFAULTS, 1);
    assertThat(driver.fanouts.get(id)).isEmpty();
    assertThat(driver.fanouts.invalidFanouts().get(id))
        .isEqualTo(
            "subtask_count: 6 children, but this coordinator allows at most 5 per fan-out (its"
                + " max_children setting)");
  }

  @Test
  void aDataJoinMayNotWalkTheChildren() {
    JoinCompiler walking =
        expression ->
            new JoinPredicate() {
              @Override
              public String text() {
                return expression;
              }

              @Override
              public JoinOutcome evaluate(JoinCounters counters, ChildrenView children) {
                return JoinOutcome.UNDECIDED;
              }

              @Override
              public boolean readsChildren() {
                return true;
              }
            };
    Driver driver = new Driver(walking);
    String id =
        driver.fanOutData(
            DataLoop.range(0, 2, 1, SHARD),
            List.of(),
            "children.size() > 0",
            FanoutOptions.DEFAULTS,
            1);
    assertThat(driver.fanouts.invalidFanouts().get(id)).contains("but not children");
  }

  @Test
  void theJoinRecordOfADataFanOutKeepsCountsNotChildren() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 3, 1, SHARD), List.of(), "all", FanoutOptions.DEFAULTS, 1);
    spawns(driver.step(BOTH));
    for (int i = 0; i < 3; i++) {
      driver.done(i, "accept");
    }
    driver.step(BOTH);
    StoredRecord join = driver.log.get(driver.log.size() - 1);
    assertThat(join.record().act()).isEqualTo(Act.KNOW);
    JsonNode body = join.record().body();
    assertThat(body.has("children")).isFalse();
    assertThat(body.path("fanin").path("status").asText()).isEqualTo("complete");
    assertThat(body.path("fanin").path("succeeded").asInt()).isEqualTo(3);
    assertThat(body.path("totals").path("cost_usd").decimalValue()).isEqualByComparingTo("0.75");
    JoinComplete read =
        JoinComplete.fromBody((com.fasterxml.jackson.databind.node.ObjectNode) body);
    assertThat(read.children()).isNull();
    assertThat(read.fanin()).isEqualTo(new Fanin("complete", 3, 0, 0, 0, 0));
  }

  @Test
  void aDataChildsSummaryIsReadFromItsResultRecord() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 1, 1, SHARD), List.of(), "all", FanoutOptions.DEFAULTS, 1);
    spawns(driver.step(BOTH));
    driver.done(0, 1, "accept", "the words were counted", 2.5);
    FanoutState state = driver.state();
    assertThat(state.resultSeq(0)).isEqualTo(driver.log.size());
    assertThat(JoinStatus.subtask(state, 0).summary()).isEqualTo("the words were counted");
  }

  @Test
  void anItemTheTemplateCannotBeFilledWithFailsItsChild() {
    Driver driver = new Driver();
    ChildTemplate template = ChildTemplate.parseCli("goal=Resize {{item.path}}");
    // Written without the command line's checks: the second item has no path.
    driver.fanOutData(
        DataLoop.items(2, 1, template),
        List.of(Json.parse("{\"path\":\"a\"}"), Json.parse("{\"name\":\"b\"}")),
        "all",
        FanoutOptions.DEFAULTS,
        5);
    List<FanoutAction> actions = driver.step(BOTH);
    assertThat(spawns(actions)).extracting(FanoutAction.Spawn::index).containsExactly(0);
    FanoutAction.GiveUp gaveUp = only(actions, FanoutAction.GiveUp.class).get(0);
    assertThat(gaveUp.index()).isEqualTo(1);
    assertThat(gaveUp.summary()).contains("item 1: ").contains("has no field 'path'");
    assertThat(driver.state().verdict(1)).isEqualTo(Verdict.FAILED);
  }

  @Test
  void optionsApplyToListedSubtasksToo() {
    Driver driver = new Driver();
    driver.fanOut(Driver.goals("a", "b", "c"), "all", options(FanoutPolicy.FAIL_FAST, 0, 0, 1));
    assertThat(spawns(driver.step(BOTH)))
        .extracting(FanoutAction.Spawn::index)
        .containsExactly(0, 1, 2);
    driver.done(0, "failed");
    FanoutAction.CompleteJoin join =
        only(driver.step(BOTH), FanoutAction.CompleteJoin.class).get(0);
    assertThat(join.totals().n()).isEqualTo(3);
    assertThat(join.fanin()).isEqualTo(new Fanin("failed", 0, 1, 2, 0, 0));
  }

  @Test
  void theTemplatesExecutorReachesEveryChildIntendAndAListedSubtasksItsOwn() {
    Driver driver = new Driver();
    driver.fanOutData(
        DataLoop.range(0, 4, 1, ChildTemplate.parseCli("goal=leaf {{shard}},executor=echo")),
        List.of(),
        "all",
        FanoutOptions.DEFAULTS,
        1);
    List<FanoutAction.Spawn> spawned = spawns(driver.step(BOTH));
    assertThat(spawned).hasSize(4);
    for (FanoutAction.Spawn spawn : spawned) {
      assertThat(spawn.childIntent().path("executor").asText()).isEqualTo("echo");
      assertThat(
              ChildIntent.fromBody(
                      (com.fasterxml.jackson.databind.node.ObjectNode) spawn.childIntent())
                  .executor())
          .isEqualTo(SubtaskSpec.ECHO);
    }

    Driver listed = new Driver();
    listed.fanOut(
        List.of(
            SubtaskParser.parseCli(0, "goal=a,executor=echo"), SubtaskParser.parseCli(1, "goal=b")),
        "all");
    List<FanoutAction.Spawn> two = spawns(listed.step(BOTH));
    assertThat(two).hasSize(2);
    assertThat(two.get(0).childIntent().path("executor").asText()).isEqualTo("echo");
    assertThat(two.get(1).childIntent().has("executor")).isFalse();
  }
}
