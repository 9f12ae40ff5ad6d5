package dev.spl.core;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The append-only record log, with a durable outbox and small metadata written in the same atomic
 * writes. Appending a record whose id is already stored is a no-op that returns the stored record.
 * A store opened with {@link UniqueKeys} decides each new record's {@link UniqueClaim} in the same
 * atomic write that appends it: a call with a record whose claim cannot be taken throws {@link
 * UniqueKeyConflictException} and stores nothing. Every implementation passes {@code
 * RecordStoreContractTest}.
 */
public interface RecordStore extends AutoCloseable {

  /** Appends one record; durable before returning when the store is in durable mode. */
  default AppendResult append(Record record) {
    return appendAll(List.of(record)).get(0);
  }

  /**
   * Appends records atomically: all are stored or, on any failure, none. Duplicates of stored ids
   * (or of earlier records in the same batch) come back with {@code created == false}. Claims are
   * checked in order, so a record sees the claims of the records before it in the same call.
   */
  default List<AppendResult> appendAll(List<Record> records) {
    return appendAll(records, List.of());
  }

  /**
   * Appends records and enqueues deliveries in one atomic write. A delivery may name a record of
   * this call or one already stored; naming any other id fails the whole call with {@link
   * IllegalArgumentException} and nothing is written. Results are in the order of {@code records}.
   */
  default List<AppendResult> appendAll(List<Record> records, List<OutboxEntry> deliveries) {
    return appendAll(records, deliveries, null);
  }

  /**
   * As {@link #appendAll(List, List)}, and keeps {@code envelope} (null: none) beside every record
   * this call creates, in the same atomic write: the signature they were received with. A record
   * that was stored already keeps what it was first stored with.
   */
  List<AppendResult> appendAll(
      List<Record> records, List<OutboxEntry> deliveries, StoredEnvelope envelope);

  /**
   * As {@link #appendAll(List, List, StoredEnvelope)}, and calls {@code onWritten} with the results
   * once the write is readable, which may be before it is durable; the call itself still returns
   * only once it is durable (in durable mode). A store that cannot tell the two apart calls it when
   * the write is durable. {@code onWritten} may run on another thread, while the store holds its
   * commit lock: it must only hand the results on, and never write to this store.
   */
  default List<AppendResult> appendAll(
      List<Record> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      Consumer<List<AppendResult>> onWritten) {
    List<AppendResult> results = appendAll(records, deliveries, envelope);
    onWritten.accept(results);
    return results;
  }

  /**
   * As {@link #appendAll(List, List, StoredEnvelope, Consumer)} ({@code onWritten} null: as {@link
   * #appendAll(List, List, StoredEnvelope)}), for records already hashed: a store that keeps the
   * canonical bytes takes them as they are instead of serialising and hashing each record again.
   */
  default List<AppendResult> appendHashed(
      List<HashedRecord> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      Consumer<List<AppendResult>> onWritten) {
    List<Record> plain = new java.util.ArrayList<>(records.size());
    for (HashedRecord record : records) {
      plain.add(record.record());
    }
    return onWritten == null
        ? appendAll(plain, deliveries, envelope)
        : appendAll(plain, deliveries, envelope, onWritten);
  }

  /** The envelope the record {@code id} was received with, if it was signed. */
  Optional<StoredEnvelope> envelopeOf(String id);

  Optional<StoredRecord> get(String id);

  /**
   * The id of the record holding the unique key {@code key} (see {@link UniqueKeys}), if one does:
   * one read of the store's index of claims, so a task is found by its alias without a scan.
   */
  Optional<String> holderOf(String key);

  /** Records matching the query, in append order. */
  List<StoredRecord> query(RecordQuery query);

  /**
   * The records at {@code seqs}, in the order given, skipping seqs no record holds (0, negative,
   * above {@link #lastSeq()}). Reads them in one pass where the store can: a page of results spread
   * over the log costs one call instead of one query each.
   */
  default List<StoredRecord> atSeqs(long[] seqs) {
    List<StoredRecord> out = new java.util.ArrayList<>(seqs.length);
    for (long seq : seqs) {
      if (seq < 1) {
        continue;
      }
      List<StoredRecord> one = query(RecordQuery.all(seq - 1, 1));
      if (!one.isEmpty() && one.get(0).seq() == seq) {
        out.add(one.get(0));
      }
    }
    return out;
  }

