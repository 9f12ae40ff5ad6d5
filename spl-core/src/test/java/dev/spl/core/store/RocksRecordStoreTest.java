package dev.spl.core.store;

import static dev.spl.core.TestRecords.record;
import static dev.spl.core.TestRecords.thread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.spl.core.Act;
import dev.spl.core.OutboxEntry;
import dev.spl.core.PendingDelivery;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.RecordStoreContractTest;
import dev.spl.core.StoreException;
import dev.spl.core.StoredRecord;
import dev.spl.core.UniqueKeyConflictException;
import dev.spl.core.UniqueKeys;
import dev.spl.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract in the default durable mode, plus what only a persistent store must do. */
class RocksRecordStoreTest extends RecordStoreContractTest {
  @TempDir Path directory;

  @Override
  protected RecordStore openEmptyStore(TestClock clock, UniqueKeys keys) {
    return RocksRecordStore.open(storeDirectory(), Durability.DURABLE, clock, keys);
  }

  private Path storeDirectory() {
    return directory.resolve("store");
  }

  @Test
  void theDefaultModeIsDurable() {
    assertThat(((RocksRecordStore) store).durability()).isEqualTo(Durability.DURABLE);
  }

  @Test
  void reopeningKeepsRecordsOutboxAndMetadataAndContinuesSeq() {
    Record a = record(thread("a"), Act.INTEND, "task", 1);
    Record b = record(thread("b"), Act.DO, "work", 2);
    store.appendAll(List.of(a, b), List.of(new OutboxEntry(WORKER, b.id())));
    Record c = record(thread("a"), Act.KNOW, "done", 3);
    store.appendAll(List.of(c), List.of(new OutboxEntry(WORKER, c.id())));
    long ackedKey = store.pendingDeliveries(WORKER, 10).get(0).key();
    store.acknowledgeDeliveries(List.of(ackedKey));
    store.putMeta("latest", "v1".getBytes(StandardCharsets.UTF_8));
    List<StoredRecord> before = store.query(RecordQuery.all(0, 100));
    store.close();

    store = RocksRecordStore.open(storeDirectory(), clock);

    assertThat(store.query(RecordQuery.all(0, 100))).isEqualTo(before);
    assertThat(store.get(b.id())).contains(before.get(1));
    assertThat(store.query(new RecordQuery(thread("a"), null, null, 0, 10)))
        .extracting(StoredRecord::id)
        .containsExactly(a.id(), c.id());
    assertThat(store.lastSeq()).isEqualTo(3);
    assertThat(store.count()).isEqualTo(3);
    List<PendingDelivery> pending = store.pendingDeliveries(WORKER, 10);
    assertThat(pending).extracting(p -> p.record().id()).containsExactly(c.id());
    assertThat(store.getMeta("latest"))
        .hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("v1"));
    assertThat(store.append(a).created()).isFalse();

    Record d = record(thread("d"), Act.DO, "work", 4);
    store.appendAll(List.of(d), List.of(new OutboxEntry(WORKER, d.id())));

