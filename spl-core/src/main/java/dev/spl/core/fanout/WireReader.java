package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one object of a fan-out body. A field that is missing or of the wrong kind is
 * refused with an {@link InvalidRecordException} naming its path ({@code body.spawns[2].attempt}),
 * what was expected and what was found. Fields the reader does not ask for are left alone, so a
 * newer writer may add some.
 */
final class WireReader {
  private final ObjectNode node;
  private final String path;

  private WireReader(ObjectNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** Reads a record body whose {@code topic} must be {@code topic}. */
  static WireReader body(ObjectNode body, String topic) {
    WireReader reader = new WireReader(body, "body");
    String found = reader.text("topic");
    if (!found.equals(topic)) {
      throw reader.problem("topic", "'" + topic + "'", body.get("topic"));
    }
    return reader;
  }

  String text(String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw problem(field, "a string", value);
    }
    return value.textValue();
  }

  /** A string, or null when the field is absent or null. */
  String optionalText(String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : text(field);
  }

  /** A string that must be one of {@code allowed}. */
  String oneOf(String field, String... allowed) {
    String value = text(field);
    for (String candidate : allowed) {
      if (candidate.equals(value)) {
        return value;
      }
    }
    throw problem(field, "one of '" + String.join("', '", allowed) + "'", node.get(field));
  }

  int integer(String field, int min) {
    long value = longValue(field, min);
    if (value > Integer.MAX_VALUE) {
      throw problem(
          field, "a whole number from " + min + " to " + Integer.MAX_VALUE, node.get(field));
    }
    return (int) value;
  }

  /** A whole number, or null when the field is absent or null. */
  Integer optionalInteger(String field, int min) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : integer(field, min);
  }

  long longValue(String field, long min) {
    JsonNode value = node.get(field);
    if (value == null
        || !value.isNumber()
        || !value.canConvertToExactIntegral()
        || !value.canConvertToLong()
        || value.asLong() < min) {
      throw problem(field, "a whole number >= " + min, value);
    }
    return value.asLong();
  }

  /** A whole number, or null when the field is absent or null. */
  Long optionalLong(String field, long min) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : longValue(field, min);
  }

  BigDecimal decimal(String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw problem(field, "a number", value);
    }
    return value.decimalValue();
  }

  /** A number, or null when the field is absent or null. */
  BigDecimal optionalDecimal(String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : decimal(field);
  }

  double nonNegativeDouble(String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber() || !(value.doubleValue() >= 0)) {
      throw problem(field, "a number >= 0", value);
    }
    return value.doubleValue();
  }

  /** The objects of an array field, each read with its index in the path. */
  List<WireReader> objects(String field) {
    JsonNode array = array(field);
    List<WireReader> readers = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      if (!(element instanceof ObjectNode object)) {
        throw new InvalidRecordException(
            path
                + "."
                + field
                + "["
                + i
                + "]: expected an object but found "
                + BodyFields.describe(element));
      }
      readers.add(new WireReader(object, path + "." + field + "[" + i + "]"));
    }
    return readers;
  }

  /** The raw elements of an array field that must hold objects. */
  List<ObjectNode> rawObjects(String field) {
    List<ObjectNode> nodes = new ArrayList<>();
    for (WireReader reader : objects(field)) {
      nodes.add(reader.node);
    }
    return nodes;
  }

  List<String> texts(String field) {
    JsonNode array = array(field);
    List<String> values = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      if (!element.isTextual()) {
        throw new InvalidRecordException(
            path
                + "."
                + field
                + "["
                + i
                + "]: expected a string but found "
                + BodyFields.describe(element));
      }
      values.add(element.textValue());
    }
    return values;
  }

  List<Integer> integers(String field, int min) {
    JsonNode array = array(field);
    List<Integer> values = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      if (!element.isNumber()
          || !element.canConvertToExactIntegral()
          || !element.canConvertToInt()
          || element.asInt() < min) {
        throw new InvalidRecordException(
            path
                + "."
                + field
                + "["
                + i
                + "]: expected a whole number >= "
                + min
                + " but found "
                + BodyFields.describe(element));
      }
      values.add(element.asInt());
    }
    return values;
  }

  /** A boolean that is false when absent. */
  boolean optionalBoolean(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw problem(field, "true or false", value);
    }
    return value.booleanValue();
  }

  WireReader object(String field) {
    JsonNode value = node.get(field);
    if (!(value instanceof ObjectNode object)) {
      throw problem(field, "an object", value);
    }
    return new WireReader(object, path + "." + field);
  }

  /** Whether {@code field} is present and not null. */
  boolean hasNonNull(String field) {
    return node.hasNonNull(field);
  }

  /** The path of {@code field} as messages name it. */
  String pathOf(String field) {
    return path + "." + field;
  }

  InvalidRecordException problem(String field, String expected, JsonNode found) {
    return new InvalidRecordException(
        pathOf(field) + ": expected " + expected + " but found " + BodyFields.describe(found));
  }

  private JsonNode array(String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw problem(field, "an array", value);
    }
    return value;
  }
}
