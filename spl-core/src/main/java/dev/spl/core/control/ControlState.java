package dev.spl.core.control;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Freezes and the emergency stop: a fold over the records of {@code th_fleet_control}.
 *
 * <p>For each namespace, and for the emergency stop, the event latest in the daemon's own log (the
 * highest {@code seq}) wins. The {@code issued_at} a writer puts in a record is shown, never
 * trusted for order: a writer's clock may be wrong by accident (skew between two operators'
 * machines) or on purpose (an {@code unfreeze} dated ten years ahead would otherwise make every
 * later freeze a no-op). Workers hold the coordinator's control records in the coordinator's log
 * order: its outbox sends them to each worker in that order.
 *
 * <p>Not thread-safe: one owner folds; readers on other threads use {@link #snapshot()}.
 */
public final class ControlState {
  private final Map<String, NamespaceEvent> byNamespace = new TreeMap<>();
  private EventKey emergencyKey = new EventKey(Long.MIN_VALUE, "");
  private long lastSeq;
  private EmergencyStop emergency = EmergencyStop.NEVER_ISSUED;
  private final List<String> skipped = new ArrayList<>();
  private volatile ControlSnapshot snapshot = ControlSnapshot.EMPTY;
  private long version;

  /** Where an event stands in the log: later seq wins; folding a record again changes nothing. */
  private record EventKey(long seq, String id) {
    boolean isAfter(EventKey other) {
      return seq > other.seq && !id.equals(other.id);
    }
  }

  /** The last freeze or unfreeze of a namespace; {@code freeze} is null after an unfreeze. */
  private record NamespaceEvent(EventKey key, Freeze freeze) {}

  /**
   * Folds one stored record at its place in the log ({@code seq}). Returns true when the state
   * changed. A record at or before the seq of the event in force changes nothing, so replaying the
   * log, or folding a record twice, gives the same state. Records of other threads and topics are
   * ignored; a malformed control record is skipped and listed in {@link #skipped()} so that one bad
   * record cannot stop a daemon from replaying its log.
   */
  public boolean apply(StoredRecord stored) {
    return apply(stored.record(), stored.seq());
  }

  /**
   * Folds a record as the next one of the log, after every record folded so far (for folds that
   * have no store, such as a client folding a page of records it read in log order).
   */
  public boolean apply(Record record) {
    return apply(record, lastSeq + 1);
  }

  private boolean apply(Record record, long seq) {
    if (!ThreadIds.FLEET_CONTROL.equals(record.thread()) || record.act() != Act.LEARN) {
      return false;
    }
    String topic = record.topic();
    lastSeq = Math.max(lastSeq, seq);
    EventKey key = new EventKey(seq, record.id());
    try {
      boolean changed =
          switch (topic == null ? "" : topic) {
            case Freeze.TOPIC -> applyFreeze(key, Freeze.fromBody(record.body()));
            case Unfreeze.TOPIC -> applyUnfreeze(key, Unfreeze.fromBody(record.body()));
            case EmergencyStop.TOPIC -> applyEmergency(key, EmergencyStop.fromBody(record.body()));
            default -> false;
          };
      if (changed) {
        version++;
        snapshot = ControlSnapshot.of(activeFreezes(), emergency, version);
      }
      return changed;
    } catch (InvalidRecordException e) {
      skipped.add(record.id() + ": " + e.getMessage());
      return false;
    }
  }

  private boolean applyFreeze(EventKey key, Freeze freeze) {
    return applyNamespaceEvent(freeze.namespace(), new NamespaceEvent(key, freeze));
  }

  private boolean applyUnfreeze(EventKey key, Unfreeze unfreeze) {
    return applyNamespaceEvent(unfreeze.namespace(), new NamespaceEvent(key, null));
  }

  private boolean applyNamespaceEvent(String namespace, NamespaceEvent event) {
    NamespaceEvent current = byNamespace.get(namespace);
    if (current != null && !event.key().isAfter(current.key())) {
      return false;
    }
    byNamespace.put(namespace, event);
    return true;
  }

  private boolean applyEmergency(EventKey key, EmergencyStop stop) {
    if (!key.isAfter(emergencyKey)) {
      return false;
    }
    emergencyKey = key;
    emergency = stop;
    return true;
  }

  /**
   * The id of the record in force for a namespace (its latest freeze or unfreeze), if any: what
   * {@code spl kill} and {@code spl unkill} read back to see that their record took effect.
   */
  public Optional<String> eventOf(String namespace) {
    NamespaceEvent event = byNamespace.get(namespace);
    return event == null ? Optional.empty() : Optional.of(event.key().id());
  }

  /** The id of the emergency stop or release in force, if one was ever issued. */
  public Optional<String> emergencyEvent() {
    return emergencyKey.id().isEmpty() ? Optional.empty() : Optional.of(emergencyKey.id());
  }

  /** The active freeze of a namespace, if any. */
  public Optional<Freeze> freezeOf(String namespace) {
    NamespaceEvent event = byNamespace.get(namespace);
    return event == null ? Optional.empty() : Optional.ofNullable(event.freeze());
  }

  public boolean isFrozen(String namespace) {
    return freezeOf(namespace).isPresent();
  }

  /** Active freezes, ordered by namespace. */
  public List<Freeze> activeFreezes() {
    List<Freeze> freezes = new ArrayList<>();
    for (NamespaceEvent event : byNamespace.values()) {
      if (event.freeze() != null) {
        freezes.add(event.freeze());
      }
    }
    return freezes;
  }

  /** Namespace to level ({@code soft}/{@code hard}) of every active freeze; immutable. */
  public Map<String, String> frozenLevels() {
    return snapshot.frozenLevels();
  }

  /** The current state as an immutable value that other threads may read at any time. */
  public ControlSnapshot snapshot() {
    return snapshot;
  }

  public EmergencyStop emergency() {
    return emergency;
  }

  /**
   * Hard freezes whose grace window has passed at {@code nowMillis}: in-flight work in these
   * namespaces must be stopped now.
   */
  public List<Freeze> hardFreezesPastGrace(long nowMillis) {
    return activeFreezes().stream().filter(freeze -> freeze.isPastGrace(nowMillis)).toList();
  }

  /**
   * The earliest grace deadline still ahead of {@code nowMillis}, so a reconciler can schedule its
   * next tick; empty when no hard freeze is waiting.
   */
  public Optional<Long> nextHardDeadline(long nowMillis) {
    return activeFreezes().stream()
        .map(Freeze::hardDeadlineMillis)
        .filter(deadline -> deadline != Long.MAX_VALUE && deadline > nowMillis)
        .min(Long::compare);
  }

  /** Increases by one with every change, so readers can cache what they derive from the state. */
  public long version() {
    return version;
  }

  /** Control records that were malformed and skipped, with the reason. */
  public List<String> skipped() {
    return List.copyOf(skipped);
  }
}
