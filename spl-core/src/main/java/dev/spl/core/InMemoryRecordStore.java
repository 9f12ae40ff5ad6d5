package dev.spl.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A record store held in memory: for tests and pure simulations; loses everything on exit. */
public final class InMemoryRecordStore implements RecordStore {
  private final Clock clock;
  private final Map<String, StoredRecord> byId = new HashMap<>();
  private final List<StoredRecord> log = new ArrayList<>();

  public InMemoryRecordStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized AppendResult append(Record record) {
    return appendAll(List.of(record)).get(0);
  }

  @Override
  public synchronized List<AppendResult> appendAll(List<Record> records) {
    long now = clock.millis();
    Map<String, StoredRecord> added = new LinkedHashMap<>();
    List<AppendResult> results = new ArrayList<>(records.size());
    long seq = log.size();
    for (Record record : records) {
      String id = record.id();
      StoredRecord existing = byId.get(id);
      if (existing == null) {
        existing = added.get(id);
      }
      if (existing != null) {
        results.add(new AppendResult(existing, false));
        continue;
      }
      StoredRecord stored = new StoredRecord(id, record, ++seq, now);
      added.put(id, stored);
      results.add(new AppendResult(stored, true));
    }
    byId.putAll(added);
    log.addAll(added.values());
    return results;
  }

  @Override
  public synchronized Optional<StoredRecord> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public synchronized List<StoredRecord> query(RecordQuery query) {
    List<StoredRecord> out = new ArrayList<>();
    for (int i = (int) query.afterSeq(); i < log.size() && out.size() < query.limit(); i++) {
      StoredRecord stored = log.get(i);
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
  public void close() {}
}
