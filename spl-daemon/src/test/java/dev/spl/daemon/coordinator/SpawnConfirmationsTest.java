package dev.spl.daemon.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.worker.WorkerFold;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpawnConfirmationsTest {
  private static final String WORKER_A = "did:sync:instance:000000000000000a";
  private static final String WORKER_B = "did:sync:instance:000000000000000b";

  private final InstanceKey key = InstanceKey.generate();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final SpawnConfirmations confirmations = new SpawnConfirmations(key, nanos::get);

  private static StoredRecord intend(int index) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("topic", "fanout_child");
    Record record =
        new Record(
            ThreadIds.derive("child", String.valueOf(index)),
            "did:sync:instance:00000000000000c0",
            Act.INTEND,
            body,
            1,
            List.of());
    return new StoredRecord(record.id(), record, index + 1, 0);
  }

  private void advanceMillis(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void confirmsTheSpawnsOfABatchOnTheirFirstSendWithTheirAgeRoundedUp() {
    StoredRecord first = intend(0);
    StoredRecord second = intend(1);
    StoredRecord notSpawned = intend(2);
    confirmations.spawned(first.id(), WORKER_A, 42);
    advanceMillis(3);
    confirmations.spawned(second.id(), WORKER_A, 42);
    nanos.addAndGet(400_000);

    DeliveryConfirmation confirmation = confirmations.confirm(List.of(first, second, notSpawned));

    assertThat(confirmation.intents()).containsExactly(first.id(), second.id());
    assertThat(confirmation.worker()).isEqualTo(WORKER_A);
    assertThat(confirmation.workerStartedAt()).isEqualTo(42);
    assertThat(confirmation.ageMillis()).isEqualTo(4);
    assertThat(confirmation.isSignedBy(key.publicKey())).isTrue();
    assertThat(confirmations.confirm(List.of(first, second))).as("a second send").isNull();
  }

  @Test
  void aSpawnTooOldWhenFirstSentGoesUnconfirmed() {
    StoredRecord old = intend(0);
    confirmations.spawned(old.id(), WORKER_A, 42);
    advanceMillis(SpawnConfirmations.MAX_AGE_MILLIS + 1);
    StoredRecord fresh = intend(1);
    confirmations.spawned(fresh.id(), WORKER_A, 42);

    assertThat(confirmations.confirm(List.of(old, fresh)).intents()).containsExactly(fresh.id());
    assertThat(confirmations.pendingCount()).isZero();
  }

  @Test
  void oneConfirmationNamesOneLifeOfOneWorker() {
    StoredRecord forA = intend(0);
    StoredRecord forB = intend(1);
    StoredRecord forEarlierA = intend(2);
    confirmations.spawned(forA.id(), WORKER_A, 42);
    confirmations.spawned(forB.id(), WORKER_B, 42);
    confirmations.spawned(forEarlierA.id(), WORKER_A, 41);

    assertThat(confirmations.confirm(List.of(forA, forB, forEarlierA)).intents())
        .containsExactly(forA.id());
  }

  @Test
  void spawnsThatAreNeverSentAreForgotten() {
    for (int i = 0; i < 5000; i++) {
      confirmations.spawned(intend(i).id(), WORKER_A, 42);
      if (i == 10) {
        advanceMillis(SpawnConfirmations.MAX_AGE_MILLIS + 1);
      }
    }

    assertThat(confirmations.pendingCount()).isLessThan(5000 - 10);
  }

  @Test
  void aConfirmationNamesNoMoreThanAWorkerConfirmsAheadOfItsSlots() {
    List<StoredRecord> batch = new java.util.ArrayList<>();
    for (int i = 0; i < WorkerFold.CONFIRM_WINDOW + 10; i++) {
      StoredRecord intend = intend(i);
      confirmations.spawned(intend.id(), WORKER_A, 42);
      batch.add(intend);
    }

    DeliveryConfirmation confirmation = confirmations.confirm(batch);

    assertThat(confirmation.intents())
        .containsExactlyElementsOf(
            batch.subList(0, WorkerFold.CONFIRM_WINDOW).stream().map(StoredRecord::id).toList());
    assertThat(confirmations.pendingCount()).isZero();
  }
}
