package dev.spl.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The wire form of records. Input is the six id-bearing fields ({@code parents} and {@code clock}
 * may be left out and default to empty and 0); an {@code id} given by the writer must match the
 * computed one. Output adds {@code id}, {@code seq} and {@code received_at}.
 */
public final class RecordJson {
  private static final Set<String> INPUT_FIELDS =
      Set.of("id", "thread", "actor", "act", "body", "clock", "parents");

  private RecordJson() {}

  /**
   * Parses one record object, naming the first field that is missing, mistyped or unknown, and
   * checks and normalises its body ({@link CanonicalJson#requireCanonical}).
   */
  public static Record parse(JsonNode node) {
    Record record = parse(node, true);
    if (claimedId(node) != null) {
      requireClaimedId(node, record.id());
    }
    return record;
  }

  /**
   * As {@link #parse}, with the record's canonical bytes and id, computed once: what a receiver
   * checks the writer's id against and then stores.
   */
  public static HashedRecord parseHashed(JsonNode node) {
    HashedRecord hashed = HashedRecord.of(parse(node, true));
    requireClaimedId(node, hashed.id());
    return hashed;
  }

  /** {@code node.id}, or null when the writer names none. */
  private static JsonNode claimedId(JsonNode node) {
    JsonNode claimed = node.get("id");
    return claimed == null || claimed.isNull() ? null : claimed;
  }

  /** Refuses a record whose writer names an id other than {@code id}, its content's. */
  private static void requireClaimedId(JsonNode node, String id) {
    JsonNode claimed = claimedId(node);
    if (claimed != null && (!claimed.isTextual() || !claimed.textValue().equals(id))) {
      throw new InvalidRecordException(
          "id: the record's content hashes to " + id + " but the request says " + claimed);
    }
  }

  /**
   * Reads a record as a store holds it: its canonical bytes were checked when it was written, so
   * the body is taken as stored. A record stored before the current number rules still reads.
   */
  public static Record readStored(JsonNode node) {
    Record record = parse(node, false);
    if (claimedId(node) != null) {
      requireClaimedId(node, record.id());
    }
    return record;
  }

  private static Record parse(JsonNode node, boolean checkBody) {
    if (node == null || !node.isObject()) {
      throw new InvalidRecordException(
          "record: expected a JSON object but found " + describe(node));
    }
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!INPUT_FIELDS.contains(field)) {
        throw new InvalidRecordException(
            "record: unknown field '"
                + field
                + "' (expected thread, actor, act, body, clock, parents, id)");
      }
    }
    String thread = requiredText(node, "thread");
    String actor = requiredText(node, "actor");
    Act act = Act.parse(requiredText(node, "act"));
    JsonNode body = node.get("body");
    if (body == null || !body.isObject()) {
      throw new InvalidRecordException("body: expected a JSON object but found " + describe(body));
    }
    if (checkBody) {
      CanonicalJson.requireCanonical(body, "body");
    }
    long clock = 0;
    JsonNode clockNode = node.get("clock");
    if (clockNode != null && !clockNode.isNull()) {
      if (!clockNode.isIntegralNumber()
          || !clockNode.canConvertToLong()
          || clockNode.longValue() > Record.MAX_CLOCK) {
        throw new InvalidRecordException(
            "clock: expected a non-negative integer of at most "
                + Record.MAX_CLOCK
                + " but found "
                + describe(clockNode));
      }
      clock = clockNode.longValue();
    }
    List<String> parents = new ArrayList<>();
    JsonNode parentsNode = node.get("parents");
    if (parentsNode != null && !parentsNode.isNull()) {
      if (!parentsNode.isArray()) {
        throw new InvalidRecordException(
            "parents: expected an array of record ids but found " + describe(parentsNode));
      }
      for (JsonNode parent : parentsNode) {
        if (!parent.isTextual()) {
          throw new InvalidRecordException(
              "parents: expected record id strings but found " + describe(parent));
        }
        parents.add(parent.textValue());
      }
    }
    return new Record(thread, actor, act, (ObjectNode) body, clock, parents);
  }

  /** The record's six fields plus its id. */
  public static ObjectNode toJson(Record record, String id) {
    ObjectNode node = RecordIds.contentOf(record);
    node.put("id", id);
    return node;
  }

  /** The stored form: fields, id, {@code seq} and {@code received_at} (ISO-8601). */
  public static ObjectNode toJson(StoredRecord stored) {
    ObjectNode node = toJson(stored.record(), stored.id());
    node.put("seq", stored.seq());
    node.put("received_at", Instant.ofEpochMilli(stored.receivedAtMillis()).toString());
    return node;
  }

  /** Parses the stored form written by {@link #toJson(StoredRecord)}. */
  public static StoredRecord parseStored(JsonNode node) {
    Record record = readStored(without(node, "seq", "received_at"));
    String id = node.path("id").asText(record.id());
    long seq = node.path("seq").asLong();
    long receivedAt = Instant.parse(node.path("received_at").asText()).toEpochMilli();
    return new StoredRecord(id, record, seq, receivedAt);
  }

  public static ArrayNode toJsonArray(List<StoredRecord> stored) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    stored.forEach(s -> array.add(toJson(s)));
    return array;
  }

  private static ObjectNode without(JsonNode node, String... fields) {
    ObjectNode copy = ((ObjectNode) node).deepCopy();
    copy.remove(List.of(fields));
    return copy;
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidRecordException(field + ": required but missing");
    }
    if (!value.isTextual()) {
      throw new InvalidRecordException(field + ": expected a string but found " + describe(value));
    }
    return value.textValue();
  }

  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String kind = Json.kind(node);
    String text = node.isTextual() ? CanonicalJson.quoted(node.textValue()) : node.toString();
    return kind + " (" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + ")";
  }
}
