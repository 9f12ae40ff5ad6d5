package dev.spl.daemon.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.store.Durability;
import dev.spl.core.store.RocksRecordStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners told when a record is written, on a durable RocksDB store. */
class RecordServiceWrittenTest {
  @TempDir Path home;

  private static Record record(String name, long clock) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", "note");
    body.put("name", name);
    return new Record(
        ThreadIds.derive("th_written", name),
        "did:sync:user:test",
        Act.LEARN,
        body,
        clock,
        List.of());
  }

  @Test
  void aWrittenListenerHearsOfEachCreatedRecordBeforeTheAppendReturnsWithTheAppendingThread() {
    try (RocksRecordStore store =
        RocksRecordStore.open(home.resolve("store"), Durability.DURABLE, Clock.systemUTC())) {
      RecordService records = new RecordService(store);
      List<String> events = new ArrayList<>();
      List<Thread> appenders = new ArrayList<>();
      records.subscribeWritten(
          (created, appender) -> {
            created.forEach(stored -> events.add("written " + name(stored)));
            appenders.add(appender);
          });
      records.subscribe(created -> created.forEach(stored -> events.add("stored " + name(stored))));
      Record first = record("first", 1);

      records.appendAll(List.of(first, record("second", 2)));
      events.add("returned");
      records.appendAll(List.of(first));
      records.append(record("third", 3));

      assertThat(events)
          .containsExactly(
              "written first",
              "written second",
              "stored first",
              "stored second",
              "returned",
              "written third",
              "stored third");
      assertThat(appenders).containsExactly(Thread.currentThread(), Thread.currentThread());
    }
  }

  private static String name(StoredRecord stored) {
    return stored.record().body().path("name").asText();
  }
}
