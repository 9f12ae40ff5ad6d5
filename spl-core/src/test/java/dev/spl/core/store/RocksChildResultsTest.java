package dev.spl.core.store;

import static dev.spl.core.TestRecords.record;
import static dev.spl.core.TestRecords.thread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * The index of child results: every {@code fanout_child_done} of a fan-out read back in child index
 * and seq order, every attempt's, from appends and from a rebuild of a store without it.
 */
class RocksChildResultsTest {
  private static final String FANOUT = "a".repeat(64);
  private static final String OTHER_FANOUT = "b".repeat(64);

  @TempDir Path directory;
  private final TestClock clock = new TestClock(1_000);
  private RocksRecordStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /** One entry as the store gave it: index, seq, and its result and references as text. */
  private record Entry(int index, long seq, String result, String refs) {}

  private static String part(java.nio.ByteBuffer in) {
    int length = in.getInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static Record done(String fanout, int index, int attempt) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.CHILD_DONE);
    body.put("fanout", fanout);
    body.put("index", index);
    body.put("attempt", attempt);
    body.putObject("result").put("value", index * 10 + attempt).put("name", "é " + index);
    if (index == 3) {
      body.putArray("refs").addObject().put("path", "out.txt").put("size", 3);
    }
    return new Record(thread("parent"), "did:sync:user:test", Act.KNOW, body, attempt, List.of());
  }

  private List<Entry> read(String fanout, int from, int to) {
    List<Entry> entries = new ArrayList<>();
    assertThat(
            store.childResults(
                fanout,
                from,
                to,
                (index, seq, parts) -> {
                  java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(parts);
                  entries.add(new Entry(index, seq, part(in), part(in)));
                }))
        .isTrue();
    return entries;
  }

  private static Entry entryOf(StoredRecord stored) {
    return new Entry(
        stored.record().body().get("index").asInt(),
        stored.seq(),
        CanonicalJson.string(stored.record().body().get("result")),
        stored.record().body().has("refs")
            ? CanonicalJson.string(stored.record().body().get("refs"))
            : null);
  }

  /**
   * Child 2 reported twice (a retried attempt, appended after child 3), another fan-out's child and
   * records of other topics in between.
   */
  private List<StoredRecord> fill() {
    List<Record> records =
        List.of(
            done(FANOUT, 0, 1),
            record(thread("parent"), Act.DO, "fanout_spawned", 1),
            done(FANOUT, 2, 1),
            done(OTHER_FANOUT, 1, 1),
            done(FANOUT, 1, 1),
            done(FANOUT, 3, 1),
            record(thread("parent"), Act.KNOW, "something_else", 2),
            done(FANOUT, 2, 2));
    List<StoredRecord> stored = new ArrayList<>();
    store.appendAll(records.subList(0, 4)).forEach(result -> stored.add(result.stored()));
    store.appendAll(records.subList(4, 8)).forEach(result -> stored.add(result.stored()));
    return stored;
  }

  @Test
  void appendedResultsAreReadInIndexThenSeqOrderWithTheirStoredBytes() {
    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);
    List<StoredRecord> stored = fill();

    assertThat(read(FANOUT, 0, 3))
        .containsExactly(
            entryOf(stored.get(0)),
            entryOf(stored.get(4)),
            entryOf(stored.get(2)),
            entryOf(stored.get(7)),
            entryOf(stored.get(5)));
    assertThat(read(FANOUT, 2, 2)).containsExactly(entryOf(stored.get(2)), entryOf(stored.get(7)));
    assertThat(read(FANOUT, 4, 100)).isEmpty();
    assertThat(read(OTHER_FANOUT, 0, Integer.MAX_VALUE)).containsExactly(entryOf(stored.get(3)));
    assertThat(read("not a fan-out id", 0, 10)).isEmpty();
  }

  @Test
  void aStoreWithoutTheIndexBuildsItFromTheLogWhenOpenedAndKeepsIndexingAfterwards()
      throws Exception {
    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);
    List<StoredRecord> stored = fill();
    List<Entry> before = read(FANOUT, 0, 3);
    store.close();
    store = null;
    dropIndex();

    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);

    assertThat(read(FANOUT, 0, 3)).isEqualTo(before);
    assertThat(read(OTHER_FANOUT, 0, 5)).containsExactly(entryOf(stored.get(3)));
    StoredRecord late = store.append(done(FANOUT, 1, 2)).stored();
    assertThat(read(FANOUT, 1, 1)).containsExactly(entryOf(stored.get(4)), entryOf(late));
    // Opened again with the index in place: nothing rebuilt twice, nothing lost.
    store.close();
    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);
    assertThat(read(FANOUT, 0, 3)).hasSize(6);
  }

  @Test
  void anIndexOfAnotherVersionIsDroppedAndBuiltAgain() throws Exception {
    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);
    fill();
    List<Entry> before = read(FANOUT, 0, 3);
    store.close();
    store = null;
    dropIndex(
        (db, index) -> {
          // An entry no record of this store gave, under an older version.
          db.put(index, StoreCodec.childResultKey(new byte[32], 0, 1), new byte[] {1, 2, 3});
          db.put(index, StoreCodec.CHILD_RESULTS_VERSION_KEY, new byte[] {1});
        });

    store = RocksRecordStore.open(directory, Durability.DURABLE, clock);

    assertThat(read(FANOUT, 0, 3)).isEqualTo(before);
    assertThat(read("0".repeat(64), 0, 10)).isEmpty();
  }

  private interface IndexEdit {
    void apply(RocksDB db, ColumnFamilyHandle index) throws Exception;
  }

  private void dropIndex() throws Exception {
    dropIndex((db, index) -> {});
  }

  /** Empties the index family, its version too: the store as written before the index existed. */
  private void dropIndex(IndexEdit then) throws Exception {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    List<ColumnFamilyOptions> options = new ArrayList<>();
    for (StoreColumnFamily family : StoreColumnFamily.values()) {
      ColumnFamilyOptions familyOptions = new ColumnFamilyOptions();
      options.add(familyOptions);
      descriptors.add(new ColumnFamilyDescriptor(family.nameBytes(), familyOptions));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions dbOptions = RocksRecordStore.newDbOptions();
        RocksDB db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        WriteOptions sync = new WriteOptions().setSync(true)) {
      ColumnFamilyHandle index = handles.get(StoreColumnFamily.CHILD_RESULTS.ordinal());
      db.deleteRange(index, new byte[] {0}, new byte[] {(byte) 0xff});
      assertThat(db.get(index, StoreCodec.CHILD_RESULTS_VERSION_KEY)).isNull();
      then.apply(db, index);
      handles.forEach(ColumnFamilyHandle::close);
    } finally {
      options.forEach(ColumnFamilyOptions::close);
    }
  }
}
