package dev.spl.daemon.bench;

import dev.spl.core.Hex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The baseline: raw RocksDB writing records of the same size, keyed by their SHA-256, with the WAL
 * fsynced on every write (RocksDB group-commits concurrent synced writers itself).
 */
final class RawRocks {
  record Result(String name, double recordsPerSecond) {}

  private RawRocks() {}

  static Result[] runAll(Path dir, Duration phase, int connections, int batch) throws Exception {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions sync = new WriteOptions().setSync(true)) {
      AtomicLong unique = new AtomicLong();
      run(db, sync, unique, "warm-up", 1, 1, Duration.ofSeconds(1));
      return new Result[] {
        run(db, sync, unique, "1 writer", 1, 1, phase),
        run(db, sync, unique, connections + " writers", connections, 1, phase),
        run(db, sync, unique, "batch " + batch + ", 1 writer", 1, batch, phase),
        run(db, sync, unique, "batch " + batch + ", 4 writers", 4, batch, phase),
      };
    }
  }

  private static Result run(
      RocksDB db,
      WriteOptions sync,
      AtomicLong unique,
      String name,
      int writers,
      int batch,
      Duration duration)
      throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    long start = System.nanoTime();
    AtomicLong written = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    Exception[] failure = new Exception[1];
    for (int w = 0; w < writers; w++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    try (WriteBatch writes = new WriteBatch()) {
                      for (int i = 0; i < batch; i++) {
                        byte[] value = value(unique.incrementAndGet());
                        writes.put(Hex.sha256Bytes(value), value);
                      }
                      db.write(sync, writes);
                    }
                    written.addAndGet(batch);
                  }
                } catch (RocksDBException e) {
                  failure[0] = e;
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    double perSecond = written.get() / ((System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "raw RocksDB %-20s %,10.0f records/s%n", name, perSecond);
    return new Result(name, perSecond);
  }

  private static byte[] value(long n) {
    return ("{\"act\":\"DO\",\"actor\":\"did:sync:user:bench\",\"body\":{\"n\":"
            + n
            + ",\"note\":\"a typical small record body\",\"topic\":\"bench\"},\"clock\":"
            + n
            + ",\"parents\":[],\"thread\":\"th_"
            + "0".repeat(64)
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
