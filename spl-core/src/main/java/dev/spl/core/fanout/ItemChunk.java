package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The body of one chunk of a data fan-out's items: {@code LEARN fanout_items}, written before the
 * parent that lists it. Each item is any JSON value.
 *
 * @param offset the position of the chunk's first item among all the fan-out's items
 */
public record ItemChunk(String namespace, long offset, List<JsonNode> items) {

  public ItemChunk {
    Objects.requireNonNull(namespace, "namespace");
    items = List.copyOf(items);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.ITEMS);
    body.put("namespace", namespace);
    body.put("offset", offset);
    ArrayNode array = body.putArray("items");
    items.forEach(array::add);
    return body;
  }

  public static ItemChunk fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.ITEMS);
    String namespace = reader.text("namespace");
    long offset = reader.longValue("offset", 0);
    JsonNode array = body.get("items");
    if (array == null || !array.isArray() || array.isEmpty()) {
      throw reader.problem("items", "an array of at least one item", array);
    }
    List<JsonNode> items = new ArrayList<>(array.size());
    array.forEach(items::add);
    return new ItemChunk(namespace, offset, items);
  }

  /** Items per chunk record, at most. */
  public static final int MAX_ITEMS = 10_000;

  /**
   * Canonical bytes of items per chunk record, at most (a single larger item gets a chunk of its
   * own), so two chunks fit in one request of the daemons' 1 MiB limit.
   */
  public static final int MAX_BYTES = 200 * 1024;

  /**
   * Cuts {@code items} into chunks of at most {@link #MAX_ITEMS} items and about {@link #MAX_BYTES}
   * bytes, in order, so no record grows with the number of items.
   */
  public static List<ItemChunk> split(String namespace, List<JsonNode> items) {
    List<ItemChunk> chunks = new ArrayList<>();
    int offset = 0;
    long bytes = 0;
    for (int i = 0; i < items.size(); i++) {
      long size = dev.spl.core.CanonicalJson.bytes(items.get(i)).length + 1L;
      if (i > offset && (i - offset >= MAX_ITEMS || bytes + size > MAX_BYTES)) {
        chunks.add(new ItemChunk(namespace, offset, items.subList(offset, i)));
        offset = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (offset < items.size()) {
      chunks.add(new ItemChunk(namespace, offset, items.subList(offset, items.size())));
    }
    return chunks;
  }

  /** The items of a chunk body, without copying them into a record. */
  static List<JsonNode> itemsOf(ObjectNode body) {
    JsonNode array = body.get("items");
    if (array == null || !array.isArray()) {
      throw new InvalidRecordException("body.items: expected an array");
    }
    List<JsonNode> items = new ArrayList<>(array.size());
    array.forEach(items::add);
    return items;
  }
}
