package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads subtask descriptors from the two forms users write them in.
 *
 * <p>The command-line form is {@code key=value} pairs separated by commas: {@code goal=Write
 * A,target=worker-a,budget=0.50,timeout=300,depends=0+1,run=make a}. A value is taken up to the
 * next comma and trimmed; it may contain {@code =}. A value that contains a comma, or leading or
 * trailing spaces, is written in double quotes: {@code run="echo a,b"}; inside quotes {@code \"}
 * stands for a quote and {@code \\} for a backslash, and nothing but spaces may follow the closing
 * quote before the next comma.
 *
 * <p>The file form is JSON lines: one object per line with the same keys ({@code depends} an array
 * of indices or a {@code "0+1"} string, {@code budget} and {@code timeout} numbers or numeric
 * strings). Blank lines are skipped and do not count as subtasks. The file is strict UTF-8 and
 * strict JSON: a key given twice on a line is refused, as are numbers and strings without a
 * canonical form (see {@link CanonicalJson}).
 *
 * <p>Bounds: {@code timeout} is 1 to {@link #MAX_TIMEOUT_SECS} whole seconds, {@code budget} 0 to
 * {@link #MAX_BUDGET_USD}, rounded to the decimal of its IEEE-754 double (the value it has in a
 * record) when it has more digits than a double holds, {@code depends} indices are ints (their
 * range is checked against the fan-out by {@link FanoutValidation}).
 */
public final class SubtaskParser {
  static final Set<String> KEYS =
      Set.of(
          "goal",
          "target",
          "budget",
          "timeout",
          "depends",
          "run",
          "workspace",
          "hedge",
          "executor");
  private static final String KEY_LIST =
      "goal, target, budget, timeout, depends, run, workspace, hedge, executor";

  /** The longest timeout of one subtask: 30 days. */
  public static final long MAX_TIMEOUT_SECS = 30L * 24 * 3600;

  /** The largest budget of one subtask, in USD. */
  public static final BigDecimal MAX_BUDGET_USD = new BigDecimal("1000000");

  private SubtaskParser() {}

  /** Parses one {@code --subtask} value; {@code index} is its position among the subtasks. */
  public static SubtaskSpec parseCli(int index, String text) {
    return build(index, pairs(index, text, KEYS, KEY_LIST));
  }

  /**
   * Splits the command-line form into its {@code key=value} pairs, in order, refusing keys not in
   * {@code keys} (listed as {@code keyList} in the message) and keys given twice.
   */
  static Map<String, String> pairs(int index, String text, Set<String> keys, String keyList) {
    Map<String, String> values = new LinkedHashMap<>();
    int position = 0;
    int length = text.length();
    while (position <= length) {
      int equals = indexOfEqualsBeforeComma(text, position);
      if (equals < 0) {
        String fragment = text.substring(position, nextComma(text, position)).trim();
        if (fragment.isEmpty() && position >= length) {
          break;
        }
        throw new InvalidFanoutException(
            index,
            null,
            "expected key=value but found '"
                + fragment
                + "' (keys: "
                + keyList
                + "; quote values that contain commas)");
      }
      String key = text.substring(position, equals).trim();
      if (!keys.contains(key)) {
        throw new InvalidFanoutException(
            index, null, "unknown key '" + key + "' (expected one of " + keyList + ")");
      }
      int valueStart = skipSpaces(text, equals + 1);
      String value;
      if (valueStart < length && text.charAt(valueStart) == '"') {
        StringBuilder quoted = new StringBuilder();
        int cursor = valueStart + 1;
        boolean closed = false;
        while (cursor < length) {
          char c = text.charAt(cursor);
          if (c == '\\') {
            if (cursor + 1 >= length
                || (text.charAt(cursor + 1) != '"' && text.charAt(cursor + 1) != '\\')) {
              throw new InvalidFanoutException(
                  index,
                  key,
                  "inside double quotes only \\\" and \\\\ are escapes, found a lone backslash at"
                      + " column "
                      + (cursor + 1));
            }
            quoted.append(text.charAt(cursor + 1));
            cursor += 2;
          } else if (c == '"') {
            closed = true;
            cursor++;
            break;
          } else {
            quoted.append(c);
            cursor++;
          }
        }
        if (!closed) {
          throw new InvalidFanoutException(
              index,
              key,
              "the double-quoted value starting at column "
                  + (valueStart + 1)
                  + " has no closing quote");
        }
        int after = skipSpaces(text, cursor);
        if (after < length && text.charAt(after) != ',') {
          throw new InvalidFanoutException(
              index,
              key,
              "expected a comma after the closing quote but found '" + text.charAt(after) + "'");
        }
        value = quoted.toString();
        position = after + 1;
      } else {
        int comma = nextComma(text, valueStart);
        value = text.substring(valueStart, comma).trim();
        position = comma + 1;
      }
      if (values.containsKey(key)) {
        throw new InvalidFanoutException(index, key, "given twice");
      }
      values.put(key, value);
    }
    return values;
  }

  /**
   * Parses JSON lines from UTF-8 bytes (a file, standard input), refusing bytes that are not UTF-8
   * with the line they are on.
   */
  public static List<SubtaskSpec> parseJsonLines(byte[] utf8) {
    String text;
    try {
      text = Json.decodeUtf8(utf8);
    } catch (MalformedJsonException e) {
      throw new InvalidFanoutException(-1, "subtasks", e.getMessage());
    }
    return parseJsonLines(new StringReader(text));
  }

  /** Parses JSON lines, numbering subtasks from 0 in the order their lines appear. */
  public static List<SubtaskSpec> parseJsonLines(Reader reader) {
    List<SubtaskSpec> specs = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(reader)) {
      String line;
      int lineNumber = 0;
      while ((line = lines.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        if (specs.size() >= FanoutValidation.MAX_WIDTH) {
          throw new InvalidFanoutException(
              -1,
              "subtasks",
              "more than "
                  + FanoutValidation.MAX_WIDTH
                  + " subtasks (the limit of one fan-out) at line "
                  + lineNumber);
        }
        specs.add(parseJsonLine(specs.size(), lineNumber, line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return specs;
  }

  static SubtaskSpec parseJsonLine(int index, int lineNumber, String line) {
    JsonNode node;
    try {
      node = Json.parse(line);
    } catch (MalformedJsonException e) {
      throw new InvalidFanoutException(index, null, "line " + lineNumber + ": " + e.getMessage());
    }
    return parseJson(index, node);
  }

  /** Parses one descriptor object (a JSON line, or an element of a stored chunk). */
  public static SubtaskSpec parseJson(int index, JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new InvalidFanoutException(
          index, null, "expected a JSON object but found " + (node == null ? "nothing" : node));
    }
    Map<String, String> values = new LinkedHashMap<>();
    List<Integer> depends = null;
    for (var it = node.fields(); it.hasNext(); ) {
      var field = it.next();
      String key = field.getKey();
      requireKnownKey(index, key);
      JsonNode value = field.getValue();
      if (value.isNull()) {
        continue;
      }
      // Numbers are checked against their own bounds below; text must have a canonical form.
      if (!value.isNumber()) {
        try {
          CanonicalJson.requireCanonical(value, key);
        } catch (InvalidRecordException e) {
          throw new InvalidFanoutException(index, null, e.getMessage());
        }
      }
      if (key.equals("depends") && value.isArray()) {
        depends = new ArrayList<>();
        for (JsonNode element : value) {
          if (!element.isIntegralNumber() || !element.canConvertToInt()) {
            throw new InvalidFanoutException(
                index, key, "expected an array of subtask indices but found " + element);
          }
          depends.add(element.intValue());
        }
        continue;
      }
      if (value.isTextual()) {
        values.put(key, value.textValue());
      } else if (value.isBoolean() && key.equals("hedge")) {
        values.put(key, value.asText());
      } else if (value.isNumber() && !key.equals("goal")) {
        // Not toPlainString: 1e999999999 is a billion digits in plain form.
        values.put(key, value.decimalValue().toString());
      } else {
        throw new InvalidFanoutException(
            index,
            key,
            "expected a string"
                + (key.equals("goal") ? "" : " or a number")
                + " but found "
                + value);
      }
    }
    SubtaskSpec spec = build(index, values);
    if (depends != null) {
      spec =
          new SubtaskSpec(
              spec.goal(),
              spec.target(),
              spec.budget(),
              spec.timeoutSecs(),
              dedupe(depends),
              spec.run(),
              spec.workspace(),
              spec.hedge(),
              spec.executor());
    }
    return spec;
  }

  static SubtaskSpec build(int index, Map<String, String> values) {
    String goal = values.get("goal");
    if (goal == null || goal.isBlank()) {
      throw new InvalidFanoutException(
          index, "goal", goal == null ? "required but missing" : "required but empty");
    }
    String target = emptyToNull(index, values, "target");
    if (target != null) {
      Target.parse(index, target);
    }
    BigDecimal budget = null;
    String budgetText = emptyToNull(index, values, "budget");
    if (budgetText != null) {
      try {
        budget = new BigDecimal(budgetText);
      } catch (NumberFormatException e) {
        throw new InvalidFanoutException(
            index,
            "budget",
            "expected an amount in USD such as 0.50 but found '" + budgetText + "'");
      }
      if (budget.signum() < 0) {
        throw new InvalidFanoutException(
            index, "budget", "expected an amount >= 0 but found " + budgetText);
      }
      if (budget.compareTo(MAX_BUDGET_USD) > 0) {
        throw new InvalidFanoutException(
            index,
            "budget",
            "expected an amount of at most " + MAX_BUDGET_USD + " USD but found " + budgetText);
      }
      // A record carries the decimal of the nearest double: keep the amount as written unless
      // that changes its value (more digits than a double holds).
      BigDecimal carried;
      try {
        carried = CanonicalJson.decimal(DecimalNode.valueOf(budget));
      } catch (InvalidRecordException e) {
        throw new InvalidFanoutException(index, "budget", e.getMessage());
      }
      if (carried.compareTo(budget) != 0) {
        budget = carried;
      }
    }
    Long timeout = null;
    String timeoutText = emptyToNull(index, values, "timeout");
    if (timeoutText != null) {
      BigDecimal seconds;
      try {
        seconds = new BigDecimal(timeoutText);
      } catch (NumberFormatException e) {
        throw new InvalidFanoutException(
            index, "timeout", "expected a whole number of seconds but found '" + timeoutText + "'");
      }
      if (seconds.signum() <= 0) {
        throw new InvalidFanoutException(
            index, "timeout", "expected a number of seconds > 0 but found " + timeoutText);
      }
      // Compared before converting: 1e18 seconds is no timeout, and 1e999999999 no long.
      if (seconds.compareTo(BigDecimal.valueOf(MAX_TIMEOUT_SECS)) > 0) {
        throw new InvalidFanoutException(
            index,
            "timeout",
            "expected at most " + MAX_TIMEOUT_SECS + " seconds (30 days) but found " + timeoutText);
      }
      try {
        timeout = seconds.longValueExact();
      } catch (ArithmeticException e) {
        throw new InvalidFanoutException(
            index, "timeout", "expected a whole number of seconds but found '" + timeoutText + "'");
      }
    }
    List<Integer> depends = List.of();
    String dependsText = emptyToNull(index, values, "depends");
    if (dependsText != null) {
      List<Integer> parsed = new ArrayList<>();
      for (String part : dependsText.split("\\+", -1)) {
        try {
          parsed.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
          throw new InvalidFanoutException(
              index,
              "depends",
              "expected subtask indices joined by '+' such as 0+1 but found '" + dependsText + "'");
        }
      }
      depends = dedupe(parsed);
    }
    String run = values.get("run");
    if (run != null && run.isEmpty()) {
      throw new InvalidFanoutException(index, "run", "expected a command but the value is empty");
    }
    String workspace = emptyToNull(index, values, "workspace");
    if (workspace != null && !workspace.equals(SubtaskSpec.WORKTREE)) {
      throw new InvalidFanoutException(
          index,
          "workspace",
          "expected " + SubtaskSpec.WORKTREE + " but found '" + workspace + "'");
    }
    Boolean hedge = null;
    String hedgeText = emptyToNull(index, values, "hedge");
    if (hedgeText != null) {
      if (!hedgeText.equals("true") && !hedgeText.equals("false")) {
        throw new InvalidFanoutException(
            index, "hedge", "expected true or false but found '" + hedgeText + "'");
      }
      hedge = Boolean.valueOf(hedgeText);
    }
    String executor = emptyToNull(index, values, "executor");
    if (executor != null && !executor.equals(SubtaskSpec.ECHO)) {
      throw new InvalidFanoutException(
          index,
          "executor",
          "expected "
              + SubtaskSpec.ECHO
              + " (or leave the key out for the worker's own executor) but found '"
              + executor
              + "'");
    }
    if (executor != null && workspace != null) {
      throw new InvalidFanoutException(
          index,
          "executor",
          "executor=" + executor + " runs no command, so it takes no workspace=" + workspace);
    }
    return new SubtaskSpec(goal, target, budget, timeout, depends, run, workspace, hedge, executor);
  }

  private static List<Integer> dedupe(List<Integer> indices) {
    return List.copyOf(new TreeSet<>(indices));
  }

  private static String emptyToNull(int index, Map<String, String> values, String key) {
    String value = values.get(key);
    if (value != null && value.isBlank()) {
      throw new InvalidFanoutException(index, key, "expected a value but it is empty");
    }
    return value;
  }

  private static void requireKnownKey(int index, String key) {
    if (!KEYS.contains(key)) {
      throw new InvalidFanoutException(
          index, null, "unknown key '" + key + "' (expected one of " + KEY_LIST + ")");
    }
  }

  private static int indexOfEqualsBeforeComma(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '=') {
        return i;
      }
      if (c == ',') {
        return -1;
      }
    }
    return -1;
  }

  private static int nextComma(String text, int from) {
    int comma = text.indexOf(',', from);
    return comma < 0 ? text.length() : comma;
  }

  private static int skipSpaces(String text, int from) {
    int i = from;
    while (i < text.length() && text.charAt(i) == ' ') {
      i++;
    }
    return i;
  }
}
