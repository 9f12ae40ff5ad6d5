package dev.spl.core;

import java.util.List;
import java.util.Optional;

/**
 * The append-only record log. Appending a record whose id is already stored is a no-op that returns
 * the stored record. Every implementation passes {@code RecordStoreContract}.
 */
public interface RecordStore extends AutoCloseable {

  /** Appends one record; durable before returning when the store is in durable mode. */
  AppendResult append(Record record);

  /**
   * Appends records atomically: all are stored or, on any failure, none. Duplicates of stored ids
   * (or of earlier records in the same batch) come back with {@code created == false}.
   */
  List<AppendResult> appendAll(List<Record> records);

  Optional<StoredRecord> get(String id);

  /** Records matching the query, in append order. */
  List<StoredRecord> query(RecordQuery query);

  /** The highest seq assigned so far, 0 for an empty store. */
  long lastSeq();

  /** How many records the store holds. */
  long count();

  @Override
  void close();
}
