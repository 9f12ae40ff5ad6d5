package dev.spl.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.CanonicalJson;
import dev.spl.core.HashedRecord;
import dev.spl.core.Hex;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordJson;
import dev.spl.core.StoredRecord;
import dev.spl.core.UniqueClaim;
import dev.spl.core.UniqueKeys;
import dev.spl.core.fanout.FanoutRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte layouts of keys and values. A log value is: format byte, id (32 bytes), received_at (8
 * bytes), act letter, topic length (4 bytes, -1 when the body has no text topic), topic (UTF-8),
 * then the record's canonical JSON, the very bytes its id is the hash of. Act and topic sit in the
 * header so filtered scans skip records without parsing them.
 */
final class StoreCodec {
  static final byte FORMAT = 1;
  private static final int ID_OFFSET = 1;
  private static final int RECEIVED_AT_OFFSET = 33;
  private static final int ACT_OFFSET = 41;
  private static final int TOPIC_LENGTH_OFFSET = 42;
  private static final int TOPIC_OFFSET = 46;

  static final byte UNIQUE_KEY = 'k';
  static final byte[] UNIQUE_VERSION = {'v'};

  static final byte OUTBOX_BY_DESTINATION = 'd';
  static final byte OUTBOX_BY_KEY = 's';
  static final byte[] OUTBOX_LAST_KEY = {'n'};

  private StoreCodec() {}

  /**
   * A record ready to be written: its id, hashed once, the header-less value parts, and the unique
   * key it claims (null when none).
   */
  record Prepared(
      Record record, String id, byte[] idBytes, byte[] canonical, byte[] topic, UniqueClaim claim) {
    static Prepared of(Record record) {
      return of(record, UniqueKeys.NONE);
    }

    static Prepared of(Record record, UniqueKeys uniqueKeys) {
      return of(HashedRecord.of(record), uniqueKeys);
    }

    static Prepared of(HashedRecord hashed, UniqueKeys uniqueKeys) {
      Record record = hashed.record();
      String topic = record.topic();
      return new Prepared(
          record,
          hashed.id(),
          hashed.idBytes(),
          hashed.canonical(),
          topic == null ? null : topic.getBytes(StandardCharsets.UTF_8),
          uniqueKeys.claimOf(record).orElse(null));
    }

    byte[] logValue(long receivedAtMillis) {
      int topicLength = topic == null ? 0 : topic.length;
      ByteBuffer out = ByteBuffer.allocate(TOPIC_OFFSET + topicLength + canonical.length);
      out.put(FORMAT).put(idBytes).putLong(receivedAtMillis).put(actLetter(record.act()));
      out.putInt(topic == null ? -1 : topicLength);
      if (topic != null) {
        out.put(topic);
      }
      out.put(canonical);
      return out.array();
    }
  }