  /**
   * Receives the stored bytes of one record: its canonical JSON ({@link RecordIds#canonicalBytes})
   * is {@code length} bytes of {@code bytes} from {@code offset}. The array is the caller's to
   * keep.
   */
  @FunctionalInterface
  interface CanonicalSink {
    void accept(int position, byte[] bytes, int offset, int length);
  }

  /**
   * The canonical JSON of the records at {@code seqs} whose topic is {@code topic}, as stored, so a
   * reader can copy a part of a record out without building it: {@code sink} gets the position in
   * {@code seqs} of each one found. Seqs no record holds, and records of another topic, are
   * skipped.
   */
  default void canonicalAtSeqs(long[] seqs, String topic, CanonicalSink sink) {
    java.util.Objects.requireNonNull(topic, "topic");
    java.util.Map<Long, StoredRecord> found = new java.util.HashMap<>(seqs.length * 2);
    for (StoredRecord stored : atSeqs(seqs)) {
      found.put(stored.seq(), stored);
    }
    for (int i = 0; i < seqs.length; i++) {
      StoredRecord stored = found.get(seqs[i]);
      if (stored != null && topic.equals(stored.record().topic())) {
        byte[] bytes = RecordIds.canonicalBytes(stored.record());
        sink.accept(i, bytes, 0, bytes.length);
      }
    }
  }

  /**
   * Receives one {@code fanout_child_done} of a fan-out: the child's index, the record's seq, and
   * its {@code body.result} and {@code body.refs} as canonical JSON in {@code parts}, each after
   * its length (4 bytes big-endian; -1 when the body has none). The array is the caller's to keep.
   */
  @FunctionalInterface
  interface ChildResultSink {
    void accept(int index, long seq, byte[] parts);
  }

  /**
   * Every {@code fanout_child_done} stored for children {@code fromIndex..toIndex} of fan-out
   * {@code fanout} (the id of its parent INTEND), every attempt's, in child index order and then
   * seq order, read by one walk of an index the store keeps beside its log; which of them counts is
   * the reader's to decide. False, with nothing given to {@code sink}, when this store keeps no
   * such index: then read them by seq ({@link #canonicalAtSeqs}).
   */
  default boolean childResults(String fanout, int fromIndex, int toIndex, ChildResultSink sink) {
    return false;
  }

  /** The highest seq assigned so far, 0 for an empty store. */
  long lastSeq();

  /** How many records the store holds. */
  long count();

  /**
   * Up to {@code limit} (at least 1) unacknowledged deliveries to {@code destination}, in enqueue
   * order.
   */
  List<PendingDelivery> pendingDeliveries(String destination, int limit);

  /** Destinations that have at least one unacknowledged delivery. */
  Set<String> deliveryDestinations();

  /** Removes deliveries from the outbox; unknown or already acknowledged keys are ignored. */
  void acknowledgeDeliveries(Collection<Long> keys);

  /** How many deliveries {@link #readdressDeliveries} moves per write when it cannot move all. */
  int READDRESS_BATCH = 1000;

  /**
   * Moves every delivery pending for {@code from} to {@code to} (a receiver that came back at a new
   * address), behind whatever {@code to} has pending, in their order. Returns how many moved; none
   * when {@code from} has nothing pending or equals {@code to}.
   *
   * <p>This way moves them {@link #READDRESS_BATCH} at a time, each batch queued again before it is
   * acknowledged: a crash in between sends some twice, which receivers ignore (records are
   * content-addressed), and loses none. A store that can move them in one atomic write does.
   */
  default int readdressDeliveries(String from, String to) {
    java.util.Objects.requireNonNull(from, "from");
    OutboxEntry.requireDestination(to, "to");
    if (from.equals(to)) {
      return 0;
    }
    int moved = 0;
    while (true) {
      List<PendingDelivery> batch = pendingDeliveries(from, READDRESS_BATCH);
      if (batch.isEmpty()) {
        return moved;
      }
      List<OutboxEntry> requeued = new java.util.ArrayList<>(batch.size());
      List<Long> keys = new java.util.ArrayList<>(batch.size());
      for (PendingDelivery delivery : batch) {
        requeued.add(new OutboxEntry(to, delivery.record().id()));
        keys.add(delivery.key());
      }
      appendAll(List.of(), requeued);
      acknowledgeDeliveries(keys);
      moved += batch.size();
    }
  }

  /** Small mutable metadata (not part of the log), e.g. the latest heartbeat per instance. */
  Optional<byte[]> getMeta(String key);

  /** Sets (overwrites) one metadata value, durably in durable mode. */
  void putMeta(String key, byte[] value);

  @Override
  void close();
}
