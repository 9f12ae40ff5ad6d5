package dev.spl.core;

class InMemoryRecordStoreTest extends RecordStoreContractTest {
  @Override
  protected RecordStore openEmptyStore(TestClock clock, UniqueKeys keys) {
    return new InMemoryRecordStore(clock, keys);
  }
}
