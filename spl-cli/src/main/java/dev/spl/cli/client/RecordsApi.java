package dev.spl.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.spl.cli.CliException;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes records on one daemon for the commands that work with tasks, fan-outs and
 * control: whole threads and topics (paged), and batches of writes that stay under the request
 * limit.
 */
public final class RecordsApi {
  /** The largest page the daemon serves. */
  static final int PAGE = 10_000;

  /**
   * The most one write request carries. Half the daemon's default limit of 1 MiB, so a daemon
   * started with a smaller limit, or the JSON envelope, still leaves room.
   */
  static final int REQUEST_BUDGET_BYTES = 512 * 1024;

  private final DaemonClient client;

  public RecordsApi(DaemonClient client) {
    this.client = client;
  }

  public DaemonClient client() {
    return client;
  }

  /** Every record of a thread in append order; empty when the daemon has none. */
  public List<StoredRecord> thread(String thread) {
    List<StoredRecord> records = new ArrayList<>();
    long after = 0;
    while (true) {
      Map<String, Object> query = DaemonClient.query();
      query.put("after", after);
      query.put("limit", PAGE);
      JsonNode page;
      try {
        page =
            client.get(
                DaemonClient.withQuery("/v1/threads/" + DaemonClient.segment(thread), query));
      } catch (CliException e) {
        if ("THREAD_NOT_FOUND".equals(e.code())) {
          return records;
        }
        throw e;
      }
      int before = records.size();
      after = addPage(page, records, after);
      if (records.size() - before < PAGE) {
        return records;
      }
    }
  }

  /**
   * The genesis of the task named by an alias or a thread id ({@code GET /v1/tasks/{task}}: one
   * lookup on the daemon, not a read of the thread or of every task), or empty when there is none.
   */
  public java.util.Optional<StoredRecord> task(String reference) {
    JsonNode node;
    try {
      node = client.get("/v1/tasks/" + DaemonClient.segment(reference));
    } catch (CliException e) {
      if ("TASK_NOT_FOUND".equals(e.code())) {
        return java.util.Optional.empty();
      }
      throw e;
    }
    if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
      // The route's answer names its kind beside the stored record's own fields.
      object.remove("object");
    }
    try {
      return java.util.Optional.of(RecordJson.parseStored(node));
    } catch (InvalidRecordException | IllegalArgumentException e) {
      throw CliException.failure(
          "the daemon returned a record spl cannot read (" + e.getMessage() + "): " + node);
    }
  }

  /** Every record with {@code body.topic} = topic (and the act, if given), in append order. */
  public List<StoredRecord> topic(String topic, String act) {
    List<StoredRecord> records = new ArrayList<>();
    long after = 0;
    while (true) {
      Map<String, Object> query = DaemonClient.query();
      query.put("topic", topic);
      query.put("act", act);
      query.put("after", after);
      query.put("limit", PAGE);
      JsonNode page = client.get(DaemonClient.withQuery("/v1/records", query));
      int before = records.size();
      after = addPage(page, records, after);
      if (records.size() - before < PAGE) {
        return records;
      }
    }
  }

  private static long addPage(JsonNode page, List<StoredRecord> into, long after) {
    for (JsonNode node : page.path("data")) {
      try {
        into.add(RecordJson.parseStored(node));
      } catch (InvalidRecordException | IllegalArgumentException e) {
        throw CliException.failure(
            "the daemon returned a record spl cannot read (" + e.getMessage() + "): " + node);
      }
    }
    return page.path("next_after").asLong(after);
  }

  /**
   * Appends records in order, as few requests as fit in {@link #REQUEST_BUDGET_BYTES} each. Each
   * request is all-or-nothing on the daemon; a failure part-way leaves the earlier batches stored,
   * which is harmless for records that only take effect when a later one (a fan-out parent) lists
   * them. Returns the number of requests sent.
   */
  public int post(List<Record> records) {
    int requests = 0;
    ArrayNode batch = Json.MAPPER.createArrayNode();
    long batchBytes = 2;
    for (Record record : records) {
      JsonNode json = RecordJson.toJson(record, record.id());
      long size = sizeOf(json) + 1;
      if (batch.size() > 0 && batchBytes + size > REQUEST_BUDGET_BYTES) {
        client.post("/v1/records", batch);
        requests++;
        batch = Json.MAPPER.createArrayNode();
        batchBytes = 2;
      }
      batch.add(json);
      batchBytes += size;
    }
    if (batch.size() > 0) {
      client.post("/v1/records", batch);
      requests++;
    }
    return requests;
  }

  /** Appends one record and returns the stored form the daemon answered with. */
  public JsonNode postOne(Record record) {
    return client.post("/v1/records", RecordJson.toJson(record, record.id()));
  }

  /** The clock for the next record of {@code actor} on a thread: one past its highest so far. */
  public static long nextClock(List<StoredRecord> records, String actor) {
    long next = 0;
    for (StoredRecord stored : records) {
      if (stored.record().actor().equals(actor)) {
        next = Math.max(next, stored.record().clock() + 1);
      }
    }
    return next;
  }

  public static long sizeOf(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsBytes(node).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a record", e);
    }
  }
}
