package dev.spl.core.store;

import dev.spl.core.RecordStore;
import dev.spl.core.RecordStoreContractTest;
import dev.spl.core.UniqueKeys;
import dev.spl.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract in {@link Durability#FAST} mode, where callers commit on their own thread. */
class RocksRecordStoreFastTest extends RecordStoreContractTest {
  @TempDir Path directory;

  @Override
  protected RecordStore openEmptyStore(TestClock clock, UniqueKeys keys) {
    return RocksRecordStore.open(directory.resolve("store"), Durability.FAST, clock, keys);
  }
}
