package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.awaitLiveWorkers;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.goals;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static dev.spl.daemon.FleetTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.worker.WorkerFold;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A coordinator confirms the attempts of the child INTENDs it delivers, so its workers start them
 * without asking the attempt fence; a worker takes such a confirmation only from its coordinator,
 * for its own life, and only for the INTENDs that came with it.
 */
class DeliveryConfirmationFleetTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();

  private Daemon echoWorker(Daemon coordinator, String alias) {
    return fleet.worker(
        coordinator,
        alias,
        settings -> settings.executor(FleetSettings.ExecutorKind.ECHO).echoDelay(Duration.ZERO));
  }

  @Test
  void theCoordinatorsChildrenStartOnTheConfirmationSentWithThem() {
    Daemon coordinator = fleet.coordinator();
    Daemon worker = echoWorker(coordinator, "worker-a");
    awaitLiveWorkers(coordinator, 1);

    int width = 3;
    var fanout = fanOut(coordinator, "docs", "all", goals(width));

    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    assertThat(
            onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE)
                .get(0)
                .record()
                .body()
                .path("verdict")
                .asText())
        .isEqualTo("accept");
    // Fewer than one fence question per child: the delivery's confirmation started them. (A
    // confirmation is a shortcut: when the coordinator's loop does not answer in time, the worker
    // asks, so this is not "none".)
    assertThat(worker.worker().attemptsAsked()).isLessThan(width);
  }

  /** One child INTEND for {@code worker}, of a fan-out the coordinator does not know. */
  private static Record intendFor(Daemon coordinator, Daemon worker, String fanout) {
    ObjectNode body =
        new ChildIntent(
                "default",
                fanout,
                ThreadIds.derive("parent"),
                null,
                worker.did(),
                0,
                1,
                "page",
                null,
                null,
                null,
                List.of(),
                null)
            .toBody();
    return new Record(
        ThreadIds.derive(fanout, "0"), coordinator.did(), Act.INTEND, body, 1, List.of());
  }

  /** Posts {@code intend} signed by {@code coordinator}, with what {@code confirm} makes of it. */
  private static Http.Response deliver(
      Daemon coordinator,
      Daemon worker,
      Record intend,
      Function<Record, DeliveryConfirmation> confirm) {
    ObjectNode request = Json.MAPPER.createObjectNode();
    request.putArray("records").add(RecordJson.toJson(intend, intend.id()));
    request.set("signature", coordinator.trust().key().sign(List.of(intend.id())).toJson());
    DeliveryConfirmation confirmation = confirm.apply(intend);
    if (confirmation != null) {
      request.set(DeliveryConfirmation.FIELD, confirmation.toJson());
    }
    return new Http(worker.url()).post("/v1/records", request.toString());
  }

  /** Delivers one INTEND and returns how many fence questions its start cost the worker. */
  private static long questionsToStart(
      Daemon coordinator, Daemon worker, String fanout, Function<Record, DeliveryConfirmation> c) {
    long before = worker.worker().attemptsAsked();
    Record intend = intendFor(coordinator, worker, fanout);
    Http.Response response = deliver(coordinator, worker, intend, c);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    Await.until(
        "the child of " + fanout.substring(0, 4) + " has a result",
        () -> !query(worker, intend.thread(), FanoutRecords.CHILD_RESULT, Act.KNOW).isEmpty());
    return worker.worker().attemptsAsked() - before;
  }

  @Test
  void aWorkerTakesAConfirmationOnlyFromItsCoordinatorForItsOwnLife() {
    Daemon coordinator = fleet.coordinator();
    Daemon worker = echoWorker(coordinator, "worker-a");
    awaitLiveWorkers(coordinator, 1);
    Await.until("the worker knows its coordinator", () -> worker.trust().coordinator().isPresent());
    InstanceKey coordinatorKey = coordinator.trust().key();
    long life = worker.context().startedAtMillis();

    assertThat(
            questionsToStart(
                coordinator,
                worker,
                "a".repeat(64),
                intend ->
                    DeliveryConfirmation.sign(
                        coordinatorKey, worker.did(), life, 0, List.of(intend.id()))))
        .as("confirmed by its coordinator for this life")
        .isZero();
    assertThat(
            questionsToStart(
                coordinator,
                worker,
                "b".repeat(64),
                intend ->
                    DeliveryConfirmation.sign(
                        coordinatorKey, worker.did(), life - 1, 0, List.of(intend.id()))))
        .as("confirmed for an earlier life of the worker")
        .isEqualTo(1);
    InstanceKey stranger = InstanceKey.generateFor(coordinator.did());
    assertThat(
            questionsToStart(
                coordinator,
                worker,
                "c".repeat(64),
                intend ->
                    DeliveryConfirmation.sign(
                        stranger, worker.did(), life, 0, List.of(intend.id()))))
        .as("signed with a key that is not the coordinator's")
        .isEqualTo(1);
    Record other = intendFor(coordinator, worker, "e".repeat(64));
    assertThat(
            questionsToStart(
                coordinator,
                worker,
                "d".repeat(64),
                intend ->
                    DeliveryConfirmation.sign(
                        coordinatorKey, worker.did(), life, 0, List.of(other.id()))))
        .as("naming an INTEND that did not come with it")
        .isEqualTo(1);
    assertThat(
            questionsToStart(
                coordinator,
                worker,
                "9".repeat(64),
                intend ->
                    DeliveryConfirmation.sign(
                        coordinatorKey,
                        worker.did(),
                        life,
                        WorkerFold.CONFIRMATION_MAX_AGE_MILLIS + 1,
                        List.of(intend.id()))))
        .as("found current longer ago than a confirmation counts")
        .isEqualTo(1);
    assertThat(questionsToStart(coordinator, worker, "f".repeat(64), intend -> null))
        .as("without a confirmation")
        .isEqualTo(1);
  }

  @Test
  void aConfirmationWithoutASignatureOrMalformedIsABadRequestThatStoresNothing() {
    Daemon coordinator = fleet.coordinator();
    Daemon worker = echoWorker(coordinator, "worker-a");
    awaitLiveWorkers(coordinator, 1);
    Record intend = intendFor(coordinator, worker, "a".repeat(64));
    DeliveryConfirmation confirmation =
        DeliveryConfirmation.sign(
            coordinator.trust().key(),
            worker.did(),
            worker.context().startedAtMillis(),
            0,
            List.of(intend.id()));
    long before = worker.records().count();

    ObjectNode unsigned = Json.MAPPER.createObjectNode();
    unsigned.putArray("records").add(RecordJson.toJson(intend, intend.id()));
    unsigned.set(DeliveryConfirmation.FIELD, confirmation.toJson());
    Http.Response refused = new Http(worker.url()).post("/v1/records", unsigned.toString());
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.text()).contains("a delivery confirmation comes only with a signed request");

    ObjectNode malformed = unsigned.deepCopy();
    malformed.set("signature", coordinator.trust().key().sign(List.of(intend.id())).toJson());
    ((ObjectNode) malformed.get(DeliveryConfirmation.FIELD)).put("worker_started_at", "soon");
    Http.Response bad = new Http(worker.url()).post("/v1/records", malformed.toString());
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text()).contains("confirmed.worker_started_at: expected epoch milliseconds");

    assertThat(worker.records().count()).isEqualTo(before);
  }
}
