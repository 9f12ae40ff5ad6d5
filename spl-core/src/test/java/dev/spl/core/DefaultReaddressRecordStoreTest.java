package dev.spl.core;

import dev.spl.testing.TestClock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The contract for a store that moves deliveries by {@link RecordStore#readdressDeliveries}'s own
 * way, in batches: an in-memory store seen only through the interface's abstract methods.
 */
class DefaultReaddressRecordStoreTest extends RecordStoreContractTest {
  @Override
  protected RecordStore openEmptyStore(TestClock clock, UniqueKeys keys) {
    return new ThroughTheInterface(new InMemoryRecordStore(clock, keys));
  }

  /** Passes the abstract methods on and keeps every default one. */
  private record ThroughTheInterface(RecordStore store) implements RecordStore {
    @Override
    public List<AppendResult> appendAll(
        List<Record> records, List<OutboxEntry> deliveries, StoredEnvelope envelope) {
      return store.appendAll(records, deliveries, envelope);
    }

    @Override
    public Optional<StoredEnvelope> envelopeOf(String id) {
      return store.envelopeOf(id);
    }

    @Override
    public Optional<StoredRecord> get(String id) {
      return store.get(id);
    }

    @Override
    public Optional<String> holderOf(String key) {
      return store.holderOf(key);
    }

    @Override
    public List<StoredRecord> query(RecordQuery query) {
      return store.query(query);
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
}
