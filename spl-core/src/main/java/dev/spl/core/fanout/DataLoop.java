package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Hex;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.ThreadIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The iteration space of a data fan-out, as its parent describes it ({@code loop}): the items
 * stored in {@code fanout_items} chunks or a range of whole numbers that is never materialised, cut
 * into shards of {@code shardSize}, one child per shard, each made from {@link ChildTemplate}.
 * Immutable, so readers on other threads may use it.
 *
 * <p>Shard {@code s} covers {@code [iterFrom(s), iterTo(s))}: item positions for items, the numbers
 * themselves for a range ({@code from..to} holds {@code from, ..., to - 1}).
 */
public final class DataLoop {
  /** Where the iteration space comes from. */
  public enum Kind {
    ITEMS("items"),
    RANGE("range");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /**
   * The most bytes of one child's goal, run command and items together: its INTEND must travel in
   * one delivery request, well under the daemons' 1 MiB limit.
   */
  public static final int MAX_CHILD_BYTES = 256 * 1024;

  /** A range child writes its points to {@code SPL_ITEMS_FILE} only up to this many. */
  public static final long MAX_RANGE_POINTS_IN_FILE = 1_000_000;

  private final Kind kind;
  private final long count;
  private final long from;
  private final long shardSize;
  private final ChildTemplate template;
  private final int width;

  private DataLoop(Kind kind, long count, long from, long shardSize, ChildTemplate template) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.template = Objects.requireNonNull(template, "template");
    if (count < 1) {
      throw new InvalidFanoutException(
          -1,
          kind == Kind.ITEMS ? "--items" : "--range",
          kind == Kind.ITEMS ? "no items" : "no points");
    }
    if (shardSize < 1) {
      throw new InvalidFanoutException(
          -1, "--shard-size", "expected a whole number >= 1 but found " + shardSize);
    }
    long shards = (count + shardSize - 1) / shardSize;
    if (shards > Integer.MAX_VALUE) {
      throw new InvalidFanoutException(
          -1,
          "--shard-size",
          count
              + " "
              + unit(kind)
              + " in shards of "
              + shardSize
              + " make "
              + shards
              + " children, more than any fan-out can have");
    }
    this.count = count;
    this.from = from;
    this.shardSize = shardSize;
    this.width = (int) shards;
    String oneItem = template.firstOneItemPlaceholder();
    if (shardSize > 1 && oneItem != null) {
      throw new InvalidFanoutException(
          -1,
          "--template",
          oneItem
              + " names one item, but each child gets up to "
              + shardSize
              + " (--shard-size); children read their items from $SPL_ITEMS_FILE, or use"
              + " {{shard}} and {{n}}");
    }
    String field = template.firstFieldPlaceholder();
    if (kind == Kind.RANGE && field != null) {
      throw new InvalidFanoutException(
          -1, "--template", field + ": the points of a range are numbers and have no fields");
    }
  }

  private static String unit(Kind kind) {
    return kind == Kind.ITEMS ? "items" : "points";
  }

  /** {@code count} items in chunks, {@code shardSize} per child. */
  public static DataLoop items(long count, long shardSize, ChildTemplate template) {
    return new DataLoop(Kind.ITEMS, count, 0, shardSize, template);
  }

  /**
   * The numbers {@code from} to {@code to - 1}, {@code shardSize} per child. Both ends are whole
   * numbers of magnitude at most 2^53 (what a record holds exactly), {@code from < to}.
   */
  public static DataLoop range(long from, long to, long shardSize, ChildTemplate template) {
    long max = CanonicalJson.MAX_EXACT_INTEGER;
    if (from < -max || from > max || to < -max || to > max) {
      throw new InvalidFanoutException(
          -1,
          "--range",
          "expected ends of magnitude at most " + max + " (2^53) but found " + from + ".." + to);
    }
    if (from > to) {
      throw new InvalidFanoutException(
          -1, "--range", "expected FROM..TO with FROM <= TO but found " + from + ".." + to);
    }
    if (from == to) {
      throw new InvalidFanoutException(
          -1, "--range", "no points: " + from + ".." + to + " is empty (TO is not included)");
    }
    return new DataLoop(Kind.RANGE, to - from, from, shardSize, template);
  }

  public Kind kind() {
    return kind;
  }

  /** How many items or points. */
  public long count() {
    return count;
  }

  /** The first point of a range (0 for items). */
  public long from() {
    return from;
  }

  /** One past the last point of a range (the item count for items). */
  public long to() {
    return from + count;
  }

  public long shardSize() {
    return shardSize;
  }

  public ChildTemplate template() {
    return template;
  }

  /** How many children: one per shard. */
  public int width() {
    return width;
  }

  /** The first item position or point of shard {@code shard}. */
  public long iterFrom(int shard) {
    return from + shard * shardSize;
  }

  /** One past the last item position or point of shard {@code shard}. */
  public long iterTo(int shard) {
    return Math.min(iterFrom(shard) + shardSize, to());
  }

  /**
   * The child thread of shard {@code shard}: derived from the fan-out and the shard alone, so it is
   * known without reading the shard's items.
   */
  public static String childThread(String fanoutId, int shard) {
    return ThreadIds.derive(fanoutId, "shard", Integer.toString(shard));
  }

