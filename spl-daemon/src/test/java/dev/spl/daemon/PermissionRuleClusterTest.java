package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.childDone;
import static dev.spl.daemon.FleetTestSupport.childIntents;
import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.goals;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static dev.spl.daemon.FleetTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spl.cel.rules.PermissionGate;
import dev.spl.cel.rules.PermissionRule;
import dev.spl.cel.rules.RuleSource;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildCancel;
import dev.spl.core.fanout.ChildState;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fleet.InstanceView;
import dev.spl.daemon.FleetTestSupport.FanoutHandle;
import dev.spl.daemon.FleetTestSupport.HeartbeatPump;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Operator permission rules, without any freeze, against the coordinator's decisions: a spawn the
 * rules refuse is held in the fold, a refused write holds up no other decision, and neither is
 * logged on every tick.
 */
class PermissionRuleClusterTest {
  @TempDir Path dir;

  private Daemon coordinator;
  private Daemon workerA;
  private Daemon workerB;
  private HeartbeatPump pump;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final ch.qos.logback.classic.Logger reconcilerLog =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Reconciler.class);
  private long clock = 1;

  @BeforeEach
  void startCluster() {
    reconcilerLog.setLevel(Level.INFO);
    logged.start();
    reconcilerLog.addAppender(logged);
    coordinator = Daemon.start(coordinatorConfig(dir.resolve("coordinator")));
    workerA = Daemon.start(coordinatorConfig(dir.resolve("worker-a")));
    workerB = Daemon.start(coordinatorConfig(dir.resolve("worker-b")));
    pump = new HeartbeatPump(coordinator.url());
    pump.add("worker-a", workerA);
    pump.add("worker-b", workerB);
    FleetTestSupport.awaitLiveWorkers(coordinator, 2);
  }

  @AfterEach
  void stopCluster() {
    pump.close();
    Stream.of(coordinator, workerA, workerB).forEach(Daemon::close);
    reconcilerLog.detachAppender(logged);
    reconcilerLog.setLevel(null);
  }

  private void rule(String name, String expression, boolean enabled) {
    PermissionRule rule =
        new PermissionRule(
            name, expression, "REFUSED_BY_RULE", "refused by rule {rule}", RuleSource.RECORD);
    Record record =
        new Record(
            ThreadIds.ENGINE_CONFIG,
            FleetTestSupport.USER,
            Act.LEARN,
            PermissionGate.ruleBody(rule, enabled),
            clock++,
            List.of());
    Http.Response response = FleetTestSupport.post(coordinator, record);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  private List<StoredRecord> intentsAtWorkers(FanoutHandle fanout) {
    List<StoredRecord> all = new ArrayList<>(childIntents(workerA, fanout));
    all.addAll(childIntents(workerB, fanout));
    return all;
  }

  private StoredRecord intentOf(FanoutHandle fanout, int index) {
    return intentsAtWorkers(fanout).stream()
        .filter(r -> r.record().body().path("index").asInt() == index)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no INTEND for subtask " + index));
  }

  private void complete(StoredRecord intent) {
    Daemon holder = workerA.records().get(intent.id()).isPresent() ? workerA : workerB;
    Http.Response response = childDone(coordinator, intent, holder.did(), Verdict.ACCEPT);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  private List<ChildCancel> cancelsAtWorkers(FanoutHandle fanout) {
    return Stream.of(workerA, workerB)
        .flatMap(worker -> query(worker, null, FanoutRecords.CANCEL, Act.LEARN).stream())
        .map(stored -> ChildCancel.fromBody(stored.record().body()))
        .filter(cancel -> cancel.fanout().equals(fanout.id()))
        .toList();
  }

  /** Waits until the coordinator has ticked for two more seconds: ten ticks at least. */
  private void awaitTenTicks() {
    long from = ownHeartbeatAt();
    Await.until("ten more reconciler ticks", () -> ownHeartbeatAt() >= from + 2_000);
  }

  private long ownHeartbeatAt() {
    return coordinator.fleetRegistry().orElseThrow().instances().stream()
        .filter(view -> view.did().equals(coordinator.did()))
        .mapToLong(InstanceView::lastHeartbeatAt)
        .findFirst()
        .orElse(0);
  }

  private List<String> messages(Level level, String containing) {
    return logged.list.stream()
        .filter(event -> event.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(message -> message.contains(containing))
        .toList();
  }

  @Test
  void aRuleRefusingOneChildIntendHoldsThatChildWhileASiblingFanoutSpawnsAndCancels() {
    rule(
        "no_forbidden_goal",
        "record.topic == \"fanout_child\" && body.goal == \"forbidden\"",
        true);
    FanoutHandle held =
        fanOut(
            coordinator,
            "rules",
            "all",
            List.of("{\"goal\":\"forbidden\"}", "{\"goal\":\"fine\"}"));
    FanoutHandle sibling = fanOut(coordinator, "default", "any", goals(3));

    Await.until("the sibling's children arrived", () -> intentsAtWorkers(sibling).size() == 3);
    Await.until("the allowed child arrived", () -> intentsAtWorkers(held).size() == 1);
    complete(intentOf(sibling, 1));
    Await.until(
        "the sibling's other children were sent a cancel",
        () -> cancelsAtWorkers(sibling).size() == 2);
    Await.until(
        "the sibling's join completed",
        () -> !onParentThread(coordinator, sibling, FanoutRecords.JOIN_COMPLETE).isEmpty());
    awaitTenTicks();

    assertThat(intentsAtWorkers(held))
        .extracting(r -> r.record().body().path("goal").asText())
        .containsExactly("fine");
    ChildState forbidden =
        coordinator
            .reconciler()
            .orElseThrow()
            .readNow(fanouts -> fanouts.get(held.id()).orElseThrow().childState(0));
    assertThat(forbidden).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(onParentThread(coordinator, held, FanoutRecords.SPAWNED)).hasSize(1);
    assertThat(messages(Level.INFO, held.id()))
        .singleElement()
        .satisfies(message -> assertThat(message).contains("refused by rule no_forbidden_goal"));
    assertThat(messages(Level.WARN, "")).isEmpty();

    // Once the rule is disabled the held child spawns.
    rule(
        "no_forbidden_goal",
        "record.topic == \"fanout_child\" && body.goal == \"forbidden\"",
        false);
    Await.until("the held child spawned", () -> intentsAtWorkers(held).size() == 2);
  }

  @Test
  void aRefusedWriteHoldsUpNoOtherDecisionAndIsWarnedOnce() {
    rule(
        "no_cancels_in_rules",
        "record.topic == \"fanout_cancel_sent\" && record.namespace == \"rules\"",
        true);
    FanoutHandle refused = fanOut(coordinator, "rules", "any", goals(3));
    FanoutHandle sibling = fanOut(coordinator, "default", "any", goals(3));
    Await.until(
        "all children arrived",
        () -> intentsAtWorkers(refused).size() == 3 && intentsAtWorkers(sibling).size() == 3);

    complete(intentOf(refused, 1));
    complete(intentOf(sibling, 1));

    // The refused cancel does not keep the same fan-out's join from completing, nor the sibling.
    Await.until(
        "both joins completed",
        () ->
            !onParentThread(coordinator, refused, FanoutRecords.JOIN_COMPLETE).isEmpty()
                && !onParentThread(coordinator, sibling, FanoutRecords.JOIN_COMPLETE).isEmpty());
    Await.until("the sibling's cancels were sent", () -> cancelsAtWorkers(sibling).size() == 2);
    awaitTenTicks();

    assertThat(onParentThread(coordinator, refused, FanoutRecords.CANCEL_SENT)).isEmpty();
    assertThat(cancelsAtWorkers(refused)).isEmpty();
    assertThat(messages(Level.WARN, refused.id()))
        .singleElement()
        .satisfies(
            message ->
                assertThat(message).contains("cancel (join_satisfied)", "no_cancels_in_rules"));
    assertThat(messages(Level.WARN, sibling.id())).isEmpty();
  }
}
