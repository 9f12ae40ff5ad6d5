package dev.spl.core;

import java.util.Objects;

/**
 * A record with its canonical JSON and its id, computed once: a record received is hashed when it
 * is parsed (to check the id its writer names), and the signature check and the store take the same
 * bytes instead of serialising and hashing it again. Only {@link #of} makes one, so the bytes are
 * always those of the record.
 */
public final class HashedRecord {
  private final Record record;
  private final byte[] canonical;
  private final byte[] idBytes;
  private final String id;

  private HashedRecord(Record record, byte[] canonical, byte[] idBytes) {
    this.record = record;
    this.canonical = canonical;
    this.idBytes = idBytes;
    this.id = Hex.format(idBytes);
  }

  public static HashedRecord of(Record record) {
    Objects.requireNonNull(record, "record");
    byte[] canonical = RecordIds.canonicalBytes(record);
    return new HashedRecord(record, canonical, Hex.sha256Bytes(canonical));
  }

  public Record record() {
    return record;
  }

  /** The record's id, as {@link Record#id()}. */
  public String id() {
    return id;
  }

  /** The 32 bytes of the id. The array is shared: callers must not change it. */
  public byte[] idBytes() {
    return idBytes;
  }

  /**
   * The canonical JSON the id is the hash of ({@link RecordIds#canonicalBytes}). The array is
   * shared: callers must not change it.
   */
  public byte[] canonical() {
    return canonical;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HashedRecord other && id.equals(other.id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "HashedRecord[" + id + "]";
  }
}