  /**
   * The idempotency key of a child: the same for every attempt of it, different for every other
   * child of every fan-out. Lowercase hex SHA-256 of {@code fanout:shard:iter_from:iter_to}.
   */
  public static String idempotencyKey(String fanoutId, int shard, long iterFrom, long iterTo) {
    return Hex.sha256(
        (fanoutId + ":" + shard + ":" + iterFrom + ":" + iterTo).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One child's descriptor: the template filled in with its items (read from {@code items} for an
   * item loop; a range needs no reads).
   *
   * @param items the shard's items for an item loop, null for a range
   */
  public record Child(
      int shard, long iterFrom, long iterTo, String goal, String run, ArrayNode items) {}

  /**
   * The descriptor of shard {@code shard}, reading its items through {@code chunks}.
   *
   * @throws InvalidFanoutException naming the item when the template cannot be filled in for it
   */
  public Child child(int shard, ItemChunks chunks) {
    long start = iterFrom(shard);
    long end = iterTo(shard);
    ArrayNode items = null;
    JsonNode one = null;
    if (kind == Kind.ITEMS) {
      items = chunks.slice(start, end);
      if (end - start == 1) {
        one = items.get(0);
      }
    } else if (end - start == 1) {
      one = LongNode.valueOf(start);
    }
    ChildTemplate.Expanded expanded;
    try {
      expanded = template.expand(one, start - from, shard, width);
    } catch (InvalidFanoutException e) {
      throw new InvalidFanoutException(
          -1, null, (kind == Kind.ITEMS ? "item " : "point ") + start + ": " + e.getMessage());
    }
    return new Child(shard, start, end, expanded.goal(), expanded.run(), items);
  }

  /**
   * Makes every child's descriptor once, before anything is written, so a template that cannot be
   * filled in for some item, or a child too large for one record, is refused up front: naming the
   * item (or point) and the placeholder, or the shard and its size.
   *
   * @throws InvalidFanoutException for the first child that cannot be made
   */
  public void checkChildren(ItemChunks chunks) {
    for (int shard = 0; shard < width; shard++) {
      Child child = child(shard, chunks);
      long bytes = utf8Length(child.goal()) + (child.run() == null ? 0 : utf8Length(child.run()));
      if (child.items() != null) {
        bytes += CanonicalJson.bytes(child.items()).length;
      }
      if (bytes > MAX_CHILD_BYTES) {
        throw new InvalidFanoutException(
            -1,
            "--template",
            "shard "
                + shard
                + " ("
                + unit(kind).substring(0, unit(kind).length() - 1)
                + "s "
                + child.iterFrom()
                + ".."
                + (child.iterTo() - 1)
                + "): its goal, run command and items come to "
                + bytes
                + " bytes but a child may have at most "
                + MAX_CHILD_BYTES
                + "; use a smaller --shard-size or keep large data in files the command reads");
      }
    }
  }

  private static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  // -----------------------------------------------------------------------------------------------
  // Wire form

  ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("kind", kind.wire());
    if (kind == Kind.ITEMS) {
      node.put("items", count);
    } else {
      node.put("from", from);
      node.put("to", to());
    }
    node.put("shard_size", shardSize);
    node.set("template", template.toJson());
    return node;
  }

  static DataLoop fromJson(WireReader reader) {
    String kind = reader.oneOf("kind", Kind.ITEMS.wire(), Kind.RANGE.wire());
    long shardSize = reader.longValue("shard_size", 1);
    ChildTemplate template = ChildTemplate.fromJson(reader.object("template"));
    try {
      if (kind.equals(Kind.ITEMS.wire())) {
        return items(reader.longValue("items", 1), shardSize, template);
      }
      return range(
          reader.longValue("from", -CanonicalJson.MAX_EXACT_INTEGER),
          reader.longValue("to", -CanonicalJson.MAX_EXACT_INTEGER),
          shardSize,
          template);
    } catch (InvalidFanoutException e) {
      throw new InvalidRecordException(
          reader.pathOf("kind").replace(".kind", "") + ": " + e.getMessage());
    }
  }

  /**
   * Where the items of an item loop are: its {@code fanout_items} chunks in order, with the
   * position of each chunk's first item, read through {@link FanoutLog} when a child needs them.
   */
  public static final class ItemChunks {
    private final List<String> ids;
    private final long[] offsets;
    private final FanoutLog source;

    public ItemChunks(List<String> ids, long[] offsets, FanoutLog source) {
      this.ids = List.copyOf(ids);
      this.offsets = offsets.clone();
      this.source = source;
    }

    /** No chunks: for range loops. */
    static ItemChunks none() {
      return new ItemChunks(List.of(), new long[0], FanoutLog.NONE);
    }

    /** Items {@code [start, end)}. */
    ArrayNode slice(long start, long end) {
      ArrayNode slice = Json.MAPPER.createArrayNode();
      int chunk = chunkOf(start);
      long position = start;
      while (position < end) {
        if (chunk < 0 || chunk >= ids.size()) {
          throw new InvalidFanoutException(-1, null, "item " + position + " is in no chunk");
        }
        List<JsonNode> items = source.items(ids.get(chunk));
        int at = (int) (position - offsets[chunk]);
        while (at < items.size() && position < end) {
          slice.add(items.get(at++));
          position++;
        }
        chunk++;
      }
      return slice;
    }

    private int chunkOf(long position) {
      int low = 0;
      int high = offsets.length - 1;
      int found = -1;
      while (low <= high) {
        int mid = (low + high) >>> 1;
        if (offsets[mid] <= position) {
          found = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      return found;
    }

    public List<String> ids() {
      return ids;
    }
  }

  /** The child descriptors of every shard, for tests and small loops. */
  List<Child> children(ItemChunks chunks) {
    List<Child> all = new ArrayList<>(width);
    for (int s = 0; s < width; s++) {
      all.add(child(s, chunks));
    }
    return all;
  }
}
