package dev.spl.daemon.auth;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.Authorizer;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.records.RecordService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a daemon knows when it authorizes a record it received: {@link Authorizer.View}. */
final class ReceiverView implements Authorizer.View {
  private final Trust trust;
  private final boolean coordinator;
  private final RecordStore store;
  private final Clock clock;
  private final int maxFanoutDepth;

  // The child INTENDs this coordinator wrote lately, by child thread, in seq order: a child's
  // result is checked against its INTEND moments after it was written, and reading it back from
  // the log would decode it again. The log stays the source of truth: a thread not held here is
  // looked up there.
  private static final int MAX_SPAWNS_HELD = 4096;
  private final Map<String, List<StoredRecord>> recentSpawns =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<StoredRecord>> eldest) {
          return size() > MAX_SPAWNS_HELD;
        }
      };

  ReceiverView(
      Trust trust, boolean coordinator, RecordService records, Clock clock, int maxFanoutDepth) {
    this.trust = trust;
    this.coordinator = coordinator;
    this.store = records.store();
    this.clock = clock;
    this.maxFanoutDepth = maxFanoutDepth;
    if (coordinator) {
      records.subscribeWritten((created, appender) -> holdSpawns(created));
    }
  }

  /** Runs while the store holds its commit lock: only remembers the records. */
  private void holdSpawns(List<StoredRecord> created) {
    for (StoredRecord stored : created) {
      if (stored.record().act() == Act.INTEND
          && FanoutRecords.CHILD.equals(stored.record().topic())) {
        synchronized (recentSpawns) {
          recentSpawns
              .computeIfAbsent(stored.record().thread(), t -> new ArrayList<>(1))
              .add(stored);
        }
      }
    }
  }

  @Override
  public String self() {
    return trust.did();
  }

  /**
   * A daemon started as a coordinator is its fleet's coordinator unless it has learned another one
   * (only a worker's heartbeats learn one; a test's stand-in worker learns it the same way).
   */
  @Override
  public boolean isCoordinator() {
    return coordinator && trust.coordinator().isEmpty();
  }

  @Override
  public Optional<String> coordinator() {
    return isCoordinator() ? Optional.of(trust.did()) : trust.coordinator().map(Trust.Known::did);
  }

  /** The child INTEND of that attempt this coordinator wrote, read from its own log. */
  @Override
  public Optional<ChildIntent> childAttempt(String childThread, int attempt) {
    if (!ThreadIds.isValid(childThread)) {
      return Optional.empty();
    }
    List<StoredRecord> held;
    synchronized (recentSpawns) {
      List<StoredRecord> spawns = recentSpawns.get(childThread);
      held = spawns == null ? List.of() : List.copyOf(spawns);
    }
    Optional<ChildIntent> recent = attemptAmong(held, attempt);
    if (recent.isPresent()) {
      return recent;
    }
    long after = 0;
    while (true) {
      var page =
          store.query(
              new RecordQuery(
                  childThread, FanoutRecords.CHILD, Act.INTEND, after, RecordQuery.MAX_LIMIT));
      Optional<ChildIntent> found = attemptAmong(page, attempt);
      if (found.isPresent()) {
        return found;
      }
      if (page.size() < RecordQuery.MAX_LIMIT) {
        return Optional.empty();
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /** The first of {@code intents} (child INTENDs of one thread) that spawned {@code attempt}. */
  private static Optional<ChildIntent> attemptAmong(List<StoredRecord> intents, int attempt) {
    // Only this coordinator writes child INTENDs into its log: none is taken over HTTP.
    for (StoredRecord stored : intents) {
      try {
        ChildIntent intent = ChildIntent.fromBody(stored.record().body());
        if (intent.attempt() == attempt) {
          return Optional.of(intent);
        }
      } catch (InvalidRecordException e) {
        // Not one this coordinator could have written; it spawned nothing here.
      }
    }
    return Optional.empty();
  }

  @Override
  public long nowMillis() {
    return clock.millis();
  }

  /** The coordinator's {@code max_fanout_depth}. */
  @Override
  public int maxFanoutDepth() {
    return maxFanoutDepth;
  }
}
