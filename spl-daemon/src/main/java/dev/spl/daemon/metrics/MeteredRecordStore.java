package dev.spl.daemon.metrics;

import dev.spl.core.AppendResult;
import dev.spl.core.OutboxEntry;
import dev.spl.core.PendingDelivery;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.StoredRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A record store that times its appends for {@link DaemonMetrics}: one {@code System.nanoTime} pair
 * and one histogram update per batch. Everything else goes straight to the store underneath.
 */
public final class MeteredRecordStore implements RecordStore {
  private final RecordStore store;
  private final DaemonMetrics metrics;

  public MeteredRecordStore(RecordStore store, DaemonMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  /** The store underneath {@code store} when it is metered, else {@code store}. */
  public static RecordStore unwrap(RecordStore store) {
    return store instanceof MeteredRecordStore metered ? metered.store : store;
  }

  @Override
  public List<AppendResult> appendAll(
      List<Record> records, List<OutboxEntry> deliveries, StoredEnvelope envelope) {
    long start = System.nanoTime();
    List<AppendResult> results = store.appendAll(records, deliveries, envelope);
    metrics.appendTook(System.nanoTime() - start);
    return results;
  }

  @Override
  public List<AppendResult> appendAll(
      List<Record> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      java.util.function.Consumer<List<AppendResult>> onWritten) {
    long start = System.nanoTime();
    List<AppendResult> results = store.appendAll(records, deliveries, envelope, onWritten);
    metrics.appendTook(System.nanoTime() - start);
    return results;
  }

  @Override
  public List<AppendResult> appendHashed(
      List<dev.spl.core.HashedRecord> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      java.util.function.Consumer<List<AppendResult>> onWritten) {
    long start = System.nanoTime();
    List<AppendResult> results = store.appendHashed(records, deliveries, envelope, onWritten);
    metrics.appendTook(System.nanoTime() - start);
    return results;
  }

  @Override
  public Optional<StoredEnvelope> envelopeOf(String id) {
    return store.envelopeOf(id);
  }

  @Override
  public Optional<String> holderOf(String key) {
    return store.holderOf(key);
  }

  @Override
  public Optional<StoredRecord> get(String id) {
    return store.get(id);
  }

  @Override
  public List<StoredRecord> query(RecordQuery query) {
    return store.query(query);
  }

  @Override
  public List<StoredRecord> atSeqs(long[] seqs) {
    return store.atSeqs(seqs);
  }

  @Override
  public void canonicalAtSeqs(long[] seqs, String topic, CanonicalSink sink) {
    store.canonicalAtSeqs(seqs, topic, sink);
  }

  @Override
  public boolean childResults(String fanout, int fromIndex, int toIndex, ChildResultSink sink) {
    return store.childResults(fanout, fromIndex, toIndex, sink);
  }

  @Override
  public long lastSeq() {
    return store.lastSeq();
  }

  @Override
  public long count() {
    return store.count();
  }

  @Override
  public List<PendingDelivery> pendingDeliveries(String destination, int limit) {
    return store.pendingDeliveries(destination, limit);
  }

  @Override
  public Set<String> deliveryDestinations() {
    return store.deliveryDestinations();
  }

  @Override
  public void acknowledgeDeliveries(Collection<Long> keys) {
    store.acknowledgeDeliveries(keys);
  }

  @Override
  public int readdressDeliveries(String from, String to) {
    return store.readdressDeliveries(from, to);
  }

  @Override
  public Optional<byte[]> getMeta(String key) {
    return store.getMeta(key);
  }

  @Override
  public void putMeta(String key, byte[] value) {
    store.putMeta(key, value);
  }

  @Override
  public void close() {
    store.close();
  }
}
