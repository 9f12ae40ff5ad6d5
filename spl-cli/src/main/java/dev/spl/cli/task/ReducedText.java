package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Map;

/** The reducers' values as {@code join-status} and {@code results --reduced} print them. */
final class ReducedText {
  /** Values longer than this are cut in text; {@code -o json} has them whole. */
  static final int MAX_VALUE_CHARS = 200;

  private ReducedText() {}

  /** One line per reducer: {@code name = value (function)}, with its errors and dropped values. */
  static void print(PrintStream out, JsonNode reduced, String firstPrefix, String nextPrefix) {
    String prefix = firstPrefix;
    for (Iterator<Map.Entry<String, JsonNode>> it = reduced.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      out.println(prefix + line(entry.getKey(), entry.getValue()));
      prefix = nextPrefix;
    }
  }

  static String line(String name, JsonNode reducer) {
    String value = reducer.path("value").toString();
    if (value.length() > MAX_VALUE_CHARS) {
      value = value.substring(0, MAX_VALUE_CHARS) + "...";
    }
    StringBuilder line =
        new StringBuilder(name)
            .append(" = ")
            .append(value)
            .append(" (")
            .append(reducer.path("function").asText())
            .append(')');
    long errors = reducer.path("errors").asLong();
    if (errors > 0) {
      line.append("; ")
          .append(errors)
          .append(errors == 1 ? " child's value" : " children's values")
          .append(" could not be used, first child ")
          .append(reducer.path("first_error_index").asInt())
          .append(": ")
          .append(reducer.path("first_error").asText());
    }
    long dropped = reducer.path("dropped").asLong();
    if (dropped > 0) {
      line.append("; ").append(dropped).append(" left out to stay within its bound");
    }
    return line.toString();
  }
}
