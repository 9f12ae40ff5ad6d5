package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An instance's labels ({@code --label zone=eu-1}): free-form facts an operator gives a daemon,
 * kept in its settings and carried in its heartbeats. Keys are 1-63 letters, digits, {@code .},
 * {@code _}, {@code -} or {@code /} starting with a letter or digit; values at most {@value
 * #MAX_VALUE_LENGTH} characters without control characters; at most {@value #MAX_LABELS} labels.
 */
public final class Labels {
  public static final int MAX_LABELS = 64;
  public static final int MAX_VALUE_LENGTH = 256;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

  private Labels() {}

  /** Null when {@code key=value} is a valid label, else what is wrong with it. */
  public static String problem(String key, String value) {
    if (key == null || !KEY.matcher(key).matches()) {
      return "expected a key of 1-63 letters, digits, '.', '_', '-' or '/' (starting with a"
          + " letter or digit) but found '"
          + key
          + "'";
    }
    if (value == null) {
      return "the label '" + key + "' has no value";
    }
    if (value.length() > MAX_VALUE_LENGTH) {
      return "the value of '"
          + key
          + "' has "
          + value.length()
          + " characters but at most "
          + MAX_VALUE_LENGTH
          + " are allowed";
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return "the value of '" + key + "' has a control character at index " + i;
      }
    }
    return null;
  }

  /**
   * A checked, sorted, unmodifiable copy; throws {@link IllegalArgumentException} naming a bad one.
   */
  public static SortedMap<String, String> of(Map<String, String> labels) {
    if (labels.size() > MAX_LABELS) {
      throw new IllegalArgumentException(
          "labels: expected at most " + MAX_LABELS + " but found " + labels.size());
    }
    SortedMap<String, String> sorted = new TreeMap<>();
    for (var entry : labels.entrySet()) {
      String problem = problem(entry.getKey(), entry.getValue());
      if (problem != null) {
        throw new IllegalArgumentException("labels: " + problem);
      }
      sorted.put(entry.getKey(), entry.getValue());
    }
    return Collections.unmodifiableSortedMap(sorted);
  }

  public static ObjectNode toJson(Map<String, String> labels) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    labels.forEach(node::put);
    return node;
  }

  /**
   * Reads an object of string values at {@code field} of {@code parent}; absent or null is no
   * labels. Throws {@link InvalidRecordException} naming the field.
   */
  public static SortedMap<String, String> fromJson(ObjectNode parent, String field, String where) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return Collections.emptySortedMap();
    }
    if (!(node instanceof ObjectNode object)) {
      throw new InvalidRecordException(
          where + field + ": expected an object of labels but found " + BodyFields.describe(node));
    }
    if (object.size() > MAX_LABELS) {
      throw new InvalidRecordException(
          where
              + field
              + ": expected at most "
              + MAX_LABELS
              + " labels but found "
              + object.size());
    }
    SortedMap<String, String> labels = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> entry = fields.next();
      if (!entry.getValue().isTextual()) {
        throw new InvalidRecordException(
            where
                + field
                + "."
                + entry.getKey()
                + ": expected a string but found "
                + BodyFields.describe(entry.getValue()));
      }
      String problem = problem(entry.getKey(), entry.getValue().asText());
      if (problem != null) {
        throw new InvalidRecordException(where + field + ": " + problem);
      }
      labels.put(entry.getKey(), entry.getValue().asText());
    }
    return Collections.unmodifiableSortedMap(labels);
  }

  /** {@code zone=eu-1, gpu=a100}, or {@code none}. */
  public static String describe(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    labels.forEach(
        (key, value) ->
            sb.append(sb.length() == 0 ? "" : ", ").append(key).append('=').append(value));
    return sb.toString();
  }
}
