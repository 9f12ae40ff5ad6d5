package dev.spl.core.control;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Freezes and the emergency stop: a fold over the records of {@code th_fleet_control}.
 *
 * <p>For each namespace, and for the emergency stop, the event with the latest {@code issued_at}
 * wins (ties broken by record id). Records reach the daemons of a fleet in different orders (a
 * worker that was down gets them later, from an outbox), and this makes every daemon agree on the
 * outcome whatever order it saw them in.
 *
 * <p>Not thread-safe: one owner folds; readers on other threads use {@link #snapshot()}.
 */
public final class ControlState {
  private final Map<String, NamespaceEvent> byNamespace = new TreeMap<>();
  private EventKey emergencyKey = new EventKey(Long.MIN_VALUE, "");
  private EmergencyStop emergency = EmergencyStop.NEVER_ISSUED;
  private final List<String> skipped = new ArrayList<>();
  private volatile ControlSnapshot snapshot = ControlSnapshot.EMPTY;
  private long version;

  private record EventKey(long issuedAt, String id) implements Comparable<EventKey> {
    @Override
    public int compareTo(EventKey other) {
      int byTime = Long.compare(issuedAt, other.issuedAt);
      return byTime != 0 ? byTime : id.compareTo(other.id);
    }
  }

  /** The last freeze or unfreeze of a namespace; {@code freeze} is null after an unfreeze. */
  private record NamespaceEvent(EventKey key, Freeze freeze) {}

  /**
   * Folds one record. Returns true when the state changed. Records of other threads and topics are
   * ignored; a malformed control record is skipped and listed in {@link #skipped()} so that one bad
   * record cannot stop a daemon from replaying its log.
   */
  public boolean apply(Record record) {
    if (!ThreadIds.FLEET_CONTROL.equals(record.thread()) || record.act() != Act.LEARN) {
      return false;
    }
    String topic = record.topic();
    try {
      boolean changed =
          switch (topic == null ? "" : topic) {
            case Freeze.TOPIC -> applyFreeze(record, Freeze.fromBody(record.body()));
            case Unfreeze.TOPIC -> applyUnfreeze(record, Unfreeze.fromBody(record.body()));
            case EmergencyStop.TOPIC ->
                applyEmergency(record, EmergencyStop.fromBody(record.body()));
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

  private boolean applyFreeze(Record record, Freeze freeze) {
    return applyNamespaceEvent(
        freeze.namespace(),
        new NamespaceEvent(new EventKey(freeze.issuedAt(), record.id()), freeze));
  }

  private boolean applyUnfreeze(Record record, Unfreeze unfreeze) {
    return applyNamespaceEvent(
        unfreeze.namespace(),
        new NamespaceEvent(new EventKey(unfreeze.issuedAt(), record.id()), null));
  }

  private boolean applyNamespaceEvent(String namespace, NamespaceEvent event) {
    NamespaceEvent current = byNamespace.get(namespace);
    if (current != null && current.key().compareTo(event.key()) >= 0) {
      return false;
    }
    byNamespace.put(namespace, event);
    return true;
  }

  private boolean applyEmergency(Record record, EmergencyStop stop) {
    EventKey key = new EventKey(stop.issuedAt(), record.id());
    if (emergencyKey.compareTo(key) >= 0) {
      return false;
    }
    emergencyKey = key;
    emergency = stop;
    return true;
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
