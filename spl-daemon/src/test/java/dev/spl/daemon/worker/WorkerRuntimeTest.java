package dev.spl.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fanout.ChildCancel;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.ChildResult;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.StoreFactory;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.outbox.OutboxSender;
import dev.spl.daemon.records.RecordClock;
import dev.spl.testing.Await;
import dev.spl.testing.TestClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker runtime against a plain daemon standing in for the coordinator: it stores whatever the
 * worker sends, so the test can read heartbeats and results there.
 */
class WorkerRuntimeTest {
  private static final String COORDINATOR_DID = "did:sync:instance:00000000000000c0";
  private static final String PARENT_ID = "e".repeat(64);

  @TempDir Path dir;
  private final TestClock clock = new TestClock(1_700_000_000_000L);
  private Daemon coordinator;
  private Daemon worker;
  private OutboxSender outbox;
  private WorkerRuntime runtime;
  private final AtomicReference<ControlSnapshot> control =
      new AtomicReference<>(ControlSnapshot.EMPTY);

  @BeforeEach
  void startDaemons() {
    coordinator =
        Daemon.start(
            DaemonConfig.builder(dir.resolve("coordinator")).port(0).build(),
            clock,
            StoreFactory.ROCKSDB);
    worker =
        Daemon.start(
            DaemonConfig.builder(dir.resolve("worker")).port(0).build(),
            clock,
            StoreFactory.ROCKSDB);
    outbox = new OutboxSender(worker.records().store(), null, clock, worker.trust().key());
    outbox.start();
    worker.records().onDeliveriesQueued(outbox::wake);
  }

  @AfterEach
  void stopDaemons() {
    if (runtime != null) {
      runtime.close();
    }
    outbox.close();
    worker.close();
    coordinator.close();
  }

  private void startRuntime(FleetSettings.ExecutorKind executor, Duration echoDelay) {
    FleetSettings fleet =
        FleetSettings.builder()
            .worker("worker-a", coordinator.url())
            .heartbeatInterval(Duration.ofMillis(100))
            .executor(executor)
            .echoDelay(echoDelay)
            .build();
    DaemonContext ctx =
        new DaemonContext(
            worker.config().toBuilder().fleet(fleet).build(),
            worker.did(),
            worker.url(),
            Daemon.VERSION,
            clock.millis(),
            worker.records(),
            clock,
            control::get,
            worker.controlGate().spawnPolicy(worker.did(), control::get),
            new RecordClock(clock),
            worker.trust());
    // Registered before (a restart): the coordinator takes the worker's signed results at once,
    // even those of children recovered before the first heartbeat.
    coordinator.trust().register(worker.did(), worker.trust().key().publicKey());
    runtime = new WorkerRuntime(ctx);
    runtime.start();
  }

  /**
   * A child INTEND as the coordinator spawns it: stored on the coordinator (which counts a result
   * only for an attempt it spawned, on the worker it spawned it on) and returned for the test to
   * deliver to the worker.
   */
  private Record childIntent(int index, int attempt, String run, String namespace) {
    ObjectNode body =
        new ChildIntent(
                namespace,
                PARENT_ID,
                ThreadIds.derive("parent"),
                null,
                worker.did(),
                index,
                attempt,
                "goal " + index,
                null,
                null,
                run,
                List.of(),
                null)
            .toBody();
    Record record =
        new Record(
            ThreadIds.derive(PARENT_ID, String.valueOf(index), "goal " + index),
            coordinator.did(),
            Act.INTEND,
            body,
            attempt,
            List.of());
    coordinator.records().append(record);
    return record;
  }

  private List<StoredRecord> childDone(Daemon daemon) {
    return daemon
        .records()
        .query(new RecordQuery(null, FanoutRecords.CHILD_DONE, null, 0, RecordQuery.MAX_LIMIT));
  }

  @Test
  void runsAChildAndDeliversItsResultToTheCoordinator() {
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ZERO);

    worker.records().append(childIntent(0, 1, null, "docs"));

