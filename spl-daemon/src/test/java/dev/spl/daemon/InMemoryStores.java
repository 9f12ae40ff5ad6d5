package dev.spl.daemon;

import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.RecordStore;
import dev.spl.core.UniqueKeys;
import dev.spl.core.store.Durability;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Record stores held in memory, one per store folder: a daemon restarted on the same home finds its
 * records again, as it would in RocksDB, without touching the disk.
 */
final class InMemoryStores implements StoreFactory {
  private final Map<Path, InMemoryRecordStore> stores = new ConcurrentHashMap<>();

  @Override
  public RecordStore open(
      Path directory, Durability durability, Clock clock, UniqueKeys uniqueKeys) {
    return stores.computeIfAbsent(directory, folder -> new InMemoryRecordStore(clock, uniqueKeys));
  }
}
