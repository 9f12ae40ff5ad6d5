package dev.spl.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;

/**
 * Canonical JSON as RFC 8785 (JCS) defines it, the byte form record ids are computed over: object
 * keys sorted by UTF-16 code unit at every depth, no insignificant whitespace, strings with only
 * {@code "}, {@code \} and control characters escaped, UTF-8, and numbers as IEEE-754 doubles in
 * ECMAScript's form ({@code 1e+30}, {@code 0.002}, {@code 333333333.3333333}).
 *
 * <p>Input is I-JSON (RFC 7493): a number is read as the double nearest to it. A number that is not
 * finite as a double ({@code 1e999999999}), that is not zero but reads as zero ({@code 1e-400}), or
 * that is a whole number of magnitude above 2^53 and below 10^21 (its canonical form would be an
 * integer that other readers cannot take exactly; send it as a string) has no canonical form, nor
 * has a string with an unpaired surrogate (UTF-8 cannot encode it). {@link #requireCanonical}
 * refuses them naming the field; writing them throws.
 */
public final class CanonicalJson {
  /**
   * Compares leaf nodes by their canonical form (numbers by their canonical text, everything else
   * by value): 0 when the same, 1 otherwise. Use with {@link JsonNode#equals(Comparator,
   * JsonNode)}.
   */
  public static final Comparator<JsonNode> SAME_CANONICAL_FORM =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          String one = numberProblem(a) == null ? number(a) : null;
          String other = numberProblem(b) == null ? number(b) : null;
          return one != null && one.equals(other) ? 0 : a.equals(b) ? 0 : 1;
        }
        return a.equals(b) ? 0 : 1;
      };

  /** 2^53: integers of at most this magnitude are exact as doubles; larger ones are refused. */
  public static final long MAX_EXACT_INTEGER = EcmaScriptNumbers.MAX_EXACT_INTEGER;

  private static final double MAX_EXACT = MAX_EXACT_INTEGER;
  private static final double FIRST_EXPONENT_FORM = 1e21;
  private static final int MAX_SHOWN = 40;

  private CanonicalJson() {}

  public static byte[] bytes(JsonNode node) {
    return string(node).getBytes(StandardCharsets.UTF_8);
  }

  public static String string(JsonNode node) {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString();
  }

  /**
   * Checks that {@code node} has a canonical form, naming the first field that has none ({@code
   * path} names the node itself, e.g. {@code body}), and puts every number in the form it reads
   * back as from its canonical text: whole numbers up to 2^53 as integer nodes, others as the
   * shortest decimal of their double ({@code 56.0} becomes 56, {@code 333333333.33333329} becomes
   * 333333333.3333333). A tree that passed is the tree its canonical bytes parse to, so a record
   * folds the same live and after a replay.
   */
  public static void requireCanonical(JsonNode node, String path) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          String key = field.getKey();
          int lone = loneSurrogate(key);
          if (lone >= 0) {
            throw new InvalidRecordException(
                path
                    + ": expected keys of valid Unicode text but the key "
                    + quoted(key)
                    + " has an unpaired surrogate at index "
                    + lone);
          }
          JsonNode value = field.getValue();
          String child = childPath(path, key);
          if (value.isNumber()) {
            JsonNode canonical = canonicalNumber(value, child);
            if (canonical != value) {
              field.setValue(canonical);
            }
          } else {
            requireCanonical(value, child);
          }
        }
      }
      case ARRAY -> {
        ArrayNode array = (ArrayNode) node;
        for (int i = 0; i < array.size(); i++) {
          JsonNode value = array.get(i);
          String child = path + "[" + i + "]";
          if (value.isNumber()) {
            JsonNode canonical = canonicalNumber(value, child);
            if (canonical != value) {
              array.set(i, canonical);
            }
          } else {
            requireCanonical(value, child);
          }
        }
      }
      case STRING -> {
        int lone = loneSurrogate(node.textValue());
        if (lone >= 0) {
          throw new InvalidRecordException(
              String.format(
                  "%s: expected valid Unicode text but found an unpaired surrogate \\u%04x at"
                      + " index %d of the string",
                  path, (int) node.textValue().charAt(lone), lone));
        }
      }
      case NUMBER -> canonicalNumber(node, path);
      case BOOLEAN, NULL -> {}
      default ->
          throw new InvalidRecordException(
              path + ": expected JSON values only but found a " + node.getNodeType() + " node");
    }
  }

  /**
   * The value of a number node as an exact decimal of its canonical text: {@code 0.1} is 0.1, not
   * the binary double nearest to it. Sums of these (costs) carry no binary noise.
   */
  public static BigDecimal decimal(JsonNode number) {
    if (number.isIntegralNumber() && number.canConvertToLong()) {
      return BigDecimal.valueOf(number.longValue());
    }
    String problem = numberProblem(number);
    if (problem != null) {
      throw new InvalidRecordException("expected a canonical number but found " + problem);
    }
    return new BigDecimal(number(number));
  }

  private static JsonNode canonicalNumber(JsonNode node, String path) {
    String problem = numberProblem(node);
    if (problem != null) {
      throw new InvalidRecordException(path + ": " + problem);
    }
    if (node.isInt() || node.isLong() || node.isShort()) {
      return node;
    }
    if (node.isIntegralNumber()) {
      long value = node.longValue();
      return (int) value == value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
    }
    double value = node.doubleValue();
    if (Math.abs(value) <= MAX_EXACT && value == Math.rint(value)) {
      long whole = (long) value;
      return (int) whole == whole ? IntNode.valueOf((int) whole) : LongNode.valueOf(whole);
    }
    BigDecimal canonical = new BigDecimal(EcmaScriptNumbers.format(value));
    if (node.isBigDecimal() && node.decimalValue().equals(canonical)) {
      return node;
    }
    return DecimalNode.valueOf(canonical);
  }

  /** Why a number has no canonical form, or null when it has one. */
  static String numberProblem(JsonNode node) {
    if (node.isInt() || node.isShort()) {
      return null;
    }
    if (node.isLong()) {
      long value = node.longValue();
      return Math.abs(value) <= MAX_EXACT_INTEGER ? null : beyondExact(Long.toString(value));
    }
    if (node.isIntegralNumber()) {
      BigInteger value = node.bigIntegerValue();
      return value.abs().compareTo(BigInteger.valueOf(MAX_EXACT_INTEGER)) <= 0
          ? null
          : beyondExact(value.toString());
    }
    double value = node.doubleValue();
    if (!Double.isFinite(value)) {
      return "expected a number within the range of IEEE-754 doubles (magnitude at most"
          + " 1.7976931348623157e+308) but found "
          + shown(node);
    }
    if (value == 0 && node.isBigDecimal() && node.decimalValue().signum() != 0) {
      return "expected zero or a number of magnitude at least 5e-324 (the smallest IEEE-754"
          + " double) but found "
          + shown(node);
    }
    double magnitude = Math.abs(value);
    if (magnitude > MAX_EXACT && magnitude < FIRST_EXPONENT_FORM && value == Math.rint(value)) {
      return beyondExact(shown(node));
    }
    return null;
  }

  private static String beyondExact(String found) {
    return "expected an integer of magnitude at most 9007199254740992 (2^53, the largest exact in"
        + " an IEEE-754 double) but found "
        + shorten(found)
        + "; send larger integers as strings";
  }

  private static String shown(JsonNode node) {
    return shorten(node.isBigDecimal() ? node.decimalValue().toString() : node.asText());
  }

  private static String shorten(String text) {
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN - 3) + "..." : text;
  }

  static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> writeObject(node, out);
      case ARRAY -> writeArray(node, out);
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.append(number(node));
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL -> out.append("null");
      default ->
          throw new InvalidRecordException(
              "body: expected JSON values only but found a " + node.getNodeType() + " node");
    }
  }

  // String.compareTo compares UTF-16 code units, the order RFC 8785 asks for.
  private static final Comparator<Map.Entry<String, JsonNode>> BY_KEY = Map.Entry.comparingByKey();

  /** Members sorted by key, each taken with its value in one pass (no lookup per key). */
  private static void writeObject(JsonNode node, StringBuilder out) {
    @SuppressWarnings("unchecked")
    Map.Entry<String, JsonNode>[] members = new Map.Entry[node.size()];
    int count = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      members[count++] = it.next();
    }
    if (count > 1) {
      Arrays.sort(members, 0, count, BY_KEY);
    }
    out.append('{');
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        out.append(',');
      }
      writeString(members[i].getKey(), out);
      out.append(':');
      write(members[i].getValue(), out);
    }
    out.append('}');
  }

  private static void writeArray(JsonNode node, StringBuilder out) {
    out.append('[');
    for (int i = 0; i < node.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      write(node.get(i), out);
    }
    out.append(']');
  }

  /** The canonical text of a number node; throws when it has none. */
  static String number(JsonNode node) {
    String problem = numberProblem(node);
    if (problem != null) {
      throw new InvalidRecordException("body: " + problem);
    }
    if (node.isInt() || node.isLong() || node.isShort() || node.isIntegralNumber()) {
      return Long.toString(node.longValue());
    }
    return EcmaScriptNumbers.format(node.doubleValue());
  }

  private static int loneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  private static String childPath(String path, String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
          && !(c >= '0' && c <= '9')) {
        return path + "[" + quoted(key) + "]";
      }
    }
    return key.isEmpty() ? path + "[\"\"]" : path + "." + key;
  }

  /** {@code s} in double quotes, with controls and surrogates escaped so a message prints them. */
  static String quoted(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    int shown = Math.min(s.length(), MAX_SHOWN);
    for (int i = 0; i < shown; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (shown < s.length()) {
      out.append("...");
    }
    return out.append('"').toString();
  }

  static void writeString(String s, StringBuilder out) {
    out.append('"');
    int plain = 0;
    while (plain < s.length() && needsNoEscape(s.charAt(plain))) {
      plain++;
    }
    out.append(s, 0, plain);
    for (int i = plain; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isSurrogate(c)) {
            if (Character.isHighSurrogate(c)
                && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1))) {
              out.append(c).append(s.charAt(++i));
            } else {
              // UTF-8 cannot encode a lone surrogate: two different strings would share bytes.
              throw new InvalidRecordException(
                  String.format(
                      "body: expected valid Unicode text but found an unpaired surrogate \\u%04x"
                          + " at index %d of a string",
                      (int) c, i));
            }
          } else if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean needsNoEscape(char c) {
    return c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c);
  }
}
