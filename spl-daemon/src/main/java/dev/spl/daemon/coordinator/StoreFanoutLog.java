package dev.spl.daemon.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutLog;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.ItemChunk;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The coordinator's reads of records its fan-out fold does not keep: item chunks and data
 * children's results, from the store. The few chunks read last are kept parsed, because a window of
 * children spawned in order reads the same chunk once per child; records are immutable, so a kept
 * chunk never goes stale.
 */
public final class StoreFanoutLog implements FanoutLog {
  static final int CHUNKS_KEPT = 16;

  private final RecordStore store;
  private final Map<String, List<JsonNode>> recent =
      new LinkedHashMap<>(CHUNKS_KEPT * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<JsonNode>> eldest) {
          return size() > CHUNKS_KEPT;
        }
      };

  public StoreFanoutLog(RecordStore store) {
    this.store = store;
  }

  @Override
  public synchronized List<JsonNode> items(String chunkId) {
    List<JsonNode> kept = recent.get(chunkId);
    if (kept != null) {
      return kept;
    }
    StoredRecord stored =
        store
            .get(chunkId)
            .orElseThrow(
                () ->
                    new InvalidFanoutException(
                        -1, null, "the items chunk " + chunkId + " is not in the store"));
    if (!FanoutRecords.ITEMS.equals(stored.record().topic())) {
      throw new InvalidFanoutException(
          -1,
          null,
          "record "
              + chunkId
              + ": expected a "
              + FanoutRecords.ITEMS
              + " chunk but found topic "
              + stored.record().topic());
    }
    List<JsonNode> items;
    try {
      items = ItemChunk.fromBody(stored.record().body()).items();
    } catch (InvalidRecordException e) {
      throw new InvalidFanoutException(-1, null, "chunk " + chunkId + ": " + e.getMessage());
    }
    recent.put(chunkId, items);
    return items;
  }

  @Override
  public Optional<ChildDone> childDone(long seq) {
    if (seq < 1) {
      return Optional.empty();
    }
    List<StoredRecord> page = store.query(RecordQuery.all(seq - 1, 1));
    if (page.isEmpty() || page.get(0).seq() != seq) {
      return Optional.empty();
    }
    return childDoneOf(page.get(0));
  }

  private static Optional<ChildDone> childDoneOf(StoredRecord stored) {
    if (!FanoutRecords.CHILD_DONE.equals(stored.record().topic())) {
      return Optional.empty();
    }
    try {
      return Optional.of(ChildDone.fromBody(stored.record().body()));
    } catch (InvalidRecordException e) {
      return Optional.empty();
    }
  }
}
