package dev.spl.core.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import java.util.Locale;

/** Typed reads of control record bodies with messages that name the field and what was found. */
final class ControlFields {
  private ControlFields() {}

  static String text(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isTextual()) {
      throw new InvalidRecordException(
          "body." + field + ": expected a string but found " + describe(node));
    }
    return node.asText();
  }

  static String optionalText(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    return node == null || node.isNull() ? "" : text(body, field);
  }

  static long nonNegativeLong(ObjectNode body, String field, long fallback) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      if (fallback < 0) {
        throw new InvalidRecordException(
            "body." + field + ": expected a non-negative integer but found " + describe(node));
      }
      return fallback;
    }
    if (!node.canConvertToExactIntegral() || node.asLong() < 0) {
      throw new InvalidRecordException(
          "body." + field + ": expected a non-negative integer but found " + describe(node));
    }
    return node.asLong();
  }

  static boolean bool(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isBoolean()) {
      throw new InvalidRecordException(
          "body." + field + ": expected true or false but found " + describe(node));
    }
    return node.asBoolean();
  }

  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing (the field is missing)";
    }
    return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + node;
  }
}
