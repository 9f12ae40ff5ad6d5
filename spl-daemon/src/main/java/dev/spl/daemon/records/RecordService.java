package dev.spl.daemon.records;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.rules.RuleValidation;
import dev.spl.core.AppendResult;
import dev.spl.core.HashedRecord;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.StoredRecord;
import dev.spl.core.UniqueKeyConflictException;
import dev.spl.core.schema.SystemRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way records get into a daemon's log: schema check of system records, write gate, then
 * append, then notify. A request of several records is all-or-nothing: one refusal and nothing is
 * stored.
 */
public final class RecordService {
  private static final Logger LOG = LoggerFactory.getLogger(RecordService.class);

  private final RecordStore store;
  private final List<Consumer<List<StoredRecord>>> listeners = new CopyOnWriteArrayList<>();
  private final List<WrittenListener> writtenListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> deliveriesQueued = new CopyOnWriteArrayList<>();
  private volatile WriteGate gate = WriteGate.ALLOW_ALL;

  public RecordService(RecordStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /** Replaces the write gate (the default allows everything). */
  public void writeGate(WriteGate newGate) {
    this.gate = Objects.requireNonNull(newGate, "gate");
  }

  /**
   * Calls the listener with the records each successful append created (duplicates are left out),
   * in seq order within one call. Listeners run on the appending thread, possibly on several
   * threads at once, so they should only hand the records over (e.g. to a queue). Returns a handle
   * that unsubscribes.
   */
  public Runnable subscribe(Consumer<List<StoredRecord>> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * What {@link #subscribeWritten} calls: the records an append created, and the thread that
   * appended them (the listener runs on the store's writing thread, which may be another).
   */
  @FunctionalInterface
  public interface WrittenListener {
    void written(List<StoredRecord> created, Thread appender);
  }

  /**
   * Calls the listener with the records each successful append created as soon as they are
   * readable, possibly before they are durable: the appender is answered only once they are, and a
   * daemon that dies first loses them unacknowledged. So the listener must only hand the records to
   * a thread whose every lasting effect is a later write to the same log (or waits for one), which
   * cannot become durable before them: the reconciler and the worker runtime, whose reaction then
   * overlaps the fsync. It runs while the store holds its commit lock, in seq order: it must not
   * block or append. Returns a handle that unsubscribes.
   */
  public Runnable subscribeWritten(WrittenListener listener) {
    Objects.requireNonNull(listener, "listener");
    writtenListeners.add(listener);
    return () -> writtenListeners.remove(listener);
  }

  /** Runs {@code onQueued} after every append that queued outbox deliveries. */
  public void onDeliveriesQueued(Runnable onQueued) {
    deliveriesQueued.add(Objects.requireNonNull(onQueued, "onQueued"));
  }

  /**
   * Moves every delivery queued for {@code from} to {@code to} ({@link
   * RecordStore#readdressDeliveries}) and, when any moved, tells those waiting for queued
   * deliveries ({@link #onDeliveriesQueued}), so they go out now rather than at the next poll.
   * Returns how many moved.
   */
  public int readdressDeliveries(String from, String to) {
    int moved = store.readdressDeliveries(from, to);
    if (moved > 0) {
      deliveriesQueued.forEach(Runnable::run);
    }
    return moved;
  }

  /** The store underneath, for the daemon's own components (outbox, metadata, replay). */
  public RecordStore store() {
    return store;
  }

  public AppendResult append(Record record) {
    checkGate(record, -1);
    AppendResult result;
    try {
      result = write(List.of(HashedRecord.of(record)), List.of(), null).get(0);
    } catch (UniqueKeyConflictException e) {
      throw conflict(e, false);
    }
    if (result.created()) {
      notifyListeners(List.of(result.stored()));
    }
    return result;
  }

  /**
   * Appends all records or none. Throws {@link RecordRejectedException} naming the index of the
   * first record the gate refuses.
   */
  public List<AppendResult> appendAll(List<Record> records) {
    return appendAll(records, List.of());
  }

  /**
   * Appends records and queues outbox deliveries in one atomic write, so a message to another
   * daemon is sent if and only if the records that caused it are stored.
   */
  public List<AppendResult> appendAll(List<Record> records, List<OutboxEntry> deliveries) {
    List<HashedRecord> hashed = new ArrayList<>(records.size());
    for (Record record : records) {
      hashed.add(HashedRecord.of(record));
    }
    return append(hashed, deliveries, null, false);
  }

  /**
   * As {@link #appendAll(List, List)}, for records hashed already (a writer that needed their ids
   * to name them in {@code deliveries}).
   */
  public List<AppendResult> appendAllHashed(
      List<HashedRecord> records, List<OutboxEntry> deliveries) {
    return append(records, deliveries, null, false);
  }

  /**
   * Appends records received over HTTP, already authorized, keeping {@code envelope} (null: they
   * came unsigned) beside each record it creates. {@code single}: the request held one record, so
   * refusals name no index.
   */
  public List<AppendResult> appendReceived(
      List<HashedRecord> records, StoredEnvelope envelope, boolean single) {
    return append(records, List.of(), envelope, single);
  }

  private List<AppendResult> append(
      List<HashedRecord> records,
      List<OutboxEntry> deliveries,
      StoredEnvelope envelope,
      boolean single) {
    if (records.isEmpty() && deliveries.isEmpty()) {
      return List.of();
    }
    WriteGate current = gate;
    for (int i = 0; i < records.size(); i++) {
      checkGate(current, records.get(i).record(), single ? -1 : i);
    }
    List<AppendResult> results;
    try {
      results = write(records, deliveries, envelope);
    } catch (UniqueKeyConflictException e) {
      throw conflict(e, !single);
    }
    if (!deliveries.isEmpty()) {
      deliveriesQueued.forEach(Runnable::run);
    }
    List<StoredRecord> created = new ArrayList<>(results.size());
    for (AppendResult result : results) {
      if (result.created()) {
        created.add(result.stored());
      }
    }
    if (!created.isEmpty()) {
      notifyListeners(created);
    }
    return results;
  }

  public Optional<StoredRecord> get(String id) {
    return store.get(id);
  }

  public List<StoredRecord> query(RecordQuery query) {
    return store.query(query);
  }

  public long count() {
    return store.count();
  }

  public long lastSeq() {
    return store.lastSeq();
  }

  /**
   * Throws {@link RecordRejectedException} (400) naming the first record that breaks its schema;
   * {@code single}: the request held one record, so the refusal names no index.
   */
  public void requireValid(List<Record> records, boolean single) {
    for (int i = 0; i < records.size(); i++) {
      requireValid(records.get(i), single ? -1 : i);
    }
  }

  private void checkGate(Record record, int index) {
    checkGate(gate, record, index);
  }

  private static void checkGate(WriteGate gate, Record record, int index) {
    requireValid(record, index);
    Optional<WriteGate.Refusal> refusal = gate.check(record);
    if (refusal.isPresent()) {
      WriteGate.Refusal r = refusal.get();
      String where = index < 0 ? "" : "records[" + index + "]: ";
      throw new RecordRejectedException(
          r.httpStatus(), r.code(), index, where + r.message(), r.details());
    }
  }

  /**
   * Records on the reserved threads and with control or rule topics must match their schema, and a
   * permission rule must compile, before they are stored: the folds would skip them later, and the
   * writer would never hear why.
   */
  private static void requireValid(Record record, int index) {
    try {
      SystemRecords.requireValid(record);
      RuleValidation.requireUsable(record);
      dev.spl.cel.route.RoutingRuleValidation.requireUsable(record);
    } catch (InvalidRecordException e) {
      String where = index < 0 ? "" : "records[" + index + "]: ";
      throw new RecordRejectedException(400, "INVALID_RECORD", index, where + e.getMessage());
    }
  }

  /**
   * A record whose unique key is held by another one (a second task with one alias, a second
   * fan-out of one task): {@code 409 CONFLICT} naming the record that holds it. Nothing of the
   * request was stored.
   */
  private static RecordRejectedException conflict(UniqueKeyConflictException e, boolean batch) {
    ObjectNode details = Json.MAPPER.createObjectNode();
    details.put("key", e.claim().key());
    details.put("held_by", e.holder());
    if (e.claim().replaces() != null) {
      details.put("replaces", e.claim().replaces());
    }
    int index = batch ? e.index() : -1;
    String where = index < 0 ? "" : "records[" + index + "]: ";
    return new RecordRejectedException(409, "CONFLICT", index, where + e.getMessage(), details);
  }

  /** The store's append, telling the written listeners (if any) as soon as it is readable. */
  private List<AppendResult> write(
      List<HashedRecord> records, List<OutboxEntry> deliveries, StoredEnvelope envelope) {
    if (writtenListeners.isEmpty()) {
      return store.appendHashed(records, deliveries, envelope, null);
    }
    Thread appender = Thread.currentThread();
    return store.appendHashed(
        records, deliveries, envelope, written -> notifyWritten(written, appender));
  }

  private void notifyWritten(List<AppendResult> results, Thread appender) {
    List<StoredRecord> created = new ArrayList<>(results.size());
    for (AppendResult result : results) {
      if (result.created()) {
        created.add(result.stored());
      }
    }
    if (created.isEmpty()) {
      return;
    }
    List<StoredRecord> view = List.copyOf(created);
    for (WrittenListener listener : writtenListeners) {
      try {
        listener.written(view, appender);
      } catch (RuntimeException e) {
        LOG.error("record listener {} failed; the records are stored", listener, e);
      }
    }
  }

  private void notifyListeners(List<StoredRecord> created) {
    List<StoredRecord> view = List.copyOf(created);
    for (Consumer<List<StoredRecord>> listener : listeners) {
      try {
        listener.accept(view);
      } catch (RuntimeException e) {
        LOG.error("record listener {} failed; the records are stored", listener, e);
      }
    }
  }
}
