package dev.spl.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A record store held in memory: for tests and pure simulations; loses everything on exit. Unique
 * keys are decided under the same lock as the append, as in the persistent store.
 */
public final class InMemoryRecordStore implements RecordStore {
  private final Clock clock;
  private final Map<String, StoredEnvelope> envelopes = new HashMap<>();
  private final UniqueKeys uniqueKeys;
  private final Map<String, String> holders = new HashMap<>();
  private final Map<String, StoredRecord> byId = new HashMap<>();
  private final List<StoredRecord> log = new ArrayList<>();
  private final TreeMap<Long, OutboxEntry> outbox = new TreeMap<>();
  private final Map<String, byte[]> meta = new HashMap<>();
  private long lastOutboxKey;

  /** A store in which no record claims a unique key. */
  public InMemoryRecordStore(Clock clock) {
    this(clock, UniqueKeys.NONE);
  }

  public InMemoryRecordStore(Clock clock, UniqueKeys uniqueKeys) {
    this.clock = clock;
    this.uniqueKeys = java.util.Objects.requireNonNull(uniqueKeys, "uniqueKeys");
  }

  @Override
  public synchronized List<AppendResult> appendAll(
      List<Record> records, List<OutboxEntry> deliveries, StoredEnvelope envelope) {
    long now = clock.millis();
    Map<String, StoredRecord> added = new LinkedHashMap<>();
    List<AppendResult> results = new ArrayList<>(records.size());
    Map<String, String> claimed = new HashMap<>();
    long seq = log.size();
    for (int i = 0; i < records.size(); i++) {
      Record record = records.get(i);
      String id = record.id();
      StoredRecord existing = byId.get(id);
      if (existing == null) {
        existing = added.get(id);
      }
      if (existing != null) {
        results.add(new AppendResult(existing, false));
        continue;
      }
      Optional<UniqueClaim> claim = uniqueKeys.claimOf(record);
      if (claim.isPresent()) {
        String key = claim.get().key();
        String holder = claimed.containsKey(key) ? claimed.get(key) : holders.get(key);
        if (!claim.get().allowedOver(holder)) {
          throw new UniqueKeyConflictException(i, claim.get(), holder);
        }
        claimed.put(key, id);
      }
      StoredRecord stored = new StoredRecord(id, record, ++seq, now);
      added.put(id, stored);
      results.add(new AppendResult(stored, true));
    }
    for (int i = 0; i < deliveries.size(); i++) {
      String recordId = deliveries.get(i).recordId();
      if (!byId.containsKey(recordId) && !added.containsKey(recordId)) {
        throw OutboxEntry.unknownRecord(i, recordId);
      }
    }
    byId.putAll(added);
    log.addAll(added.values());
    if (envelope != null) {
      added.keySet().forEach(id -> envelopes.put(id, envelope));
    }
    holders.putAll(claimed);
    for (OutboxEntry delivery : deliveries) {
      outbox.put(++lastOutboxKey, delivery);
    }
    return results;
  }

  @Override
  public synchronized Optional<StoredEnvelope> envelopeOf(String id) {
    return Optional.ofNullable(envelopes.get(id));
  }

  @Override
  public synchronized Optional<String> holderOf(String key) {
    return Optional.ofNullable(holders.get(key));
  }

  @Override
  public synchronized Optional<StoredRecord> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public synchronized List<StoredRecord> query(RecordQuery query) {
    List<StoredRecord> out = new ArrayList<>();
    for (long i = query.afterSeq(); i < log.size() && out.size() < query.limit(); i++) {
      StoredRecord stored = log.get((int) i);
      if (query.matches(stored)) {
        out.add(stored);
      }
    }
    return out;
  }

  @Override
  public synchronized long lastSeq() {
    return log.size();
  }

  @Override
  public synchronized long count() {
    return log.size();
  }

  @Override
  public synchronized List<PendingDelivery> pendingDeliveries(String destination, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: expected at least 1 but found " + limit);
    }
    List<PendingDelivery> out = new ArrayList<>();
    for (var entry : outbox.entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      if (entry.getValue().destination().equals(destination)) {
        out.add(
            new PendingDelivery(
                entry.getKey(), destination, byId.get(entry.getValue().recordId())));
      }
    }
    return out;
  }

  @Override
  public synchronized Set<String> deliveryDestinations() {
    Set<String> out = new LinkedHashSet<>();
    outbox.values().forEach(entry -> out.add(entry.destination()));
    return out;
  }

  @Override
  public synchronized void acknowledgeDeliveries(Collection<Long> keys) {
    keys.forEach(outbox::remove);
  }

  /** Moves them all at once, under the lock every other write takes. */
  @Override
  public synchronized int readdressDeliveries(String from, String to) {
    java.util.Objects.requireNonNull(from, "from");
    OutboxEntry.requireDestination(to, "to");
    if (from.equals(to)) {
      return 0;
    }
    List<Long> keys = new ArrayList<>();
    List<OutboxEntry> requeued = new ArrayList<>();
    for (var entry : outbox.entrySet()) {
      if (entry.getValue().destination().equals(from)) {
        keys.add(entry.getKey());
        requeued.add(new OutboxEntry(to, entry.getValue().recordId()));
      }
    }
    keys.forEach(outbox::remove);
    for (OutboxEntry delivery : requeued) {
      outbox.put(++lastOutboxKey, delivery);
    }
    return keys.size();
  }

  @Override
  public synchronized Optional<byte[]> getMeta(String key) {
    return Optional.ofNullable(meta.get(key)).map(v -> Arrays.copyOf(v, v.length));
  }

  @Override
  public synchronized void putMeta(String key, byte[] value) {
    meta.put(key, Arrays.copyOf(value, value.length));
  }

  @Override
  public void close() {}
}
