package dev.spl.daemon.coordinator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Where the {@code result} and {@code refs} of a {@code fanout_child_done} are in its record's
 * canonical JSON, found with a streaming parse and no tree, so a page of results copies each
 * result's stored bytes to the answer as they are (canonical JSON is valid compact JSON) instead of
 * decoding the record and encoding the result again. One instance is reused for every row of a
 * page: it holds the last record located, and is also the {@link SerializableString} a generator
 * writes as a raw value.
 */
public final class ChildResultBytes implements SerializableString {
  // Without the shared mapper's duplicate-key check (a set of names per object): these are
  // records the store took, checked when they were received.
  private static final JsonFactory FACTORY = new JsonFactory();

  private byte[] bytes;
  private int resultFrom = -1;
  private int resultTo = -1;
  private int refsFrom = -1;
  private int refsTo = -1;

  /**
   * Locates {@code body.result} and {@code body.refs} in the record JSON at {@code bytes[offset,
   * offset + length)}; false (and nothing located) when the bytes are not a record object.
   */
  public boolean locate(byte[] bytes, int offset, int length) throws IOException {
    clear();
    this.bytes = bytes;
    try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
      // Offsets are reported from the start of the array or of the slice, depending on the
      // parser; this finds which once for this record.
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      long base = offset - parser.currentTokenLocation().getByteOffset();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("body".equals(field) && value == JsonToken.START_OBJECT) {
          locateInBody(parser, base);
        } else {
          parser.skipChildren();
        }
      }
      return true;
    }
  }

  private void locateInBody(JsonParser parser, long base) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      boolean result = "result".equals(field);
      boolean refs = "refs".equals(field);
      if ((result || refs) && value != JsonToken.VALUE_NULL) {
        int from = (int) (parser.currentTokenLocation().getByteOffset() + base);
        if (value.isStructStart()) {
          parser.skipChildren();
        } else {
          parser.finishToken();
        }
        int to = (int) (parser.currentLocation().getByteOffset() + base);
        if (result) {
          resultFrom = from;
          resultTo = to;
        } else {
          refsFrom = from;
          refsTo = to;
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  /**
   * Takes the result and references as the store's index of child results keeps them ({@link
   * dev.spl.core.RecordStore.ChildResultSink}): no parse at all.
   */
  public void take(byte[] parts) {
    clear();
    bytes = parts;
    ByteBuffer in = ByteBuffer.wrap(parts);
    int resultLength = in.getInt(0);
    int refsAt = 4 + Math.max(0, resultLength);
    int refsLength = in.getInt(refsAt);
    if (resultLength >= 0) {
      resultFrom = 4;
      resultTo = 4 + resultLength;
    }
    if (refsLength >= 0) {
      refsFrom = refsAt + 4;
      refsTo = refsFrom + refsLength;
    }
  }

  public void clear() {
    bytes = null;
    resultFrom = resultTo = refsFrom = refsTo = -1;
  }

  /** Whether the record located has a result. */
  public boolean hasResult() {
    return resultFrom >= 0;
  }

  /** Whether the record located lists result references. */
  public boolean hasRefs() {
    return refsFrom >= 0;
  }

  /** A parser over the located {@code refs} array (see {@link #hasRefs}). */
  public JsonParser refsParser() throws IOException {
    return FACTORY.createParser(bytes, refsFrom, refsTo - refsFrom);
  }

  /** The located result's canonical JSON as text. */
  @Override
  public String getValue() {
    return new String(bytes, resultFrom, resultTo - resultFrom, StandardCharsets.UTF_8);
  }

  @Override
  public int charLength() {
    return getValue().length();
  }

  @Override
  public char[] asQuotedChars() {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public byte[] asUnquotedUTF8() {
    return java.util.Arrays.copyOfRange(bytes, resultFrom, resultTo);
  }

  @Override
  public byte[] asQuotedUTF8() {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public int appendQuotedUTF8(byte[] buffer, int offset) {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public int appendQuoted(char[] buffer, int offset) {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public int appendUnquotedUTF8(byte[] buffer, int offset) {
    int length = resultTo - resultFrom;
    if (offset + length > buffer.length) {
      return -1;
    }
    System.arraycopy(bytes, resultFrom, buffer, offset, length);
    return length;
  }

  @Override
  public int appendUnquoted(char[] buffer, int offset) {
    String text = getValue();
    if (offset + text.length() > buffer.length) {
      return -1;
    }
    text.getChars(0, text.length(), buffer, offset);
    return text.length();
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(bytes, resultFrom, resultTo - resultFrom);
    return resultTo - resultFrom;
  }

  @Override
  public int putQuotedUTF8(ByteBuffer buffer) {
    throw new UnsupportedOperationException("a raw JSON value is never quoted");
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer buffer) {
    int length = resultTo - resultFrom;
    if (length > buffer.remaining()) {
      return -1;
    }
    buffer.put(bytes, resultFrom, length);
    return length;
  }
}
