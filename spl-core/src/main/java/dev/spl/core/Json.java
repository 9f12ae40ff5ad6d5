package dev.spl.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.CharArrayReader;
import java.io.IOException;
import java.nio.CharBuffer;

/**
 * The one shared Jackson mapper, and strict reading of JSON input with it.
 *
 * <p>The mapper refuses a key given twice in one object (instead of keeping the last) and trailing
 * content, and reads fractions as BigDecimal so that a number keeps its written value until {@link
 * CanonicalJson} turns it into a double; whole numbers are int, long or BigInteger nodes.
 *
 * <p>Read input through {@link #parse(byte[])}: Jackson alone guesses the encoding of bytes (UTF-16
 * and UTF-32 are taken) and decodes some invalid UTF-8 (the overlong {@code C0 AF} as {@code /});
 * {@code parse} accepts UTF-8 only, decoded strictly.
 */
public final class Json {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** The most nested objects and arrays in one document. */
  public static final int MAX_NESTING_DEPTH = 64;

  // How much of a number out of range a message shows (it may be up to 1,000 characters).
  private static final int SHOWN_NUMBER_LENGTH = 60;

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
  }

  private Json() {}

  /**
   * Parses one JSON document from UTF-8 bytes: a missing node when there is nothing but whitespace.
   * Throws {@link MalformedJsonException} for bytes that are not UTF-8 (overlong forms, surrogates,
   * truncated sequences, a byte order mark, UTF-16 or UTF-32), for JSON that is not well formed,
   * and for a key given twice in one object.
   */
  public static JsonNode parse(byte[] utf8) {
    return parse(utf8, 0, utf8.length);
  }

  /** As {@link #parse(byte[])} for {@code length} bytes from {@code offset}. */
  public static JsonNode parse(byte[] utf8, int offset, int length) {
    CharBuffer text = StrictUtf8.decode(utf8, offset, length);
    return parseText(text.array(), text.arrayOffset(), text.remaining());
  }

  /**
   * Parses one JSON document from text, with the checks of {@link #parse(byte[])} after decoding.
   */
  public static JsonNode parse(String text) {
    char[] chars = text.toCharArray();
    return parseText(chars, 0, chars.length);
  }

  /**
   * Decodes UTF-8 strictly, refusing what {@link #parse(byte[])} refuses before the JSON itself;
   * for input that is read as text before it is parsed (lines of a file).
   */
  public static String decodeUtf8(byte[] utf8) {
    return StrictUtf8.decode(utf8, 0, utf8.length).toString();
  }

  private static JsonNode parseText(char[] chars, int offset, int length) {
    try (JsonParser parser = MAPPER.createParser(new CharArrayReader(chars, offset, length))) {
      JsonNode node = readTree(parser);
      return node == null ? MissingNode.getInstance() : node;
    } catch (JsonProcessingException e) {
      throw new MalformedJsonException(describe(e));
    } catch (IOException e) {
      throw new MalformedJsonException("not valid JSON: " + e.getMessage());
    }
  }

  private static JsonNode readTree(JsonParser parser) throws IOException {
    try {
      return MAPPER.readTree(parser);
    } catch (NumberFormatException e) {
      throw numberOutOfRange(parser);
    }
  }

  /**
   * What to throw when reading a tree from {@code parser} threw {@link NumberFormatException}: a
   * number out of range, at the parser's current token. Jackson reads a fraction's value only when
   * the tree takes it, as a BigDecimal, which cannot hold an exponent beyond an int's range ({@code
   * 1e9999999999}), and that escapes Jackson's own errors as a {@code NumberFormatException}.
   */
  public static MalformedJsonException numberOutOfRange(JsonParser parser) {
    var location = parser.currentTokenLocation();
    String where =
        location == null || location.getLineNr() < 0
            ? ""
            : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    String number;
    try {
      number = parser.getText();
    } catch (IOException e) {
      number = null;
    }
    return new MalformedJsonException(
        "not valid JSON"
            + where
            + ": number out of range: expected a number whose exponent is within +-"
            + Integer.MAX_VALUE
            + " but found "
            + (number == null ? "one beyond it" : shorten(number)));
  }

  private static String shorten(String text) {
    return text.length() <= SHOWN_NUMBER_LENGTH
        ? text
        : text.substring(0, SHOWN_NUMBER_LENGTH / 2)
            + "..."
            + text.substring(text.length() - SHOWN_NUMBER_LENGTH / 2)
            + " ("
            + text.length()
            + " characters)";
  }

  /** Where and what: "not valid JSON at line 1, column 20: duplicate key 'act' in /body". */
  static String describe(JsonProcessingException e) {
    var location = e.getLocation();
    String where =
        location == null || location.getLineNr() < 0
            ? ""
            : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    String message = e.getOriginalMessage();
    if (message != null
        && message.startsWith("Duplicate field '")
        && e.getProcessor() instanceof JsonParser parser) {
      String pointer = parser.getParsingContext().pathAsPointer().toString();
      int slash = pointer.lastIndexOf('/');
      String object = slash <= 0 ? "the top-level object" : pointer.substring(0, slash);
      String key = message.substring("Duplicate field ".length());
      return "not valid JSON" + where + ": the key " + key + " is given twice in " + object;
    }
    return "not valid JSON" + where + ": " + message;
  }

  /** What kind of JSON value {@code node} is, for messages: "an object", "a string", "null". */
  public static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> "a " + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
