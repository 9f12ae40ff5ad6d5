package dev.spl.core.store;

import dev.spl.core.AppendResult;
import dev.spl.core.HashedRecord;
import dev.spl.core.Hex;
import dev.spl.core.OutboxEntry;
import dev.spl.core.PendingDelivery;
import dev.spl.core.Record;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoreException;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.StoredRecord;
import dev.spl.core.UniqueClaim;
import dev.spl.core.UniqueKeyConflictException;
import dev.spl.core.UniqueKeys;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.store.StoreCodec.Prepared;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The record log on RocksDB. Layout: see {@link StoreColumnFamily} and {@code docs/storage.md}.
 *
 * <p>All writes (appends with their outbox entries, acknowledgements, metadata) go through one
 * commit path that checks for existing ids, assigns seqs and writes one {@link WriteBatch}, so
 * dedup and seq order never race. In {@link Durability#DURABLE} mode a single writer thread drains
 * the queue of waiting writes into one batch and one fsync (group commit), except that a caller
 * that finds the store idle (nothing queued, the last group a single write) commits on its own
 * thread: handing a lone write to another thread and back costs two thread switches, which on a
 * busy machine take longer than the fsync. In {@link Durability#FAST} mode callers commit on their
 * own thread under the same lock, without fsync. A group that only acknowledges deliveries is not
 * fsynced: losing it to a power cut re-sends those deliveries, which receivers ignore. Ids and
 * value bytes are computed on the caller's thread before queueing.
 */
public final class RocksRecordStore implements RecordStore {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(RocksRecordStore.class);
  private static final int MAX_COMMITS_PER_GROUP = 1024;
  // A few outbox batches: the sender reads soon after the write, so more would only hold memory
  // for a destination that is down.
  static final int MAX_FRESH_DELIVERIES = 8192;

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final Durability durability;
  private final Clock clock;
  private final UniqueKeys uniqueKeys;
  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> familyOptions = new ArrayList<>();
  private final RocksDB db;
  private final Map<StoreColumnFamily, ColumnFamilyHandle> families =
      new EnumMap<>(StoreColumnFamily.class);
  private final WriteOptions writeOptions;
  private final WriteOptions unsyncedWriteOptions;
  private volatile LongConsumer syncedWrites = nanos -> {};
  private final ReentrantReadWriteLock openLock = new ReentrantReadWriteLock();
  // Held by whoever commits: the writer thread, or a caller committing on its own thread.
  private final ReentrantLock commitLock = new ReentrantLock();
  private final LinkedBlockingQueue<Commit> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private boolean closed;

  // Written only by the committing thread (whoever holds commitLock).
  private long nextSeq;
  private long lastOutboxKey;
  // What readers see: the last seq whose write completed.
  private volatile long lastSeq;
  // How many writes the last commit carried; a caller commits directly only after a lone one.
  private volatile int lastGroupSize = 1;
  // Outbox reads skip what is acknowledged without walking its deletion markers: every key below a
  // destination's floor is gone for good (keys only grow and are never re-added). The largest
  // acknowledged key of each destination lets a read that finds nothing raise the floor past it.
  private final Set<String> destinations = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> pendingFloor = new ConcurrentHashMap<>();
  private final Map<String, Long> largestAcknowledged = new ConcurrentHashMap<>();
  // The records of pending deliveries as the write that queued them had them, by delivery key, so
  // the outbox sends what it just wrote without reading and decoding it back. The log stays the
  // source of truth: a key not held here (after a reopen, or past the bound) is read from it.
  private final Map<Long, StoredRecord> freshDeliveries = new ConcurrentHashMap<>();

  private RocksRecordStore(
      Path directory, Durability durability, Clock clock, UniqueKeys uniqueKeys) {
    this.directory = directory;
    this.durability = durability;
    this.clock = clock;
    this.uniqueKeys = Objects.requireNonNull(uniqueKeys, "uniqueKeys");
    prepareDirectory(directory);
    this.dbOptions = newDbOptions();
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (StoreColumnFamily family : StoreColumnFamily.values()) {
      ColumnFamilyOptions options = newFamilyOptions(family);
      familyOptions.add(options);
      descriptors.add(new ColumnFamilyDescriptor(family.nameBytes(), options));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      familyOptions.forEach(ColumnFamilyOptions::close);
      dbOptions.close();
      throw new StoreException(
          "cannot open the record store at " + directory + ": " + e.getMessage(), e);
    }
    for (StoreColumnFamily family : StoreColumnFamily.values()) {
      families.put(family, handles.get(family.ordinal()));
    }
    this.writeOptions = new WriteOptions().setSync(durability == Durability.DURABLE);
    this.unsyncedWriteOptions = new WriteOptions().setSync(false);
    this.lastSeq = recoverLastSeq();
    this.nextSeq = lastSeq;
    this.lastOutboxKey = recoverLastOutboxKey();
    recoverDestinations();
    rebuildUniqueKeysIfNeeded();
    rebuildChildResultsIfNeeded();
    if (durability == Durability.DURABLE) {
      writer = new Thread(this::runWriter, "spl-store-writer " + directory.getFileName());
      writer.setDaemon(true);
      writer.start();
    } else {
      writer = null;
    }
  }

  /** Database options of every store (also used by the benchmark's raw RocksDB baseline). */
  static DBOptions newDbOptions() {
    return new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2);
  }

  static ColumnFamilyOptions newFamilyOptions(StoreColumnFamily family) {
    ColumnFamilyOptions options = new ColumnFamilyOptions();
    if (family == StoreColumnFamily.RECORDS) {
      // Most appends look up an id that does not exist yet: a bloom filter answers without I/O.
      options.setTableFormatConfig(
          new BlockBasedTableConfig().setFilterPolicy(new BloomFilter(10, false)));
      options.setMemtableWholeKeyFiltering(true).setMemtablePrefixBloomSizeRatio(0.1);
    }
    return options;
  }

  /** Opens (creating if needed) a durable store in {@code directory}. */
  /**
   * Tells {@code listener} how long each synced (fsynced) group write took, in nanoseconds, on the
   * writing thread: for metrics, so it must be quick.
   */
  public void onSyncedWrite(LongConsumer listener) {
    syncedWrites = java.util.Objects.requireNonNull(listener, "listener");
  }

  public static RocksRecordStore open(Path directory, Clock clock) {
    return open(directory, Durability.DURABLE, clock);
  }

  /** Opens a store in which no record claims a unique key. */
  public static RocksRecordStore open(Path directory, Durability durability, Clock clock) {
    return open(directory, durability, clock, UniqueKeys.NONE);
  }

  /**
   * Opens a store that decides the claims of {@code uniqueKeys}. When the index of claims on disk
   * was built by other rules (or by none: a store written before), it is rebuilt from the log
   * first.
   */
  public static RocksRecordStore open(
      Path directory, Durability durability, Clock clock, UniqueKeys uniqueKeys) {
    return new RocksRecordStore(directory, durability, clock, uniqueKeys);
  }

  public Path directory() {
    return directory;
  }

  public Durability durability() {
    return durability;
  }

  private static void prepareDirectory(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StoreException(
          "cannot create the record store folder " + directory + ": " + describe(e), e);
    }
    if (!Files.isDirectory(directory)) {
      throw new StoreException("the record store folder " + directory + " is not a directory");
    }
    if (!Files.isWritable(directory)) {
      throw new StoreException(
          "the record store folder " + directory + " is not writable by this user");
    }
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + " " + e.getMessage();
  }

  // ---- writes ----

  @Override
  public List<AppendResult> appendAll(
      List<Record> records, List<OutboxEntry> deliveries, StoredEnvelope envelope) {
    List<Prepared> prepared = new ArrayList<>(records.size());
    for (Record record : records) {
      prepared.add(Prepared.of(record, uniqueKeys));
    }
    Commit commit = new Commit(prepared, List.copyOf(deliveries), List.of(), null, null);
    commit.envelope = envelope;
    return submit(commit);
  }

  /** As the other appends, with the canonical bytes and ids the records were hashed with. */
  @Override
  public List<AppendResult> appendHashed(
      List<HashedRecord> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      Consumer<List<AppendResult>> onWritten) {
    List<Prepared> prepared = new ArrayList<>(records.size());
    for (HashedRecord record : records) {
      prepared.add(Prepared.of(record, uniqueKeys));
    }
    return submitWritten(prepared, deliveries, envelope, onWritten);
  }

  private List<AppendResult> submitWritten(
      List<Prepared> prepared,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      Consumer<List<AppendResult>> onWritten) {
    Commit commit = new Commit(prepared, List.copyOf(deliveries), List.of(), null, null);
    commit.envelope = envelope;
    commit.onWritten = onWritten;
    return submit(commit);
  }

  /**
   * In durable mode a group with a commit that asked for it is written to the WAL without fsync,
   * handed to {@code onWritten}, and only then fsynced ({@code SyncWAL}) before its callers return:
   * whoever reacts to the write works while the disk syncs. What it does in turn is a later write
   * to the same WAL, which cannot become durable before this one.
   */
  @Override
  public List<AppendResult> appendAll(
      List<Record> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      Consumer<List<AppendResult>> onWritten) {
    List<Prepared> prepared = new ArrayList<>(records.size());
    for (Record record : records) {
      prepared.add(Prepared.of(record, uniqueKeys));
    }
    return submitWritten(
        prepared, deliveries, envelope, java.util.Objects.requireNonNull(onWritten, "onWritten"));
  }

  @Override
  public void acknowledgeDeliveries(Collection<Long> keys) {
    submit(new Commit(List.of(), List.of(), List.copyOf(keys), null, null));
  }

  /**
   * Moves them in one write batch: the new entries and the removal of the old ones are durable
   * together or not at all. Committed on the caller's thread, alone: it reads what is queued for
   * {@code from} from disk, which would not show the deliveries of commits staged before it in the
   * same group.
   */
  @Override
  public int readdressDeliveries(String from, String to) {
    Objects.requireNonNull(from, "from");
    OutboxEntry.requireDestination(to, "to");
    if (from.equals(to)) {
      return 0;
    }
    Commit commit = new Commit(List.of(), List.of(), List.of(), null, null);
    commit.readdress = new Readdress(from, to);
    openLock.readLock().lock();
    try {
      requireOpen();
      commitLock.lock();
      try {
        commitGroup(List.of(commit));
      } finally {
        commitLock.unlock();
      }
      commit.result.join();
      return commit.moved;
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    } finally {
      openLock.readLock().unlock();
    }
  }

  /** What {@link #readdressDeliveries} moves: everything pending for {@code from}. */
  private record Readdress(String from, String to) {}

  @Override
  public void putMeta(String key, byte[] value) {
    submit(
        new Commit(
            List.of(),
            List.of(),
            List.of(),
            key.getBytes(StandardCharsets.UTF_8),
            Arrays.copyOf(value, value.length)));
  }

  private List<AppendResult> submit(Commit commit) {
    openLock.readLock().lock();
    try {
      requireOpen();
      boolean direct;
      if (durability == Durability.FAST) {
        commitLock.lock();
        direct = true;
      } else {
        // Only when no other writer is around: under concurrency the writer thread's groups share
        // fsyncs, and a caller jumping the queue would split them.
        direct = lastGroupSize == 1 && queue.isEmpty() && commitLock.tryLock();
      }
      if (direct) {
        try {
          commitGroup(List.of(commit));
        } finally {
          commitLock.unlock();
        }
      } else {
        queue.add(commit);
      }
      return commit.result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    } finally {
      openLock.readLock().unlock();
    }
  }

  private void runWriter() {
    List<Commit> group = new ArrayList<>();
    int previousGroupSize = 1;
    long previousWriteNanos = 0;
    while (true) {
      try {
        group.add(queue.take());
        queue.drainTo(group, MAX_COMMITS_PER_GROUP - group.size());
        awaitReturningWriters(group, previousGroupSize, previousWriteNanos);
      } catch (InterruptedException e) {
        return;
      }
      boolean stop = group.removeIf(Commit::isStop);
      long start = System.nanoTime();
      if (!group.isEmpty()) {
        commitLock.lock();
        try {
          commitGroup(group);
        } catch (Throwable e) {
          // Callers wait on these futures: never leave one pending, even after an Error.
          StoreException failure =
              new StoreException("the writer of the record store at " + directory + " failed", e);
          group.forEach(commit -> commit.result.completeExceptionally(failure));
          if (e instanceof Error error) {
            throw error;
          }
        } finally {
          commitLock.unlock();
        }
      }
      previousWriteNanos = System.nanoTime() - start;
      previousGroupSize = Math.max(1, group.size());
      lastGroupSize = previousGroupSize;
      group.clear();
      if (stop) {
        return;
      }
    }
  }

  /**
   * When the previous group had several writers, they were all just woken and are about to write
   * again; the first to arrive would otherwise get an fsync of its own while the rest queue behind
   * it, halving the group size. So wait for as many writers as last time, for at most half the
   * previous write's duration (and never over a millisecond). A lone writer never waits.
   */
  private void awaitReturningWriters(List<Commit> group, int expected, long previousWriteNanos)
      throws InterruptedException {
    if (group.size() >= expected || group.get(group.size() - 1).isStop()) {
      return;
    }
    long deadline = System.nanoTime() + Math.min(previousWriteNanos / 2, 1_000_000);
    while (group.size() < expected) {
      long left = deadline - System.nanoTime();
      Commit next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        return;
      }
      group.add(next);
      queue.drainTo(group, MAX_COMMITS_PER_GROUP - group.size());
      if (next.isStop()) {
        return;
      }
    }
  }

  /** Stages every commit of the group into one batch, writes it, then completes the commits. */
  private void commitGroup(List<Commit> group) {
    long seqBefore = nextSeq;
    long outboxKeyBefore = lastOutboxKey;
    long now = clock.millis();
    Map<String, StoredRecord> createdInGroup = new HashMap<>();
    Map<String, String> claimedInGroup = new HashMap<>();
    List<Commit> staged = new ArrayList<>(group.size());
    boolean written = false;
    try (WriteBatch batch = new WriteBatch()) {
      for (Commit commit : group) {
        try {
          commit.stage(batch, createdInGroup, claimedInGroup, now);
          staged.add(commit);
        } catch (IllegalArgumentException | StoreException | UniqueKeyConflictException e) {
          commit.result.completeExceptionally(e);
        } catch (RuntimeException | RocksDBException e) {
          throw new StoreException("cannot stage a write into " + directory, e);
        }
      }
      if (lastOutboxKey != outboxKeyBefore) {
        batch.put(
            handle(StoreColumnFamily.OUTBOX),
            StoreCodec.OUTBOX_LAST_KEY,
            StoreCodec.seqKey(lastOutboxKey));
      }
      if (!staged.isEmpty()) {
        boolean synced = needsSync(staged) && durability == Durability.DURABLE;
        long start = synced ? System.nanoTime() : 0;
        if (synced && anyWantsEarly(staged)) {
          db.write(unsyncedWriteOptions, batch);
          lastSeq = nextSeq;
          written = true;
          for (Commit commit : staged) {
            commit.written();
          }
          db.syncWal();
        } else {
          db.write(needsSync(staged) ? writeOptions : unsyncedWriteOptions, batch);
        }
        if (synced) {
          syncedWrites.accept(System.nanoTime() - start);
        }
      }
      lastSeq = nextSeq;
      if (!written) {
        for (Commit commit : staged) {
          commit.written();
        }
      }
      for (Commit commit : staged) {
        commit.acknowledged.forEach(
            (destination, key) -> largestAcknowledged.merge(destination, key, Math::max));
        commit.publishFreshDeliveries();
        commit.result.complete(commit.results);
      }
    } catch (RocksDBException | RuntimeException e) {
      StoreException failure;
      if (written) {
        // The batch is in the WAL and readable (the next sync makes it durable); only the fsync
        // failed. Its seqs and keys are taken: the callers are told it may not be durable, and a
        // retry of theirs finds the records stored.
        failure =
            new StoreException(
                "wrote to the record store at " + directory + " but could not sync its log", e);
      } else {
        nextSeq = seqBefore;
        lastOutboxKey = outboxKeyBefore;
        failure =
            e instanceof StoreException s
                ? s
                : new StoreException("cannot write to the record store at " + directory, e);
      }
      for (Commit commit : group) {
        commit.result.completeExceptionally(failure);
      }
    }
  }

  private static boolean anyWantsEarly(List<Commit> staged) {
    for (Commit commit : staged) {
      if (commit.onWritten != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the group must be fsynced (in durable mode): everything but acknowledgements (and a
   * readdress that found nothing to move) must. An unsynced write still reaches the WAL in order,
   * so the next synced write makes it durable too. Called once the group is staged.
   */
  private static boolean needsSync(List<Commit> staged) {
    for (Commit commit : staged) {
      if (!commit.records.isEmpty()
          || !commit.deliveries.isEmpty()
          || commit.metaKey != null
          || commit.moved > 0) {
        return true;
      }
    }
    return false;
  }

  /** One caller's write: records with deliveries, acknowledgements, or one metadata value. */
  private final class Commit {
    final List<Prepared> records;
    final List<OutboxEntry> deliveries;
    final List<Long> acknowledgements;
    final byte[] metaKey;
    final byte[] metaValue;
    final CompletableFuture<List<AppendResult>> result = new CompletableFuture<>();
    StoredEnvelope envelope;
    // Null, or the deliveries this commit moves to another destination; how many it moved.
    Readdress readdress;
    int moved;
    // Told the results once they are readable (possibly before the fsync); null: not asked.
    Consumer<List<AppendResult>> onWritten;
    List<AppendResult> results = List.of();
    // The largest key this commit acknowledges per destination, applied once it is written.
    final Map<String, Long> acknowledged = new HashMap<>();
    // The deliveries this commit queues of records it (or its group) creates, by key: kept once
    // it is written, never before (a failed write gives its keys back).
    final Map<Long, StoredRecord> fresh = new HashMap<>();

    Commit(
        List<Prepared> records,
        List<OutboxEntry> deliveries,
        List<Long> acknowledgements,
        byte[] metaKey,
        byte[] metaValue) {
      this.records = records;
      this.deliveries = deliveries;
      this.acknowledgements = acknowledgements;
      this.metaKey = metaKey;
      this.metaValue = metaValue;
    }

    boolean isStop() {
      return this == stopCommit;
    }

    void publishFreshDeliveries() {
      if (!fresh.isEmpty() && freshDeliveries.size() + fresh.size() <= MAX_FRESH_DELIVERIES) {
        freshDeliveries.putAll(fresh);
      }
    }

    /** Tells {@link #onWritten} the results, once; a failing callback fails nothing else. */
    void written() {
      Consumer<List<AppendResult>> callback = onWritten;
      onWritten = null;
      if (callback == null) {
        return;
      }
      try {
        callback.accept(results);
      } catch (RuntimeException e) {
        LOG.error("a write callback of the record store at {} failed", directory, e);
      }
    }

    /**
     * Adds this commit's writes to the batch, or throws having added nothing. Claims are decided
     * against the ones stored and the ones taken earlier in this group ({@code claimedInGroup}).
     */
    void stage(
        WriteBatch batch,
        Map<String, StoredRecord> createdInGroup,
        Map<String, String> claimedInGroup,
        long now)
        throws RocksDBException {
      List<AppendResult> out = new ArrayList<>(records.size());
      Map<String, StoredRecord> created = new HashMap<>();
      Map<String, String> claimed = new HashMap<>();
      List<Prepared> toWrite = new ArrayList<>(records.size());
      long seq = nextSeq;
      for (int index = 0; index < records.size(); index++) {
        Prepared record = records.get(index);
        StoredRecord existing = created.get(record.id());
        if (existing == null) {
          existing = createdInGroup.get(record.id());
        }
        if (existing == null) {
          existing = read(record.idBytes()).orElse(null);
        }
        if (existing != null) {
          out.add(new AppendResult(existing, false));
          continue;
        }
        UniqueClaim claim = record.claim();
        if (claim != null) {
          String holder = claimed.get(claim.key());
          if (holder == null) {
            holder = claimedInGroup.get(claim.key());
          }
          if (holder == null) {
            holder = holderOnDisk(claim.key());
          }
          if (!claim.allowedOver(holder)) {
            throw new UniqueKeyConflictException(index, claim, holder);
          }
          claimed.put(claim.key(), record.id());
        }
        StoredRecord stored = new StoredRecord(record.id(), record.record(), ++seq, now);
        created.put(record.id(), stored);
        toWrite.add(record);
        out.add(new AppendResult(stored, true));
      }
      for (int i = 0; i < deliveries.size(); i++) {
        String recordId = deliveries.get(i).recordId();
        if (!created.containsKey(recordId)
            && !createdInGroup.containsKey(recordId)
            && seqOf(Hex.parse(recordId)) < 0) {
          throw OutboxEntry.unknownRecord(i, recordId);
        }
      }
      long firstSeq = nextSeq;
      for (int i = 0; i < toWrite.size(); i++) {
        Prepared record = toWrite.get(i);
        byte[] seqKey = StoreCodec.seqKey(firstSeq + 1 + i);
        byte[] logValue = record.logValue(now);
        batch.put(handle(StoreColumnFamily.RECORDS), record.idBytes(), seqKey);
        batch.put(handle(StoreColumnFamily.LOG), seqKey, logValue);
        byte[] childResult = StoreCodec.childResultKey(record.record(), firstSeq + 1 + i);
        if (childResult != null) {
          batch.put(
              handle(StoreColumnFamily.CHILD_RESULTS),
              childResult,
              StoreCodec.childResultValue(record.record()));
        }
        batch.put(
            handle(StoreColumnFamily.THREAD_INDEX),
            StoreCodec.threadKey(
                StoreCodec.threadPrefix(record.record().thread()), firstSeq + 1 + i),
            new byte[0]);
      }
      if (envelope != null && !toWrite.isEmpty()) {
        byte[] hash = Hex.parse(envelope.hash());
        batch.put(
            handle(StoreColumnFamily.SIGNATURES),
            StoreCodec.prefixed(StoreCodec.ENVELOPE_PREFIX, hash),
            envelope.json());
        for (Prepared record : toWrite) {
          batch.put(
              handle(StoreColumnFamily.SIGNATURES),
              StoreCodec.prefixed(StoreCodec.SIGNED_RECORD_PREFIX, record.idBytes()),
              hash);
        }
      }
      for (OutboxEntry delivery : deliveries) {
        long key = ++lastOutboxKey;
        StoredRecord queued = created.get(delivery.recordId());
        if (queued == null) {
          queued = createdInGroup.get(delivery.recordId());
        }
        if (queued != null) {
          fresh.put(key, queued);
        }
        byte[] destination = delivery.destination().getBytes(StandardCharsets.UTF_8);
        destinations.add(delivery.destination());
        batch.put(
            handle(StoreColumnFamily.OUTBOX),
            StoreCodec.destinationKey(StoreCodec.destinationPrefix(delivery.destination()), key),
            Hex.parse(delivery.recordId()));
        batch.put(handle(StoreColumnFamily.OUTBOX), StoreCodec.outboxKey(key), destination);
      }
      for (Long key : acknowledgements) {
        freshDeliveries.remove(key);
        byte[] byKey = StoreCodec.outboxKey(key);
        byte[] destination = db.get(handle(StoreColumnFamily.OUTBOX), byKey);
        if (destination != null) {
          String name = new String(destination, StandardCharsets.UTF_8);
          acknowledged.merge(name, key, Math::max);
          batch.delete(
              handle(StoreColumnFamily.OUTBOX),
              StoreCodec.destinationKey(StoreCodec.destinationPrefix(name), key));
          batch.delete(handle(StoreColumnFamily.OUTBOX), byKey);
        }
      }
      if (readdress != null) {
        stageReaddress(this, batch);
      }
      if (metaKey != null) {
        batch.put(handle(StoreColumnFamily.META), metaKey, metaValue);
      }
      for (var claim : claimed.entrySet()) {
        batch.put(
            handle(StoreColumnFamily.UNIQUE),
            StoreCodec.uniqueKey(claim.getKey()),
            Hex.parse(claim.getValue()));
      }
      nextSeq = seq;
      createdInGroup.putAll(created);
      claimedInGroup.putAll(claimed);
      results = out;
    }
  }

  /**
   * Stages the move of every delivery pending for {@code readdress.from}: each gets the next key
   * (so they keep their order, behind all {@code readdress.to} had) and its old entries are
   * deleted, like an acknowledgement.
   */
  private void stageReaddress(Commit commit, WriteBatch batch) throws RocksDBException {
    Readdress move = commit.readdress;
    byte[] fromPrefix = StoreCodec.destinationPrefix(move.from());
    byte[] toPrefix = StoreCodec.destinationPrefix(move.to());
    byte[] toName = move.to().getBytes(StandardCharsets.UTF_8);
    ColumnFamilyHandle outbox = handle(StoreColumnFamily.OUTBOX);
    try (RocksIterator it = db.newIterator(outbox)) {
      for (it.seek(
              StoreCodec.destinationKey(fromPrefix, pendingFloor.getOrDefault(move.from(), 0L)));
          it.isValid();
          it.next()) {
        byte[] oldEntry = it.key();
        if (!StoreCodec.startsWith(oldEntry, fromPrefix)
            || oldEntry.length != fromPrefix.length + 8) {
          break;
        }
        long oldKey = StoreCodec.seqOf(oldEntry, fromPrefix.length);
        long newKey = ++lastOutboxKey;
        batch.put(outbox, StoreCodec.destinationKey(toPrefix, newKey), it.value());
        batch.put(outbox, StoreCodec.outboxKey(newKey), toName);
        batch.delete(outbox, oldEntry);
        batch.delete(outbox, StoreCodec.outboxKey(oldKey));
        StoredRecord queued = freshDeliveries.remove(oldKey);
        if (queued != null) {
          commit.fresh.put(newKey, queued);
        }
        commit.acknowledged.merge(move.from(), oldKey, Math::max);
        commit.moved++;
      }
      it.status();
    }
    if (commit.moved > 0) {
      destinations.add(move.to());
    }
  }

  private final Commit stopCommit = new Commit(List.of(), List.of(), List.of(), null, null);

  /** The id of the record holding {@code key} on disk, or null. */
  private String holderOnDisk(String key) throws RocksDBException {
    byte[] id = db.get(handle(StoreColumnFamily.UNIQUE), StoreCodec.uniqueKey(key));
    return id == null ? null : Hex.format(id);
  }

  /**
   * Rebuilds the index of unique keys from the log when it was built by other rules than the
   * store's (or by none: a store written before unique keys existed). The newest claimant of a key
   * holds it, as appends that replaced their predecessors one by one would have left it.
   */
  private void rebuildUniqueKeysIfNeeded() {
    byte[] version = uniqueKeys.version().getBytes(StandardCharsets.UTF_8);
    ColumnFamilyHandle unique = handle(StoreColumnFamily.UNIQUE);
    try {
      byte[] stored = db.get(unique, StoreCodec.UNIQUE_VERSION);
      if (Arrays.equals(stored, version)) {
        return;
      }
      List<byte[]> topics = new ArrayList<>();
      uniqueKeys.topics().forEach(topic -> topics.add(topic.getBytes(StandardCharsets.UTF_8)));
      Map<String, String> holders = new HashMap<>();
      try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.LOG))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] value = it.value();
          boolean candidate = false;
          for (byte[] topic : topics) {
            candidate |= StoreCodec.matches(value, null, topic);
          }
          if (candidate) {
            StoredRecord record = StoreCodec.decode(StoreCodec.seqOf(it.key(), 0), value);
            uniqueKeys
                .claimOf(record.record())
                .ifPresent(claim -> holders.put(claim.key(), record.id()));
          }
        }
        it.status();
      }
      try (WriteBatch batch = new WriteBatch();
          WriteOptions sync = new WriteOptions().setSync(durability == Durability.DURABLE)) {
        batch.deleteRange(
            unique, new byte[] {StoreCodec.UNIQUE_KEY}, new byte[] {StoreCodec.UNIQUE_KEY + 1});
        for (var holder : holders.entrySet()) {
          batch.put(unique, StoreCodec.uniqueKey(holder.getKey()), Hex.parse(holder.getValue()));
        }
        batch.put(unique, StoreCodec.UNIQUE_VERSION, version);
        db.write(sync, batch);
      }
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot build the index of unique keys of the record store at "
              + directory
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Builds the index of child results from the log when it is missing or of another version (a
   * store written before it existed): every {@code fanout_child_done} of the log again, keyed by
   * fan-out, child index and seq. Entries are put as appends put them, so a build cut short by a
   * crash is finished by the next open; the version is written last.
   */
  private void rebuildChildResultsIfNeeded() {
    ColumnFamilyHandle results = handle(StoreColumnFamily.CHILD_RESULTS);
    try {
      byte[] stored = db.get(results, StoreCodec.CHILD_RESULTS_VERSION_KEY);
      if (Arrays.equals(stored, StoreCodec.CHILD_RESULTS_VERSION)) {
        return;
      }
      if (stored != null) {
        // Another version's entries: none of them is read as this version's.
        try (WriteOptions unsynced = new WriteOptions().setSync(false)) {
          db.deleteRange(
              results,
              unsynced,
              new byte[] {StoreCodec.CHILD_RESULT_KEY},
              new byte[] {StoreCodec.CHILD_RESULT_KEY + 1});
        }
      }
      byte[] topic = FanoutRecords.CHILD_DONE.getBytes(StandardCharsets.UTF_8);
      try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.LOG));
          WriteOptions unsynced = new WriteOptions().setSync(false)) {
        WriteBatch batch = new WriteBatch();
        try {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] value = it.value();
            if (!StoreCodec.matchesTopic(value, topic)) {
              continue;
            }
            long seq = StoreCodec.seqOf(it.key(), 0);
            Record record = StoreCodec.decode(seq, value).record();
            byte[] key = StoreCodec.childResultKey(record, seq);
            if (key != null) {
              batch.put(results, key, StoreCodec.childResultValue(record));
            }
            if (batch.count() >= 10_000) {
              db.write(unsynced, batch);
              batch.close();
              batch = new WriteBatch();
            }
          }
          it.status();
          db.write(unsynced, batch);
        } finally {
          batch.close();
        }
      }
      try (WriteBatch batch = new WriteBatch();
          WriteOptions sync = new WriteOptions().setSync(durability == Durability.DURABLE)) {
        batch.put(results, StoreCodec.CHILD_RESULTS_VERSION_KEY, StoreCodec.CHILD_RESULTS_VERSION);
        db.write(sync, batch);
      }
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot build the index of child results of the record store at "
              + directory
              + ": "
              + e.getMessage(),
          e);
    }
  }

  // ---- reads ----

  @Override
  public Optional<StoredRecord> get(String id) {
    if (!RecordIds.isValid(id)) {
      return Optional.empty();
    }
    openLock.readLock().lock();
    try {
      requireOpen();
      return read(Hex.parse(id));
    } catch (RocksDBException e) {
      throw readFailure("record " + id, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public Optional<String> holderOf(String key) {
    openLock.readLock().lock();
    try {
      requireOpen();
      return Optional.ofNullable(holderOnDisk(key));
    } catch (RocksDBException e) {
      throw readFailure("the holder of unique key " + key, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public Optional<StoredEnvelope> envelopeOf(String id) {
    if (!RecordIds.isValid(id)) {
      return Optional.empty();
    }
    openLock.readLock().lock();
    try {
      requireOpen();
      ColumnFamilyHandle signatures = handle(StoreColumnFamily.SIGNATURES);
      byte[] hash =
          db.get(signatures, StoreCodec.prefixed(StoreCodec.SIGNED_RECORD_PREFIX, Hex.parse(id)));
      if (hash == null) {
        return Optional.empty();
      }
      byte[] json = db.get(signatures, StoreCodec.prefixed(StoreCodec.ENVELOPE_PREFIX, hash));
      if (json == null) {
        throw new StoreException(
            "the record store at "
                + directory
                + " refers record "
                + id
                + " to envelope "
                + Hex.format(hash)
                + " but holds no such envelope");
      }
      return Optional.of(new StoredEnvelope(Hex.format(hash), json));
    } catch (RocksDBException e) {
      throw readFailure("the envelope of record " + id, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  private Optional<StoredRecord> read(byte[] idBytes) throws RocksDBException {
    long seq = seqOf(idBytes);
    if (seq < 0) {
      return Optional.empty();
    }
    byte[] value = db.get(handle(StoreColumnFamily.LOG), StoreCodec.seqKey(seq));
    if (value == null) {
      throw new StoreException(
          "the record store at " + directory + " indexes a record at seq " + seq + " but has none");
    }
    return Optional.of(StoreCodec.decode(seq, value));
  }

  private long seqOf(byte[] idBytes) throws RocksDBException {
    byte[] seq = db.get(handle(StoreColumnFamily.RECORDS), idBytes);
    return seq == null ? -1 : StoreCodec.seqOf(seq, 0);
  }

  @Override
  public List<StoredRecord> query(RecordQuery query) {
    byte[] topic = query.topic() == null ? null : query.topic().getBytes(StandardCharsets.UTF_8);
    List<StoredRecord> out = new ArrayList<>();
    openLock.readLock().lock();
    try {
      requireOpen();
      if (query.thread() != null) {
        byte[] prefix = StoreCodec.threadPrefix(query.thread());
        try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.THREAD_INDEX))) {
          for (it.seek(StoreCodec.threadKey(prefix, query.afterSeq() + 1));
              it.isValid() && out.size() < query.limit();
              it.next()) {
            byte[] key = it.key();
            if (!StoreCodec.startsWith(key, prefix) || key.length != prefix.length + 8) {
              break;
            }
            long seq = StoreCodec.seqOf(key, prefix.length);
            byte[] value = db.get(handle(StoreColumnFamily.LOG), StoreCodec.seqKey(seq));
            if (value != null && StoreCodec.matches(value, query.act(), topic)) {
              out.add(StoreCodec.decode(seq, value));
            }
          }
          it.status();
        }
      } else {
        try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.LOG))) {
          for (it.seek(StoreCodec.seqKey(query.afterSeq() + 1));
              it.isValid() && out.size() < query.limit();
              it.next()) {
            byte[] value = it.value();
            if (StoreCodec.matches(value, query.act(), topic)) {
              out.add(StoreCodec.decode(StoreCodec.seqOf(it.key(), 0), value));
            }
          }
          it.status();
        }
      }
      return out;
    } catch (RocksDBException e) {
      throw readFailure("query " + query, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public List<StoredRecord> atSeqs(long[] seqs) {
    List<byte[]> keys = new ArrayList<>(seqs.length);
    List<Long> wanted = new ArrayList<>(seqs.length);
    long last = lastSeq;
    for (long seq : seqs) {
      if (seq >= 1 && seq <= last) {
        keys.add(StoreCodec.seqKey(seq));
        wanted.add(seq);
      }
    }
    List<StoredRecord> out = new ArrayList<>(keys.size());
    if (keys.isEmpty()) {
      return out;
    }
    openLock.readLock().lock();
    try {
      requireOpen();
      ColumnFamilyHandle log = handle(StoreColumnFamily.LOG);
      // One native call for the whole page: RocksDB batches the lookups (sorted, one pass per
      // file) where a query each would make an iterator each.
      List<byte[]> values =
          db.multiGetAsList(java.util.Collections.nCopies(keys.size(), log), keys);
      for (int i = 0; i < values.size(); i++) {
        byte[] value = values.get(i);
        if (value != null) {
          out.add(StoreCodec.decode(wanted.get(i), value));
        }
      }
      return out;
    } catch (RocksDBException e) {
      throw readFailure("the records at " + keys.size() + " seqs", e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public void canonicalAtSeqs(long[] seqs, String topic, CanonicalSink sink) {
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    List<byte[]> keys = new ArrayList<>(seqs.length);
    int[] positions = new int[seqs.length];
    long last = lastSeq;
    for (int i = 0; i < seqs.length; i++) {
      if (seqs[i] >= 1 && seqs[i] <= last) {
        positions[keys.size()] = i;
        keys.add(StoreCodec.seqKey(seqs[i]));
      }
    }
    if (keys.isEmpty()) {
      return;
    }
    openLock.readLock().lock();
    try {
      requireOpen();
      ColumnFamilyHandle log = handle(StoreColumnFamily.LOG);
      List<byte[]> values =
          db.multiGetAsList(java.util.Collections.nCopies(keys.size(), log), keys);
      for (int i = 0; i < values.size(); i++) {
        byte[] value = values.get(i);
        if (value != null && StoreCodec.matchesTopic(value, topicBytes)) {
          int offset = StoreCodec.contentOffset(value);
          sink.accept(positions[i], value, offset, value.length - offset);
        }
      }
    } catch (RocksDBException e) {
      throw readFailure("the records at " + keys.size() + " seqs", e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public boolean childResults(String fanout, int fromIndex, int toIndex, ChildResultSink sink) {
    if (!RecordIds.isValid(fanout) || fromIndex < 0 || toIndex < fromIndex) {
      return true;
    }
    byte[] fanoutBytes = Hex.parse(fanout);
    byte[] from = StoreCodec.childResultKey(fanoutBytes, fromIndex, 0);
    // Past every seq of toIndex: the same prefix with the next index, or the next fan-out's.
    byte[] to =
        toIndex == Integer.MAX_VALUE
            ? StoreCodec.childResultKey(fanoutBytes, Integer.MAX_VALUE, Long.MAX_VALUE)
            : StoreCodec.childResultKey(fanoutBytes, toIndex + 1, 0);
    long last = lastSeq;
    openLock.readLock().lock();
    try (ReadOptions options = new ReadOptions();
        Slice upper = new Slice(to)) {
      requireOpen();
      options.setIterateUpperBound(upper);
      // One sequential walk: let RocksDB read ahead instead of a block at a time.
      options.setReadaheadSize(2 * 1024 * 1024);
      try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.CHILD_RESULTS), options)) {
        for (it.seek(from); it.isValid(); it.next()) {
          byte[] key = it.key();
          long seq = StoreCodec.childResultSeqOf(key);
          // A group still being written is not the readers' yet.
          if (seq > last) {
            continue;
          }
          sink.accept(StoreCodec.childIndexOf(key), seq, it.value());
        }
        it.status();
      }
      return true;
    } catch (RocksDBException e) {
      throw readFailure("the child results of fan-out " + fanout, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  @Override
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public long count() {
    // Seqs start at 1 and have no gaps (a failed write gives its seqs back), and nothing is
    // deleted.
    return lastSeq;
  }

  @Override
  public List<PendingDelivery> pendingDeliveries(String destination, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: expected at least 1 but found " + limit);
    }
    byte[] prefix = StoreCodec.destinationPrefix(destination);
    openLock.readLock().lock();
    try {
      requireOpen();
      return pendingDeliveries(destination, prefix, limit);
    } catch (RocksDBException e) {
      throw readFailure("pending deliveries to " + destination, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  private List<PendingDelivery> pendingDeliveries(String destination, byte[] prefix, int limit)
      throws RocksDBException {
    // Read before the iterator: every key acknowledged by then was written before it, so if the
    // iterator sees none at all, none of those keys will ever come back.
    long acknowledgedBefore = largestAcknowledged.getOrDefault(destination, 0L);
    List<PendingDelivery> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.OUTBOX))) {
      for (it.seek(StoreCodec.destinationKey(prefix, pendingFloor.getOrDefault(destination, 0L)));
          it.isValid() && out.size() < limit;
          it.next()) {
        byte[] key = it.key();
        if (!StoreCodec.startsWith(key, prefix) || key.length != prefix.length + 8) {
          break;
        }
        long deliveryKey = StoreCodec.seqOf(key, prefix.length);
        StoredRecord fresh = freshDeliveries.get(deliveryKey);
        if (fresh != null) {
          out.add(new PendingDelivery(deliveryKey, destination, fresh));
          continue;
        }
        String recordId = Hex.format(it.value());
        StoredRecord record =
            read(it.value())
                .orElseThrow(
                    () ->
                        new StoreException(
                            "outbox entry "
                                + deliveryKey
                                + " in "
                                + directory
                                + " names record "
                                + recordId
                                + " which is not stored"));
        out.add(new PendingDelivery(deliveryKey, destination, record));
      }
      it.status();
    }
    long floor = out.isEmpty() ? acknowledgedBefore + 1 : out.get(0).key();
    pendingFloor.merge(destination, floor, Math::max);
    return out;
  }

  @Override
  public Set<String> deliveryDestinations() {
    Set<String> out = new LinkedHashSet<>();
    openLock.readLock().lock();
    try {
      requireOpen();
      for (String destination : destinations) {
        if (hasPending(destination)) {
          out.add(destination);
        }
      }
      return out;
    } finally {
      openLock.readLock().unlock();
    }
  }

  private boolean hasPending(String destination) {
    long acknowledgedBefore = largestAcknowledged.getOrDefault(destination, 0L);
    byte[] prefix = StoreCodec.destinationPrefix(destination);
    long first = -1;
    try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.OUTBOX))) {
      it.seek(StoreCodec.destinationKey(prefix, pendingFloor.getOrDefault(destination, 0L)));
      if (it.isValid()) {
        byte[] key = it.key();
        if (StoreCodec.startsWith(key, prefix) && key.length == prefix.length + 8) {
          first = StoreCodec.seqOf(key, prefix.length);
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw readFailure("pending deliveries to " + destination, e);
    }
    pendingFloor.merge(destination, first < 0 ? acknowledgedBefore + 1 : first, Math::max);
    return first >= 0;
  }

  private void recoverDestinations() {
    try {
      scanDestinations(destinations);
    } catch (RocksDBException e) {
      throw readFailure("delivery destinations", e);
    }
  }

  private void scanDestinations(Set<String> out) throws RocksDBException {
    try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.OUTBOX))) {
      it.seek(new byte[] {StoreCodec.OUTBOX_BY_DESTINATION});
      while (it.isValid() && it.key()[0] == StoreCodec.OUTBOX_BY_DESTINATION) {
        String destination = StoreCodec.destinationOf(it.key());
        out.add(destination);
        byte[] prefix = StoreCodec.destinationPrefix(destination);
        byte[] past = Arrays.copyOf(prefix, prefix.length + 9);
        Arrays.fill(past, prefix.length, past.length, (byte) 0xff);
        it.seek(past);
      }
      it.status();
    }
  }

  @Override
  public Optional<byte[]> getMeta(String key) {
    openLock.readLock().lock();
    try {
      requireOpen();
      return Optional.ofNullable(
          db.get(handle(StoreColumnFamily.META), key.getBytes(StandardCharsets.UTF_8)));
    } catch (RocksDBException e) {
      throw readFailure("metadata " + key, e);
    } finally {
      openLock.readLock().unlock();
    }
  }

  // ---- lifecycle ----

  private long recoverLastSeq() {
    try (RocksIterator it = db.newIterator(handle(StoreColumnFamily.LOG))) {
      it.seekToLast();
      long last = it.isValid() ? StoreCodec.seqOf(it.key(), 0) : 0;
      it.status();
      return last;
    } catch (RocksDBException e) {
      throw readFailure("the last seq", e);
    }
  }

  private long recoverLastOutboxKey() {
    try {
      byte[] last = db.get(handle(StoreColumnFamily.OUTBOX), StoreCodec.OUTBOX_LAST_KEY);
      return last == null ? 0 : ByteBuffer.wrap(last).getLong();
    } catch (RocksDBException e) {
      throw readFailure("the last outbox key", e);
    }
  }

  /** Waits for queued writes, flushes memtables to disk and releases the database. Idempotent. */
  @Override
  public void close() {
    openLock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (writer != null) {
        queue.add(stopCommit);
        joinWriter();
      }
      try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
        db.flush(flush, new ArrayList<>(families.values()));
      } catch (RocksDBException e) {
        throw new StoreException("cannot flush the record store at " + directory, e);
      } finally {
        families.values().forEach(ColumnFamilyHandle::close);
        try {
          db.closeE();
        } catch (RocksDBException e) {
          throw new StoreException("cannot close the record store at " + directory, e);
        } finally {
          writeOptions.close();
          unsyncedWriteOptions.close();
          familyOptions.forEach(ColumnFamilyOptions::close);
          dbOptions.close();
        }
      }
    } finally {
      openLock.writeLock().unlock();
    }
  }

  private void joinWriter() {
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the record store at " + directory + " is closed");
    }
  }

  private ColumnFamilyHandle handle(StoreColumnFamily family) {
    return families.get(family);
  }

  private StoreException readFailure(String what, RocksDBException e) {
    return new StoreException(
        "cannot read " + what + " from the record store at " + directory + ": " + e.getMessage(),
        e);
  }
}
