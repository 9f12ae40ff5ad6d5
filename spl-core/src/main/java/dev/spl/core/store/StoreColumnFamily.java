package dev.spl.core.store;

import java.nio.charset.StandardCharsets;

/**
 * Every key space of the store, with the column family name it lives in. Names and ids are part of
 * the on-disk format: never rename or renumber an entry, only add new ones.
 */
enum StoreColumnFamily {
  /** RocksDB's mandatory default family; spl keeps nothing in it. */
  DEFAULT(0, "default"),
  /** Record id (32 raw bytes) to seq (8 bytes big-endian): dedup and reads by id. */
  RECORDS(1, "records"),
  /** Seq (8 bytes big-endian) to the encoded stored record: the append log. */
  LOG(2, "log"),
  /** Thread (1 length byte + UTF-8) followed by seq (8 bytes big-endian), empty value. */
  THREAD_INDEX(3, "thread_index"),
  /**
   * Pending deliveries, three key kinds: {@code 'd' + destination + key} to the record id, {@code
   * 's' + key} to the destination, and {@code 'n'} to the last key handed out.
   */
  OUTBOX(4, "outbox"),
  /** Small mutable metadata: UTF-8 key to opaque bytes. */
  META(5, "meta"),
  /**
   * Unique keys: {@code 'k' + UTF-8 key} to the id (32 raw bytes) of the record holding it, and
   * {@code 'v'} to the version of the rules the index was built by.
   */
  UNIQUE(6, "unique"),
  /**
   * Signatures records were received with: {@code 'e' + hash} (32 raw bytes) to an envelope's
   * canonical JSON, and {@code 'r' + record id} (32 raw bytes) to the hash of its envelope.
   */
  SIGNATURES(7, "signatures"),
  /**
   * Every {@code fanout_child_done} again, in the order its fan-out's results are read: {@code 'c'
   * + fan-out id (32 raw bytes) + child index (4 bytes big-endian) + seq (8 bytes big-endian)} to
   * its result and references ({@link StoreCodec#childResultValue}), and {@code 'v'} to the version
   * of the index. Derived from the log: written in the same batch as the record, rebuilt from the
   * log when the version is not the store's.
   */
  CHILD_RESULTS(8, "child_results");

  final int id;
  final String familyName;

  StoreColumnFamily(int id, String familyName) {
    this.id = id;
    this.familyName = familyName;
  }

  byte[] nameBytes() {
    return familyName.getBytes(StandardCharsets.UTF_8);
  }
}
