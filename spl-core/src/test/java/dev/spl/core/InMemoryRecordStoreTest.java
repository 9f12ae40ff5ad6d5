package dev.spl.core;

class InMemoryRecordStoreTest extends RecordStoreContractTest {
  @Override
  protected RecordStore openEmptyStore(TestClock clock) {
    return new InMemoryRecordStore(clock);
  }
}
