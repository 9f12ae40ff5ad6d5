package dev.spl.daemon.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query string of a request, decoded strictly: {@code %} must be followed by two hex digits and
 * the decoded bytes must be UTF-8, else the request is refused. Lenient decoders drop such a
 * parameter, and a dropped {@code thread} filter lists every thread.
 */
final class QueryParameters {
  private QueryParameters() {}

  /** Name to values, in the order given; {@code raw} may be null (no query string). */
  static Map<String, List<String>> parse(String raw) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals), pair);
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1), pair);
      parameters.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
    }
    return parameters;
  }

  private static String decode(String text, String pair) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        int high = i + 1 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
        if (high < 0 || low < 0) {
          throw ApiException.badRequest(
              "INVALID_PARAMETER",
              "query: expected '%' followed by two hex digits but found '"
                  + text.substring(i, Math.min(text.length(), i + 3))
                  + "' in '"
                  + pair
                  + "'");
        }
        bytes.write(high * 16 + low);
        i += 2;
      } else {
        int codePoint = text.codePointAt(i);
        byte[] plain = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
        bytes.write(plain, 0, plain.length);
        i += Character.charCount(codePoint) - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER",
          "query: expected percent-escapes of UTF-8 text but '"
              + pair
              + "' decodes to other bytes");
    }
  }
}
