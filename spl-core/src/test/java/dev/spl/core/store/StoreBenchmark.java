package dev.spl.core.store;

import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.store.StoreCodec.Prepared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Append throughput of {@link RocksRecordStore} against raw RocksDB doing the same writes (the same
 * keys and values in the same column families with the same options, one write batch per append
 * call). Records are generated before each timed round, for both sides: the store's figure includes
 * hashing, encoding, the duplicate check and seq assignment; the raw figure only the writes. Rounds
 * of store and raw alternate; the median of the measured rounds is printed.
 *
 * <p>Run with {@code scripts/bench-store [rounds] [part of a mode name]}.
 */
public final class StoreBenchmark {
  private static final String ACTOR = "did:sync:instance:0123456789abcdef";

  private record Mode(
      String name, Durability durability, int writers, int batchSize, int recordsPerRound) {}

  private static final AtomicLong GENERATED = new AtomicLong();

  /**
   * Each round alternates store and raw over this many slices, so that load from other processes
   * falls on both sides alike.
   */
  private static final int SLICES = 10;

  private StoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String only = args.length > 1 ? args[1] : "";
    List<Mode> all =
        List.of(
            new Mode("fast, 1 writer", Durability.FAST, 1, 1, 20_000),
            new Mode("durable, 1 writer", Durability.DURABLE, 1, 1, 1_000),
            new Mode("durable, 16 writers", Durability.DURABLE, 16, 1, 4_800),
            new Mode("durable, batches of 100", Durability.DURABLE, 1, 100, 10_000));
    List<Mode> modes = all.stream().filter(m -> m.name().contains(only)).toList();
    Record sample = generate(1).get(0);
    System.out.printf(
        "record body %d bytes (canonical record %d bytes); %d measured rounds per mode after one"
            + " warm-up round; %d cores%n%n",
        Json.MAPPER.writeValueAsBytes(sample.body()).length,
        Prepared.of(sample).canonical().length,
        rounds,
        Runtime.getRuntime().availableProcessors());
    System.out.printf("%-26s %16s %16s %8s%n", "mode", "store rec/s", "raw rec/s", "store/raw");
    Path root = Files.createTempDirectory("spl-bench-store");
    try {
      for (Mode mode : modes) {
        run(mode, rounds, root.resolve(mode.name().replaceAll("[^a-z0-9]+", "-")));
      }
    } finally {
      deleteTree(root);
    }
  }

  private static void run(Mode mode, int rounds, Path directory) throws Exception {
    double[] store = new double[rounds];
    double[] raw = new double[rounds];
    try (RocksRecordStore spl =
            RocksRecordStore.open(
                directory.resolve("store"), mode.durability(), Clock.systemUTC());
        RawRocks rocks = new RawRocks(directory.resolve("raw"), mode.durability())) {
      for (int round = -1; round < rounds; round++) {
        List<Record> storeRecords = generate(mode.recordsPerRound());
        List<byte[][]> rawWrites = rocks.encode(generate(mode.recordsPerRound()));
        int sliceSize = mode.recordsPerRound() / SLICES;
        long storeNanos = 0;
        long rawNanos = 0;
        for (int slice = 0; slice < SLICES; slice++) {
          int from = slice * sliceSize;
          storeNanos +=
              measure(
                  mode,
                  storeRecords.subList(from, from + sliceSize),
                  batch -> spl.appendAll(batch));
          rawNanos += measureRaw(mode, rawWrites.subList(from, from + sliceSize), rocks);
        }
        if (round >= 0) {
          store[round] = SLICES * sliceSize / (storeNanos / 1e9);
          raw[round] = SLICES * sliceSize / (rawNanos / 1e9);
        }
      }
    }
    double[] ratios = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      ratios[i] = store[i] / raw[i];
    }
    System.out.printf(
        "%-26s %16s %16s %9.2f %7.2f..%.2f%n",
        mode.name(),
        format(median(store)),
        format(median(raw)),
        median(ratios),
        Arrays.stream(ratios).min().orElseThrow(),
        Arrays.stream(ratios).max().orElseThrow());
  }

  private interface Appender {
    void append(List<Record> batch);
  }

  private static long measure(Mode mode, List<Record> records, Appender appender) throws Exception {
    return timeWriters(
        mode,
        records.size(),
        (from, to) -> {
          for (int i = from; i < to; i += mode.batchSize()) {
            appender.append(records.subList(i, Math.min(to, i + mode.batchSize())));
          }
        });
  }

  private static long measureRaw(Mode mode, List<byte[][]> writes, RawRocks rocks)
      throws Exception {
    return timeWriters(
        mode,
        writes.size(),
        (from, to) -> {
          for (int i = from; i < to; i += mode.batchSize()) {
            rocks.write(writes.subList(i, Math.min(to, i + mode.batchSize())));
          }
        });
  }

  private interface Slice {
    void run(int from, int to) throws Exception;
  }

  /** Runs {@code count} writes split over the mode's writer threads; returns the nanoseconds. */
  private static long timeWriters(Mode mode, int count, Slice slice) throws Exception {
    int writers = mode.writers();
    CountDownLatch ready = new CountDownLatch(writers);
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    int per = count / writers;
    for (int w = 0; w < writers; w++) {
      int from = w * per;
      int to = w == writers - 1 ? count : from + per;
      Thread thread =
          new Thread(
              () -> {
                ready.countDown();
                try {
                  start.await();
                  slice.run(from, to);
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      thread.start();
      threads.add(thread);
    }
    ready.await();
    long begin = System.nanoTime();
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    long elapsed = System.nanoTime() - begin;
    if (failure.get() != null) {
      throw new IllegalStateException("a writer failed", failure.get());
    }
    return elapsed;
  }

  /** Distinct records of about 300 body bytes, shaped like {@code fanout_child_done}. */
  static List<Record> generate(int count) {
    List<Record> out = new ArrayList<>(count);
    String fanout = ThreadIds.derive("bench", "fanout").substring(3);
    for (int i = 0; i < count; i++) {
      long n = GENERATED.incrementAndGet();
      String childThread = ThreadIds.derive(fanout, Long.toString(n));
      String json =
          "{\"thread\":\""
              + childThread
              + "\",\"actor\":\""
              + ACTOR
              + "\",\"act\":\"KNOW\",\"clock\":"
              + n
              + ",\"body\":{\"topic\":\"fanout_child_done\",\"namespace\":\"default\","
              + "\"fanout\":\""
              + fanout
              + "\",\"index\":"
              + n
              + ",\"attempt\":1,\"child_thread\":\""
              + childThread
              + "\",\"worker\":\""
              + ACTOR
              + "\",\"verdict\":\"accept\",\"cost_usd\":0.0123,\"wall_time_secs\":1.25,"
              + "\"summary\":\"echo: subtask finished without errors\"}}";
      try {
        out.add(RecordJson.parse(Json.MAPPER.readTree(json)));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String format(double rate) {
    return String.format("%,.0f", rate);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** RocksDB opened with the store's options, writing the store's keys and values directly. */
  private static final class RawRocks implements AutoCloseable {
    private final DBOptions dbOptions = RocksRecordStore.newDbOptions();
    private final List<ColumnFamilyOptions> familyOptions = new ArrayList<>();
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final AtomicLong seq = new AtomicLong();

    RawRocks(Path directory, Durability durability) throws Exception {
      Files.createDirectories(directory);
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      for (StoreColumnFamily family : StoreColumnFamily.values()) {
        ColumnFamilyOptions options = RocksRecordStore.newFamilyOptions(family);
        familyOptions.add(options);
        descriptors.add(new ColumnFamilyDescriptor(family.nameBytes(), options));
      }
      db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
      writeOptions = new WriteOptions().setSync(durability == Durability.DURABLE);
    }

    /** Per record: records key and value, log key and value, thread index key. */
    List<byte[][]> encode(List<Record> records) {
      List<byte[][]> out = new ArrayList<>(records.size());
      long now = System.currentTimeMillis();
      for (Record record : records) {
        Prepared prepared = Prepared.of(record);
        byte[] seqKey = StoreCodec.seqKey(seq.incrementAndGet());
        out.add(
            new byte[][] {
              prepared.idBytes(),
              seqKey,
              prepared.logValue(now),
              StoreCodec.threadKey(
                  StoreCodec.threadPrefix(record.thread()), StoreCodec.seqOf(seqKey, 0))
            });
      }
      return out;
    }

    void write(List<byte[][]> writes) throws RocksDBException {
      try (WriteBatch batch = new WriteBatch()) {
        for (byte[][] write : writes) {
          batch.put(handle(StoreColumnFamily.RECORDS), write[0], write[1]);
          batch.put(handle(StoreColumnFamily.LOG), write[1], write[2]);
          batch.put(handle(StoreColumnFamily.THREAD_INDEX), write[3], new byte[0]);
        }
        db.write(writeOptions, batch);
      }
    }

    private ColumnFamilyHandle handle(StoreColumnFamily family) {
      return handles.get(family.ordinal());
    }

    @Override
    public void close() {
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      writeOptions.close();
      familyOptions.forEach(ColumnFamilyOptions::close);
      dbOptions.close();
    }
  }
}
