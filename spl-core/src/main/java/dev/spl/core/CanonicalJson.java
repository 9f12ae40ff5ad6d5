package dev.spl.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Canonical JSON, the byte form record ids are computed over: object keys sorted by UTF-16 code
 * unit at every depth, no insignificant whitespace, strings escaped minimally (only {@code "},
 * {@code \} and control characters) and emitted as UTF-8, numbers in their minimal form (integral
 * values without fraction or exponent, others as plain decimals with trailing zeros removed, -0 as
 * 0). Strings with unpaired surrogates and numbers over {@link #MAX_NUMBER_DIGITS} digits in plain
 * form have no canonical form and are refused.
 */
public final class CanonicalJson {
  /**
   * Compares leaf nodes by their canonical form (numbers by minimal form, everything else by
   * value): 0 when the same, 1 otherwise. Use with {@link JsonNode#equals(Comparator, JsonNode)}.
   */
  public static final Comparator<JsonNode> SAME_CANONICAL_FORM =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          try {
            return number(a).equals(number(b)) ? 0 : 1;
          } catch (InvalidRecordException notFinite) {
            return a.equals(b) ? 0 : 1;
          }
        }
        return a.equals(b) ? 0 : 1;
      };

  /** Numbers longer than this in plain form are refused (Jackson's default text limit). */
  public static final int MAX_NUMBER_DIGITS = 1000;

  private CanonicalJson() {}

  public static byte[] bytes(JsonNode node) {
    return string(node).getBytes(StandardCharsets.UTF_8);
  }

  public static String string(JsonNode node) {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString();
  }

  static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> keys = new ArrayList<>(node.size());
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
          keys.add(it.next());
        }
        keys.sort(null);
        out.append('{');
        for (int i = 0; i < keys.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          writeString(keys.get(i), out);
          out.append(':');
          write(node.get(keys.get(i)), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.append(number(node));
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL -> out.append("null");
      default ->
          throw new InvalidRecordException(
              "body: expected JSON values only but found a " + node.getNodeType() + " node");
    }
  }

  static String number(JsonNode node) {
    if (node.isInt() || node.isLong() || node.isShort()) {
      return Long.toString(node.longValue());
    }
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue().toString();
    }
    if (node.isDouble() || node.isFloat()) {
      double d = node.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new InvalidRecordException("body: expected a finite number but found " + d);
      }
    }
    BigDecimal value = node.decimalValue();
    if (value.signum() == 0) {
      return "0";
    }
    BigDecimal stripped = value.stripTrailingZeros();
    // 1e999999999 is a short text but a billion digits in plain form: refuse it before expanding.
    long plainDigits =
        stripped.scale() <= 0
            ? (long) stripped.precision() - stripped.scale()
            : Math.max(stripped.precision(), (long) stripped.scale() + 1);
    if (plainDigits > MAX_NUMBER_DIGITS) {
      throw new InvalidRecordException(
          "body: expected numbers of at most "
              + MAX_NUMBER_DIGITS
              + " digits in plain form but found "
              + stripped
              + " ("
              + plainDigits
              + " digits)");
    }
    if (stripped.scale() <= 0) {
      BigInteger integral = stripped.toBigIntegerExact();
      return integral.toString();
    }
    return stripped.toPlainString();
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
