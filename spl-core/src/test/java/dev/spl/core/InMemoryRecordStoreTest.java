package dev.spl.core;

import dev.spl.testing.TestClock;

class InMemoryRecordStoreTest extends RecordStoreContractTest {
  @Override
  protected RecordStore openEmptyStore(TestClock clock, UniqueKeys keys) {
    return new InMemoryRecordStore(clock, keys);
  }
}
