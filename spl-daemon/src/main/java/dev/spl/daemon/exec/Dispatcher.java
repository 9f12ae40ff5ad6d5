package dev.spl.daemon.exec;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs at most {@code slots} child attempts at once and queues the rest in arrival order. An
 * attempt is known by its key (child thread and attempt): submitting a key that is queued or
 * running again is ignored, which makes re-delivered spawns harmless.
 *
 * <p>Queued attempts are indexed by key, so submitting, checking and cancelling cost the same with
 * ten thousand queued as with one. An executor may finish an attempt inside {@code start} (echo
 * with no delay): the slot it frees is refilled by the loop that started it, not by a nested call,
 * so a long queue of such attempts does not deepen the stack.
 */
public final class Dispatcher implements AutoCloseable {
  private final int slots;
  private final Executor executor;
  private final Map<String, Executor.Execution> running = new HashMap<>();
  private final Map<String, ActiveDispatch> runningJobs = new HashMap<>();
  private final Map<String, ChildJob> jobs = new HashMap<>();
  // Insertion order is arrival order.
  private final LinkedHashMap<String, Queued> queue = new LinkedHashMap<>();
  private final Clock clock;
  private boolean closed;
  private boolean starting;
  private Predicate<ChildJob> hold = job -> false;

  /**
   * A running attempt as status views show it.
   *
   * @param spentUsd what it reported spending so far
   */
  public record ActiveDispatch(
      String key, ChildJob job, long startedAtMillis, BigDecimal spentUsd) {
    public String goal() {
      return job.goal();
    }

    public int index() {
      return job.index();
    }
  }

  private record Queued(ChildJob job, Consumer<ChildOutcome> onDone) {}

  public Dispatcher(int slots, Executor executor, Clock clock) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots: expected at least 1 but found " + slots);
    }
    this.slots = slots;
    this.executor = executor;
    this.clock = clock;
  }

  /** Queues or starts the attempt; false when the same attempt is already queued or running. */
  public synchronized boolean submit(ChildJob job, Consumer<ChildOutcome> onDone) {
    if (closed || isKnown(job.key())) {
      return false;
    }
    queue.put(job.key(), new Queued(job, onDone));
    // Whatever was queued before could not start (no free slot, or held), and stays so until a
    // poke: only the new attempt can start now. Skipping the scan keeps a queue of held attempts
    // from costing a walk over all of them per submit.
    if (running.size() < slots && !hold.test(job)) {
      startWhatFits();
    }
    return true;
  }

  /** Cancels a queued or running attempt; a queued one ends as cancelled at once. */
  public void cancel(String key, String reason) {
    Executor.Execution execution;
    Queued dropped = null;
    synchronized (this) {
      execution = running.get(key);
      if (execution == null) {
        dropped = queue.remove(key);
      }
    }
    if (execution != null) {
      execution.cancel(reason);
    } else if (dropped != null) {
      dropped.onDone().accept(ChildOutcome.cancelledBeforeItStarted(reason, clock.millis()));
    }
  }

  /** Keys of running attempts for which {@code predicate} holds. */
  public synchronized List<String> runningKeysWhere(Predicate<ChildJob> predicate) {
    List<String> keys = new ArrayList<>();
    for (ChildJob job : jobs.values()) {
      if (predicate.test(job)) {
        keys.add(job.key());
      }
    }
    return keys;
  }

  public synchronized int slots() {
    return slots;
  }

  public synchronized int active() {
    return running.size();
  }

  public synchronized int queued() {
    return queue.size();
  }

  public synchronized int freeSlots() {
    return Math.max(0, slots - running.size());
  }

  /** The running attempts, oldest first, each with what it has spent so far. */
  public synchronized List<ActiveDispatch> activeDispatches() {
    List<ActiveDispatch> active = new ArrayList<>(runningJobs.size());
    for (ActiveDispatch dispatch : runningJobs.values()) {
      Executor.Execution execution = running.get(dispatch.key());
      BigDecimal spent = execution == null ? BigDecimal.ZERO : execution.spentSoFar();
      active.add(
          new ActiveDispatch(dispatch.key(), dispatch.job(), dispatch.startedAtMillis(), spent));
    }
    active.sort(
        java.util.Comparator.comparingLong(ActiveDispatch::startedAtMillis)
            .thenComparing(ActiveDispatch::key));
    return active;
  }

  public synchronized boolean isKnown(String key) {
    return running.containsKey(key) || queue.containsKey(key);
  }

  /**
   * Keeps queued attempts for which {@code newHold} holds from starting (a frozen namespace);
   * running ones are not touched. Call {@link #poke()} when the answer may have changed.
   */
  public synchronized void hold(Predicate<ChildJob> newHold) {
    this.hold = newHold;
    startWhatFits();
  }

  /** Starts queued attempts that may start now. */
  public synchronized void poke() {
    startWhatFits();
  }

  private Queued nextStartable() {
    for (var it = queue.values().iterator(); it.hasNext(); ) {
      Queued queued = it.next();
      if (!hold.test(queued.job())) {
        it.remove();
        return queued;
      }
    }
    return null;
  }

  private void startWhatFits() {
    if (starting) {
      // Called from an attempt that finished inside executor.start: the loop below goes on.
      return;
    }
    starting = true;
    try {
      startEachThatFits();
    } finally {
      starting = false;
    }
  }

  private void startEachThatFits() {
    while (!closed && running.size() < slots && !queue.isEmpty()) {
      Queued next = nextStartable();
      if (next == null) {
        return;
      }
      ChildJob job = next.job();
      String key = job.key();
      // Reserve the slot before starting: an executor may finish synchronously.
      running.put(key, reason -> {});
      jobs.put(key, job);
      runningJobs.put(key, new ActiveDispatch(key, job, clock.millis(), BigDecimal.ZERO));
      Executor.Execution execution =
          executor.start(
              job,
              outcome -> {
                synchronized (this) {
                  running.remove(key);
                  runningJobs.remove(key);
                  jobs.remove(key);
                  startWhatFits();
                }
                next.onDone().accept(outcome);
              });
      if (running.containsKey(key)) {
        running.put(key, execution);
      }
    }
  }

  /** Refuses new work and cancels what is queued or running. */
  @Override
  public void close() {
    List<String> keys;
    synchronized (this) {
      closed = true;
      keys = new ArrayList<>(running.keySet());
      keys.addAll(queue.keySet());
    }
    for (String key : keys) {
      cancel(key, "worker shutting down");
    }
    executor.close();
  }
}
