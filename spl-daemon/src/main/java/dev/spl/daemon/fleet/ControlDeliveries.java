package dev.spl.daemon.fleet;

import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.daemon.records.RecordService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Sends the fleet's control records (freezes, emergency stops, permission rules) from the
 * coordinator to workers through the outbox. Control records are content-addressed, so sending one
 * a worker already holds is a no-op there; that is what makes "send everything again" the simple
 * and safe answer whenever a worker (re-)registers.
 */
public final class ControlDeliveries {
  static final Set<String> THREADS = Set.of(ThreadIds.FLEET_CONTROL, ThreadIds.ENGINE_CONFIG);

  private final RecordService records;

  public ControlDeliveries(RecordService records) {
    this.records = records;
  }

  /** Whether {@code record} is one that every daemon of the fleet must hold. */
  public static boolean isFleetWide(Record record) {
    return THREADS.contains(record.thread());
  }

  /** Queues every stored control record for each of {@code endpoints}. */
  public void sendAllTo(Collection<String> endpoints) {
    if (endpoints.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>();
    for (String thread : THREADS) {
      long after = 0;
      while (true) {
        List<StoredRecord> page =
            records.query(new RecordQuery(thread, null, null, after, RecordQuery.MAX_LIMIT));
        if (page.isEmpty()) {
          break;
        }
        page.forEach(stored -> ids.add(stored.id()));
        after = page.get(page.size() - 1).seq();
      }
    }
    send(ids, endpoints);
  }

  /** Queues the records {@code ids} (already stored) for each of {@code endpoints}. */
  public void send(Collection<String> ids, Collection<String> endpoints) {
    if (ids.isEmpty() || endpoints.isEmpty()) {
      return;
    }
    List<OutboxEntry> deliveries = new ArrayList<>(ids.size() * endpoints.size());
    for (String endpoint : endpoints) {
      for (String id : ids) {
        deliveries.add(new OutboxEntry(endpoint, id));
      }
    }
    records.appendAll(List.of(), deliveries);
  }
}