  static byte[] uniqueKey(String key) {
    byte[] name = key.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + name.length).put(UNIQUE_KEY).put(name).array();
  }

  static final byte ENVELOPE_PREFIX = 'e';
  static final byte SIGNED_RECORD_PREFIX = 'r';

  static final byte CHILD_RESULT_KEY = 'c';
  static final byte[] CHILD_RESULTS_VERSION_KEY = {'v'};
  // Raise when what the index holds changes: a store then rebuilds it from the log at its next
  // open.
  static final byte[] CHILD_RESULTS_VERSION = {2};
  private static final int CHILD_RESULT_PREFIX = 1 + 32;

  /**
   * The key of {@code record} in the index of child results with {@code seq}, or null when it is
   * not a {@code fanout_child_done} naming a fan-out id and a child index.
   */
  static byte[] childResultKey(Record record, long seq) {
    if (!FanoutRecords.CHILD_DONE.equals(record.topic())) {
      return null;
    }
    JsonNode fanout = record.body().get("fanout");
    JsonNode index = record.body().get("index");
    if (fanout == null
        || !fanout.isTextual()
        || !RecordIds.isValid(fanout.asText())
        || index == null
        || !index.canConvertToInt()
        || !index.isIntegralNumber()
        || index.asInt() < 0) {
      return null;
    }
    return childResultKey(Hex.parse(fanout.asText()), index.asInt(), seq);
  }

  static byte[] childResultKey(byte[] fanout, int index, long seq) {
    return ByteBuffer.allocate(CHILD_RESULT_PREFIX + 12)
        .put(CHILD_RESULT_KEY)
        .put(fanout)
        .putInt(index)
        .putLong(seq)
        .array();
  }

  /**
   * What the index of child results keeps of a {@code fanout_child_done}: its {@code body.result}
   * and {@code body.refs} as canonical JSON, each after its length (4 bytes; -1 when the body has
   * none), so a reader copies them out without parsing the record.
   */
  static byte[] childResultValue(Record record) {
    byte[] result = canonicalOrNull(record.body().get("result"));
    byte[] refs = canonicalOrNull(record.body().get("refs"));
    ByteBuffer out =
        ByteBuffer.allocate(
            8 + (result == null ? 0 : result.length) + (refs == null ? 0 : refs.length));
    putPart(out, result);
    putPart(out, refs);
    return out.array();
  }

  private static byte[] canonicalOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : CanonicalJson.bytes(node);
  }

  private static void putPart(ByteBuffer out, byte[] part) {
    out.putInt(part == null ? -1 : part.length);
    if (part != null) {
      out.put(part);
    }
  }

  /** The child index of a key of the index of child results. */
  static int childIndexOf(byte[] key) {
    return ByteBuffer.wrap(key).getInt(CHILD_RESULT_PREFIX);
  }

  /** The seq of a key of the index of child results. */
  static long childResultSeqOf(byte[] key) {
    return ByteBuffer.wrap(key).getLong(CHILD_RESULT_PREFIX + 4);
  }

  /** {@code prefix} followed by {@code bytes}. */
  static byte[] prefixed(byte prefix, byte[] bytes) {
    byte[] key = new byte[bytes.length + 1];
    key[0] = prefix;
    System.arraycopy(bytes, 0, key, 1, bytes.length);
    return key;
  }

  static byte[] seqKey(long seq) {
    return ByteBuffer.allocate(8).putLong(seq).array();
  }

  static long seqOf(byte[] key, int offset) {
    return ByteBuffer.wrap(key, offset, 8).getLong();
  }

  static byte[] threadPrefix(String thread) {
    byte[] name = thread.getBytes(StandardCharsets.UTF_8);
    byte[] prefix = new byte[1 + name.length];
    prefix[0] = (byte) name.length;
    System.arraycopy(name, 0, prefix, 1, name.length);
    return prefix;
  }

  static byte[] threadKey(byte[] prefix, long seq) {
    return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(seq).array();
  }

  static byte[] destinationPrefix(String destination) {
    byte[] name = destination.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(3 + name.length)
        .put(OUTBOX_BY_DESTINATION)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  static byte[] destinationKey(byte[] prefix, long key) {
    return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(key).array();
  }

  static String destinationOf(byte[] destinationKey) {
    int length = ByteBuffer.wrap(destinationKey, 1, 2).getShort() & 0xffff;
    return new String(destinationKey, 3, length, StandardCharsets.UTF_8);
  }

  static byte[] outboxKey(long key) {
    return ByteBuffer.allocate(9).put(OUTBOX_BY_KEY).putLong(key).array();
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** Whether a log value has the given act and topic (null matches anything), without parsing. */
  static boolean matches(byte[] value, Act act, byte[] topic) {
    if (act != null && value[ACT_OFFSET] != actLetter(act)) {
      return false;
    }
    if (topic != null) {
      int length = ByteBuffer.wrap(value).getInt(TOPIC_LENGTH_OFFSET);
      return length == topic.length
          && Arrays.equals(value, TOPIC_OFFSET, TOPIC_OFFSET + length, topic, 0, topic.length);
    }
    return true;
  }

  /** Whether a log value's topic is {@code topic}, without parsing. */
  static boolean matchesTopic(byte[] value, byte[] topic) {
    return matches(value, null, topic);
  }

  /** Where a log value's canonical JSON starts. */
  static int contentOffset(byte[] value) {
    return TOPIC_OFFSET + Math.max(0, ByteBuffer.wrap(value).getInt(TOPIC_LENGTH_OFFSET));
  }

  static StoredRecord decode(long seq, byte[] value) {
    if (value[0] != FORMAT) {
      throw new IllegalStateException(
          "log entry " + seq + ": expected format " + FORMAT + " but found " + value[0]);
    }
    ByteBuffer in = ByteBuffer.wrap(value);
    String id = Hex.format(Arrays.copyOfRange(value, ID_OFFSET, ID_OFFSET + 32));
    long receivedAt = in.getLong(RECEIVED_AT_OFFSET);
    int topicLength = in.getInt(TOPIC_LENGTH_OFFSET);
    int contentOffset = TOPIC_OFFSET + Math.max(0, topicLength);
    JsonNode content;
    try {
      content = Json.MAPPER.readTree(value, contentOffset, value.length - contentOffset);
    } catch (IOException e) {
      throw new IllegalStateException("log entry " + seq + ": unreadable record JSON", e);
    }
    return new StoredRecord(id, RecordJson.readStored(content), seq, receivedAt);
  }

  private static byte actLetter(Act act) {
    return switch (act) {
      case INTEND -> 'I';
      case DO -> 'D';
      case KNOW -> 'K';
      case LEARN -> 'L';
      case CALL -> 'C';
    };
  }
}
