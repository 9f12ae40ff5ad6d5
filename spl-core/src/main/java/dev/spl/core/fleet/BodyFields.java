package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;

/** Typed reads of record body fields with messages that name the field and what was found. */
final class BodyFields {
  private BodyFields() {}

  static String text(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isTextual()) {
      throw new InvalidRecordException(
          "body." + field + ": expected a string but found " + describe(node));
    }
    return node.asText();
  }

  static String optionalText(ObjectNode body, String field, String fallback) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return fallback;
    }
    return text(body, field);
  }

  static long nonNegativeLong(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.canConvertToExactIntegral() || node.asLong() < 0) {
      throw new InvalidRecordException(
          "body." + field + ": expected a non-negative integer but found " + describe(node));
    }
    return node.asLong();
  }

  static int nonNegativeInt(ObjectNode body, String field) {
    long value = nonNegativeLong(body, field);
    if (value > Integer.MAX_VALUE) {
      throw new InvalidRecordException(
          "body." + field + ": expected at most " + Integer.MAX_VALUE + " but found " + value);
    }
    return (int) value;
  }

  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing (the field is missing)";
    }
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + node;
  }
}
