package dev.spl.daemon.coordinator;

import dev.spl.core.StoredRecord;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.worker.WorkerFold;
import dev.spl.daemon.outbox.DeliveryConfirmations;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The child INTENDs the reconciler's loop has just spawned, held until the outbox delivers them, so
 * that it sends them confirmed ({@link DeliveryConfirmation}) and the worker starts them without
 * asking the attempt fence. A spawn is the loop's own decision that the attempt is current on its
 * worker, for the life of that worker it heard from: the fence would answer {@code current} for it
 * then. The confirmation says how long before the send that was, and the worker counts its age from
 * then, as it counts a fence answer's from its arrival; what the loop decides later (a cancel, a
 * retry, a move off a lost worker) follows as it follows a fence answer.
 *
 * <p>An INTEND is confirmed only on its first send and at most {@link #MAX_AGE_MILLIS} after its
 * spawn; later, or after a failed send, the worker asks the fence. A confirmation names at most
 * {@link WorkerFold#CONFIRM_WINDOW} INTENDs, the first of the batch: a worker confirms no more than
 * that many of its queue ahead of its slots, and the rest would age past use while they wait.
 */
public final class SpawnConfirmations implements DeliveryConfirmations {
  /** How old a spawn may be when its INTEND is first sent and still go confirmed. */
  static final long MAX_AGE_MILLIS = 250;

  // Undelivered spawns are swept every so many spawns, so a queue that never goes out is dropped.
  private static final int SWEEP_EVERY = 4096;

  private record Spawned(String worker, long workerStartedAt, long atNanos) {}

  private final ConcurrentHashMap<String, Spawned> pending = new ConcurrentHashMap<>();
  private final AtomicInteger sinceSweep = new AtomicInteger();
  private final InstanceKey key;
  private final LongSupplier nanoTime;

  public SpawnConfirmations(InstanceKey key) {
    this(key, System::nanoTime);
  }

  SpawnConfirmations(InstanceKey key, LongSupplier nanoTime) {
    this.key = key;
    this.nanoTime = nanoTime;
  }

  /**
   * The loop spawned the INTEND {@code intendId} on {@code worker}, in its life that started then.
   */
  void spawned(String intendId, String worker, long workerStartedAt) {
    long now = nanoTime.getAsLong();
    pending.put(intendId, new Spawned(worker, workerStartedAt, now));
    if (sinceSweep.incrementAndGet() >= SWEEP_EVERY) {
      sinceSweep.set(0);
      long oldest = now - TimeUnit.MILLISECONDS.toNanos(MAX_AGE_MILLIS);
      pending.values().removeIf(spawned -> spawned.atNanos() - oldest < 0);
    }
  }

  /** Spawns waiting for their first send, for tests. */
  int pendingCount() {
    return pending.size();
  }

  @Override
  public DeliveryConfirmation confirm(List<StoredRecord> batch) {
    if (pending.isEmpty()) {
      return null;
    }
    long now = nanoTime.getAsLong();
    long maxAge = TimeUnit.MILLISECONDS.toNanos(MAX_AGE_MILLIS);
    Spawned first = null;
    long oldest = now;
    List<String> ids = new ArrayList<>();
    for (StoredRecord stored : batch) {
      Spawned spawned = pending.remove(stored.id());
      if (spawned == null
          || now - spawned.atNanos() > maxAge
          || ids.size() >= WorkerFold.CONFIRM_WINDOW) {
        continue;
      }
      if (first == null) {
        first = spawned;
      } else if (!first.worker().equals(spawned.worker())
          || first.workerStartedAt() != spawned.workerStartedAt()) {
        continue; // one worker's life per confirmation: a batch goes to one endpoint
      }
      oldest = Math.min(oldest, spawned.atNanos());
      ids.add(stored.id());
    }
    if (ids.isEmpty()) {
      return null;
    }
    // Rounded up: the worker must never count the confirmation younger than it is.
    long ageMillis = (now - oldest + 999_999) / 1_000_000;
    return DeliveryConfirmation.sign(key, first.worker(), first.workerStartedAt(), ageMillis, ids);
  }
}
