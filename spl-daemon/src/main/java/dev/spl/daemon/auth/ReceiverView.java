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
import java.time.Clock;
import java.util.Optional;

/** What a daemon knows when it authorizes a record it received: {@link Authorizer.View}. */
final class ReceiverView implements Authorizer.View {
  private final Trust trust;
  private final boolean coordinator;
  private final RecordStore store;
  private final Clock clock;
  private final int maxFanoutDepth;

  ReceiverView(
      Trust trust, boolean coordinator, RecordStore store, Clock clock, int maxFanoutDepth) {
    this.trust = trust;
    this.coordinator = coordinator;
    this.store = store;
    this.clock = clock;
    this.maxFanoutDepth = maxFanoutDepth;
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
    long after = 0;
    while (true) {
      var page =
          store.query(
              new RecordQuery(
                  childThread, FanoutRecords.CHILD, Act.INTEND, after, RecordQuery.MAX_LIMIT));
      // Only this coordinator writes child INTENDs into its log: none is taken over HTTP.
      for (StoredRecord stored : page) {
        try {
          ChildIntent intent = ChildIntent.fromBody(stored.record().body());
          if (intent.attempt() == attempt) {
            return Optional.of(intent);
          }
        } catch (InvalidRecordException e) {
          // Not one this coordinator could have written; it spawned nothing here.
        }
      }
      if (page.size() < RecordQuery.MAX_LIMIT) {
        return Optional.empty();
      }
      after = page.get(page.size() - 1).seq();
    }
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