    assertThat(store.get(d.id()).orElseThrow().seq()).isEqualTo(4);
    assertThat(store.pendingDeliveries(WORKER, 10))
        .extracting(PendingDelivery::key)
        .containsExactly(pending.get(0).key(), pending.get(0).key() + 1);
  }

  @Test
  void pendingDeliveriesHandOutTheRecordsTheirWriteCreatedAndReadTheSameBackAfterAReopen() {
    Record a = record(thread("a"), Act.INTEND, "task", 1);
    Record b = record(thread("b"), Act.DO, "work", 2);
    List<StoredRecord> written =
        store
            .appendAll(
                List.of(a, b),
                List.of(new OutboxEntry(WORKER, a.id()), new OutboxEntry(WORKER, b.id())))
            .stream()
            .map(dev.spl.core.AppendResult::stored)
            .toList();
    // A delivery of a record stored by an earlier write is read from the log.
    store.appendAll(List.of(), List.of(new OutboxEntry(WORKER, a.id())));

    List<PendingDelivery> fresh = store.pendingDeliveries(WORKER, 10);

    assertThat(fresh).hasSize(3);
    assertThat(fresh.get(0).record()).isSameAs(written.get(0));
    assertThat(fresh.get(1).record()).isSameAs(written.get(1));
    assertThat(fresh.get(2).record()).isNotSameAs(written.get(0)).isEqualTo(written.get(0));
    store.acknowledgeDeliveries(List.of(fresh.get(0).key()));
    store.close();

    store = RocksRecordStore.open(storeDirectory(), clock);

    assertThat(store.pendingDeliveries(WORKER, 10)).isEqualTo(fresh.subList(1, 3));
  }

  @Test
  void readdressedDeliveriesStayMovedAfterAReopen() {
    Record a = record(thread("a"), Act.INTEND, "task", 1);
    Record b = record(thread("b"), Act.DO, "work", 2);
    Record c = record(thread("c"), Act.DO, "work", 3);
    store.appendAll(
        List.of(a, b, c),
        List.of(
            new OutboxEntry(WORKER_MOVED, c.id()),
            new OutboxEntry(WORKER, b.id()),
            new OutboxEntry(WORKER, a.id())));
    assertThat(store.readdressDeliveries(WORKER, WORKER_MOVED)).isEqualTo(2);
    List<PendingDelivery> moved = store.pendingDeliveries(WORKER_MOVED, 10);
    store.close();

    store = RocksRecordStore.open(storeDirectory(), clock);

    assertThat(store.pendingDeliveries(WORKER, 10)).isEmpty();
    assertThat(store.deliveryDestinations()).containsExactly(WORKER_MOVED);
    assertThat(store.pendingDeliveries(WORKER_MOVED, 10)).isEqualTo(moved);
    assertThat(moved).extracting(p -> p.record().id()).containsExactly(c.id(), b.id(), a.id());
    // Keys handed out by the move are not handed out again.
    Record d = record(thread("d"), Act.DO, "work", 4);
    store.appendAll(List.of(d), List.of(new OutboxEntry(WORKER_MOVED, d.id())));
    assertThat(store.pendingDeliveries(WORKER_MOVED, 10))
        .extracting(PendingDelivery::key)
        .hasSize(4)
        .isSorted()
        .doesNotHaveDuplicates()
        .startsWith(moved.get(0).key(), moved.get(1).key(), moved.get(2).key());
  }

  @Test
  void claimsSurviveAReopen() {
    Record first = claim("alias:a", null, 1);
    store.append(first);
    store.close();

    store = RocksRecordStore.open(storeDirectory(), Durability.DURABLE, clock, CLAIMS);

    assertThatThrownBy(() -> store.append(claim("alias:a", null, 2)))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class, e -> assertThat(e.holder()).isEqualTo(first.id()));
    assertThat(store.append(claim("alias:a", first.id(), 3)).created()).isTrue();
  }

  @Test
  void aStoreWrittenWithoutTheRulesGetsItsIndexBuiltFromTheLogWithTheNewestClaimantHolding() {
    store.close();
    store = RocksRecordStore.open(storeDirectory(), Durability.DURABLE, clock, UniqueKeys.NONE);
    Record older = claim("fanout-of:t", null, 1);
    Record newer = claim("fanout-of:t", null, 2);
    Record other = claim("alias:x", null, 3);
    store.appendAll(List.of(older, record(thread("n"), Act.DO, "work", 4), newer, other));
    store.close();

    store = RocksRecordStore.open(storeDirectory(), Durability.DURABLE, clock, CLAIMS);

    assertThatThrownBy(() -> store.append(claim("alias:x", null, 5)))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class, e -> assertThat(e.holder()).isEqualTo(other.id()));
    assertThatThrownBy(() -> store.append(claim("fanout-of:t", older.id(), 6)))
        .isInstanceOfSatisfying(
            UniqueKeyConflictException.class, e -> assertThat(e.holder()).isEqualTo(newer.id()));
    assertThat(store.append(claim("fanout-of:t", newer.id(), 7)).created()).isTrue();
  }

  @Test
  void closeIsIdempotentAndLaterCallsFailClearly() {
    store.append(record(thread("a"), Act.DO, "work", 1));
    store.close();
    store.close();

    assertThatThrownBy(() -> store.append(record(thread("a"), Act.DO, "work", 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed")
        .hasMessageContaining(storeDirectory().toString());
    assertThatThrownBy(() -> store.query(RecordQuery.all(0, 1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSecondOpenOfTheSameFolderIsRefusedNamingThePath() {
    assertThatThrownBy(() -> RocksRecordStore.open(storeDirectory(), clock))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(storeDirectory().toString())
        .hasMessageContaining("LOCK");
  }

  @Test
  void aFolderThatCannotBeCreatedIsRefusedNamingThePath() throws Exception {
    Path file = Files.writeString(directory.resolve("plain-file"), "not a folder");

    Path inside = file.resolve("store");
    assertThatThrownBy(() -> RocksRecordStore.open(inside, clock))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(inside.toString());
  }

  @Test
  void aFolderWithoutWritePermissionIsRefusedNamingThePath() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere");
    Path locked = Files.createDirectory(directory.resolve("read-only"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assertThatThrownBy(() -> RocksRecordStore.open(locked, clock))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(locked.toString())
          .hasMessageContaining("not writable");
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aCorruptStoreIsRefusedNamingThePath() throws Exception {
    store.append(record(thread("a"), Act.DO, "work", 1));
    store.close();
    Files.writeString(storeDirectory().resolve("CURRENT"), "MANIFEST-999999\n");

    assertThatThrownBy(() -> RocksRecordStore.open(storeDirectory(), clock))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(storeDirectory().toString());
  }
}
