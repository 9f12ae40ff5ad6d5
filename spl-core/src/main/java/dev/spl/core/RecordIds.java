package dev.spl.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Content ids: lowercase hex SHA-256 of the canonical JSON of a record's six fields. */
public final class RecordIds {
  private RecordIds() {}

  public static String of(Record record) {
    return Hex.sha256(canonicalBytes(record));
  }

  /**
   * The canonical JSON of the six id-bearing fields, the bytes the id is the hash of. Equal to
   * {@code CanonicalJson.bytes(contentOf(record))}, written directly in sorted key order.
   */
  public static byte[] canonicalBytes(Record record) {
    StringBuilder out = new StringBuilder(512);
    out.append("{\"act\":\"").append(record.act().name()).append("\",\"actor\":");
    CanonicalJson.writeString(record.actor(), out);
    out.append(",\"body\":");
    CanonicalJson.write(record.body(), out);
    out.append(",\"clock\":").append(record.clock()).append(",\"parents\":[");
    List<String> parents = record.parents();
    for (int i = 0; i < parents.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      CanonicalJson.writeString(parents.get(i), out);
    }
    out.append("],\"thread\":");
    CanonicalJson.writeString(record.thread(), out);
    return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
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
