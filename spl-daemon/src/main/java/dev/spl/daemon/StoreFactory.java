package dev.spl.daemon;

import dev.spl.core.RecordStore;
import dev.spl.core.UniqueKeys;
import dev.spl.core.store.Durability;
import dev.spl.core.store.RocksRecordStore;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Opens a daemon's record store in the home's store folder. A daemon started without one uses
 * {@link #ROCKSDB}; tests hand in others (e.g. a store held in memory).
 */
@FunctionalInterface
public interface StoreFactory {
  /** RocksDB in {@code directory}: what every daemon started by {@code spl} uses. */
  StoreFactory ROCKSDB = RocksRecordStore::open;

  /**
   * Opens the store. {@code clock} stamps the {@code received_at} of every record appended; {@code
   * uniqueKeys} are the claims the store decides in its append (one task per alias, one fan-out per
   * task); the store is closed by the daemon after its components.
   */
  RecordStore open(Path directory, Durability durability, Clock clock, UniqueKeys uniqueKeys);
}
