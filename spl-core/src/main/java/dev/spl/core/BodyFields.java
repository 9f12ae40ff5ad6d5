package dev.spl.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** Typed reads of record body fields with messages that name the field and what was found. */
public final class BodyFields {
  private BodyFields() {}

  public static String text(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isTextual()) {
      throw new InvalidRecordException(
          "body." + field + ": expected a string but found " + describe(node));
    }
    return node.asText();
  }

  public static String optionalText(ObjectNode body, String field, String fallback) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return fallback;
    }
    return text(body, field);
  }

  public static long nonNegativeLong(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.canConvertToExactIntegral() || node.asLong() < 0) {
      throw new InvalidRecordException(
          "body." + field + ": expected a non-negative integer but found " + describe(node));
    }
    return node.asLong();
  }

  /** Like {@link #nonNegativeLong(ObjectNode, String)}, with {@code fallback} when absent. */
  public static long nonNegativeLong(ObjectNode body, String field, long fallback) {
    JsonNode node = body.get(field);
    return node == null || node.isNull() ? fallback : nonNegativeLong(body, field);
  }

  public static boolean bool(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isBoolean()) {
      throw new InvalidRecordException(
          "body." + field + ": expected true or false but found " + describe(node));
    }
    return node.asBoolean();
  }

  public static int nonNegativeInt(ObjectNode body, String field) {
    long value = nonNegativeLong(body, field);
    if (value > Integer.MAX_VALUE) {
      throw new InvalidRecordException(
          "body." + field + ": expected at most " + Integer.MAX_VALUE + " but found " + value);
    }
    return (int) value;
  }

  /** Like {@link #nonNegativeLong(ObjectNode, String, long)}, refusing values above {@code max}. */
  public static long boundedLong(ObjectNode body, String field, long max, long fallback) {
    long value = nonNegativeLong(body, field, fallback);
    if (value > max) {
      throw new InvalidRecordException(
          "body." + field + ": expected an integer from 0 to " + max + " but found " + value);
    }
    return value;
  }

  /**
   * Refuses a key that is not one of {@code allowed}, naming it and the keys a {@code what} body
   * has: a typo in a control record must not pass as an absent field.
   */
  public static void requireOnlyKeys(ObjectNode body, List<String> allowed, String what) {
    for (Iterator<String> keys = body.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!allowed.contains(key)) {
        throw new InvalidRecordException(
            "body."
                + key
                + ": unknown key for "
                + what
                + " (expected "
                + String.join(", ", allowed)
                + ")");
      }
    }
  }

  public static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing (the field is missing)";
    }
    return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + node;
  }
}
