package dev.spl.core;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding of JSON input, before any JSON parser sees it: overlong forms, encoded
 * surrogates, code points above U+10FFFF and truncated sequences are refused, and so are byte order
 * marks and UTF-16 or UTF-32 text (which JSON parsers would detect and accept). Kept apart from
 * {@link Json} so that readers that avoid setting up Jackson's mapper can use it.
 */
public final class StrictUtf8 {
  private StrictUtf8() {}

  /**
   * Decodes {@code length} bytes from {@code offset}; throws {@link MalformedJsonException} naming
   * the byte offset (and line) of the first invalid sequence.
   */
  public static CharBuffer decode(byte[] bytes, int offset, int length) {
    refuseOtherEncodings(bytes, offset, length);
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
    // UTF-8 never decodes to more UTF-16 units than it has bytes.
    CharBuffer out = CharBuffer.allocate(length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int at = in.position();
      StringBuilder found = new StringBuilder();
      for (int i = at; i < Math.min(at + Math.max(result.length(), 1), offset + length); i++) {
        found.append(found.length() == 0 ? "" : " ").append(String.format("%02X", bytes[i] & 0xff));
      }
      throw new MalformedJsonException(
          "expected UTF-8 but found the invalid byte sequence "
              + (found.length() == 0 ? "(truncated)" : found)
              + " at byte offset "
              + (at - offset)
              + lineOf(bytes, offset, at)
              + " (overlong forms, encoded surrogates and code points above U+10FFFF are not"
              + " UTF-8)");
    }
    out.flip();
    return out;
  }

  private static void refuseOtherEncodings(byte[] bytes, int offset, int length) {
    if (length >= 2
        && ((bytes[offset] == (byte) 0xFE && bytes[offset + 1] == (byte) 0xFF)
            || (bytes[offset] == (byte) 0xFF && bytes[offset + 1] == (byte) 0xFE))) {
      throw new MalformedJsonException(
          "expected UTF-8 but found a UTF-16 or UTF-32 byte order mark; send UTF-8 JSON");
    }
    if (length >= 3
        && bytes[offset] == (byte) 0xEF
        && bytes[offset + 1] == (byte) 0xBB
        && bytes[offset + 2] == (byte) 0xBF) {
      throw new MalformedJsonException(
          "expected JSON but found a UTF-8 byte order mark (EF BB BF) first; remove it");
    }
    // JSON text starts with ASCII, so UTF-16 and UTF-32 show a zero byte among the first four.
    for (int i = offset; i < offset + Math.min(length, 4); i++) {
      if (bytes[i] == 0) {
        throw new MalformedJsonException(
            "expected UTF-8 but found a zero byte at byte offset "
                + (i - offset)
                + " (UTF-16 or UTF-32 text?); send UTF-8 JSON");
      }
    }
  }

  private static String lineOf(byte[] bytes, int offset, int at) {
    int line = 1;
    for (int i = offset; i < at; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    return line == 1 ? "" : " (line " + line + ")";
  }
}
