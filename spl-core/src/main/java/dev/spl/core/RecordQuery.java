package dev.spl.core;

/**
 * A scan of the global log in append order: records with {@code seq > afterSeq}, optionally only
 * those of one thread, topic or act, at most {@code limit} of them. Null filters match anything.
 */
public record RecordQuery(String thread, String topic, Act act, long afterSeq, int limit) {
  public static final int MAX_LIMIT = 10_000;

  public RecordQuery {
    if (afterSeq < 0) {
      throw new IllegalArgumentException(
          "after: expected a non-negative seq but found " + afterSeq);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit: expected 1.." + MAX_LIMIT + " but found " + limit);
    }
  }

  public static RecordQuery all(long afterSeq, int limit) {
    return new RecordQuery(null, null, null, afterSeq, limit);
  }

  public boolean matches(StoredRecord stored) {
    Record record = stored.record();
    return stored.seq() > afterSeq
        && (thread == null || thread.equals(record.thread()))
        && (topic == null || topic.equals(record.topic()))
        && (act == null || act == record.act());
  }
}
