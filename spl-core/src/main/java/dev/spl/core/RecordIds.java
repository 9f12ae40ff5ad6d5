package dev.spl.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Content ids: lowercase hex SHA-256 of the canonical JSON of a record's six fields. */
public final class RecordIds {
  private RecordIds() {}

  public static String of(Record record) {
    return Hex.sha256(CanonicalJson.bytes(contentOf(record)));
  }

  /** The six id-bearing fields as a JSON object: what the id is computed over. */
  public static ObjectNode contentOf(Record record) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("thread", record.thread());
    node.put("actor", record.actor());
    node.put("act", record.act().name());
    node.set("body", record.body());
    node.put("clock", record.clock());
    var parents = node.putArray("parents");
    record.parents().forEach(parents::add);
    return node;
  }

  public static boolean isValid(String id) {
    return id != null && id.length() == 64 && Hex.isLowerHex(id, 0, 64);
  }

  public static void requireValid(String id, String field) {
    if (!isValid(id)) {
      throw new InvalidRecordException(
          field + ": expected a record id of 64 lowercase hex digits but found '" + id + "'");
    }
  }
}