    Await.until("the result reached the coordinator", () -> childDone(coordinator).size() == 1);
    ObjectNode done = childDone(coordinator).get(0).record().body();
    assertThat(done.path("verdict").asText()).isEqualTo("accept");
    assertThat(done.path("worker").asText()).isEqualTo(worker.did());
    assertThat(done.path("fanout").asText()).isEqualTo(PARENT_ID);
    assertThat(done.path("summary").asText()).isEqualTo("echo: goal 0");
    assertThat(childDone(coordinator).get(0).record().actor()).isEqualTo(worker.did());
    List<StoredRecord> results =
        worker.records().query(new RecordQuery(null, "child_result", Act.KNOW, 0, 100));
    assertThat(results).hasSize(1);
  }

  @Test
  void heartbeatsReachTheCoordinatorWithAliasAndSlots() {
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ZERO);

    Await.until(
        "a heartbeat arrived",
        () ->
            !coordinator
                .records()
                .query(new RecordQuery(ThreadIds.INSTANCE_REGISTRY, "heartbeat", null, 0, 10))
                .isEmpty());
    ObjectNode beat =
        coordinator
            .records()
            .query(new RecordQuery(ThreadIds.INSTANCE_REGISTRY, "heartbeat", null, 0, 10))
            .get(0)
            .record()
            .body();
    assertThat(beat.path("alias").asText()).isEqualTo("worker-a");
    assertThat(beat.path("did").asText()).isEqualTo(worker.did());
    assertThat(beat.path("endpoint").asText()).isEqualTo(worker.url());
    assertThat(beat.path("slots").asInt()).isEqualTo(FleetSettings.DEFAULT_SLOTS);
  }

  @Test
  void aChildDeliveredTwiceRunsOnce() {
    startRuntime(FleetSettings.ExecutorKind.SHELL, Duration.ZERO);
    Path marker = dir.resolve("runs.txt");
    Record intent = childIntent(0, 1, "echo ran >> " + marker, "default");

    worker.records().append(intent);
    worker.records().append(intent);
    Await.until("the result reached the coordinator", () -> childDone(coordinator).size() == 1);
    worker.records().append(intent);

    assertThat(worker.records().query(new RecordQuery(null, "child_result", null, 0, 10)))
        .hasSize(1);
    assertThat(dev.spl.daemon.exec.ShellExecutorTest.lines(marker)).containsExactly("ran");
  }

  @Test
  void afterARestartOnlyChildrenWithoutAResultRun() {
    Record finished = childIntent(0, 1, null, "default");
    Record unfinished = childIntent(1, 1, null, "default");
    worker.records().append(finished);
    ObjectNode result =
        new ChildResult(
                "default", finished.id(), 1, Verdict.ACCEPT, BigDecimal.ZERO, 0, "", null, null)
            .toBody();
    worker
        .records()
        .append(
            new Record(
                finished.thread(), worker.did(), Act.KNOW, result, 1, List.of(finished.id())));
    worker.records().append(unfinished);

    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ZERO);

    Await.until("the unfinished child reported", () -> childDone(coordinator).size() == 1);
    assertThat(childDone(coordinator).get(0).record().body().path("index").asInt()).isEqualTo(1);
    assertThat(worker.records().query(new RecordQuery(null, "child_result", null, 0, 10)))
        .hasSize(2);
  }

  @Test
  void aCancelStopsTheChildAndReportsCancelled() {
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ofHours(1));
    Record intent = childIntent(0, 1, null, "default");
    worker.records().append(intent);
    Await.until("the child is running", () -> runtime.dispatcher().active() == 1);

    ObjectNode cancel = new ChildCancel("default", PARENT_ID, 0, 1, "join_satisfied").toBody();
    worker
        .records()
        .append(new Record(intent.thread(), COORDINATOR_DID, Act.LEARN, cancel, 2, List.of()));

    Await.until(
        "the cancellation reached the coordinator", () -> childDone(coordinator).size() == 1);
    assertThat(childDone(coordinator).get(0).record().body().path("verdict").asText())
        .isEqualTo("cancelled");
    // The coordinator asked for this cancel: the result is final, not an interruption.
    assertThat(childDone(coordinator).get(0).record().body().has("interrupted_by")).isFalse();
  }

  private static Record cancelOf(Record intent, int attempt) {
    ObjectNode cancel =
        new ChildCancel("default", PARENT_ID, 0, attempt, "join_satisfied").toBody();
    return new Record(
        intent.thread(), COORDINATOR_DID, Act.LEARN, cancel, 100 + attempt, List.of());
  }

  @Test
  void aCancelThatArrivesBeforeItsIntentKeepsTheChildFromRunning() {
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ofHours(1));
    Record intent = childIntent(0, 1, null, "default");
    worker.records().append(cancelOf(intent, 1));

    worker.records().append(intent);

    Await.until("the child reported cancelled", () -> childDone(coordinator).size() == 1);
    assertThat(childDone(coordinator).get(0).record().body().path("verdict").asText())
        .isEqualTo("cancelled");
    assertThat(runtime.dispatcher().active()).isZero();
    assertThat(runtime.dispatcher().queued()).isZero();
  }

  @Test
  void aCancelStoredBeforeARestartStillStopsAnIntentThatArrivesAfterIt() {
    Record intent = childIntent(0, 2, null, "default");
    worker.records().append(cancelOf(intent, 2));
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ofHours(1));
    Record other = childIntent(1, 1, null, "default");
    worker.records().append(other);
    Await.until("the other child is running", () -> runtime.dispatcher().active() == 1);

    worker.records().append(intent);

    Await.until("the child reported cancelled", () -> childDone(coordinator).size() == 1);
    assertThat(childDone(coordinator).get(0).record().body().path("index").asInt()).isZero();
    assertThat(childDone(coordinator).get(0).record().body().path("verdict").asText())
        .isEqualTo("cancelled");
    assertThat(runtime.dispatcher().active()).isEqualTo(1);
  }

  @Test
  void aHardFreezeStopsRunningChildrenOfThatNamespaceOnlyOnceItsGraceHasPassed() {
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ofHours(1));
    worker.records().append(childIntent(0, 1, null, "docs"));
    worker.records().append(childIntent(1, 1, null, "other"));
    Await.until("both children run", () -> runtime.dispatcher().active() == 2);

    Freeze freeze =
        new Freeze(
            "docs", FreezeLevel.HARD, 60, "wrong approach", "did:sync:user:op", clock.millis());
    control.set(
        new ControlSnapshot(
            Map.of("docs", freeze), Map.of("docs", "hard"), EmergencyStop.NEVER_ISSUED, 1));
    // A new child of the namespace is held by the freeze: once it waits, the worker has decided
    // with the freeze in place, inside its grace.
    worker.records().append(childIntent(2, 1, null, "docs"));
    Await.until("the new docs child is held", () -> runtime.waiting() == 1);
    assertThat(runtime.dispatcher().active()).isEqualTo(2);
    assertThat(worker.records().query(new RecordQuery(null, "child_result", null, 0, 10)))
        .isEmpty();

    clock.advance(Duration.ofSeconds(60));

    Await.until("the docs child was stopped", () -> childDone(coordinator).size() == 1);
    ObjectNode done = childDone(coordinator).get(0).record().body();
    assertThat(done.path("index").asInt()).isZero();
    assertThat(done.path("verdict").asText()).isEqualTo("cancelled");
    assertThat(done.path("interrupted_by").asText()).isEqualTo("hard_freeze");
    assertThat(
            worker.records().query(new RecordQuery(null, "child_result", null, 0, 10)).stream()
                .map(result -> result.record().body().path("interrupted_by").asText()))
        .containsExactly("hard_freeze");
    assertThat(runtime.dispatcher().active()).isEqualTo(1);
  }

  @Test
  void childrenOfAFrozenNamespaceWaitUntilTheFreezeIsLifted() {
    Freeze freeze = new Freeze("docs", FreezeLevel.SOFT, 60, "pause", "did:sync:user:op", 0);
    control.set(
        new ControlSnapshot(
            Map.of("docs", freeze), Map.of("docs", "soft"), EmergencyStop.NEVER_ISSUED, 1));
    startRuntime(FleetSettings.ExecutorKind.ECHO, Duration.ZERO);
    worker.records().append(childIntent(0, 1, null, "docs"));
    worker.records().append(childIntent(1, 1, null, "other"));
    Await.until("the other namespace's child reported", () -> childDone(coordinator).size() == 1);
    // The held child waits in the worker's fold, not in the dispatcher.
    assertThat(runtime.waiting()).isEqualTo(1);

    control.set(ControlSnapshot.EMPTY);

    Await.until("the held child ran after the unfreeze", () -> childDone(coordinator).size() == 2);
  }
}
