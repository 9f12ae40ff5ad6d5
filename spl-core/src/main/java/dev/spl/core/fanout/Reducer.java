package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reducer of a fan-out, as {@code --reduce 'total=sum(result.count)'} names it: a name, a
 * function and the path of the value it reads in each accepted child's result. Parsed once when the
 * fan-out is written and again when its parent is read, so a parent with a bad reducer is refused
 * either way.
 *
 * @param text the reducer as written ({@code name=fn(path)}), which the parent record keeps
 * @param path the segments after {@code result} (empty: the whole result); a segment of digits
 *     indexes an array
 */
public record Reducer(String text, String name, Function function, List<String> path) {
  /** The most reducers of one fan-out. */
  public static final int MAX_REDUCERS = 32;

  private static final Pattern FORM =
      Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*([A-Za-z_]+)\\s*\\((.*)\\)\\s*");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*|[0-9]{1,9}");

  /** What a reducer computes over the values it reads. */
  public enum Function {
    SUM,
    MIN,
    MAX,
    COUNT,
    AVG,
    APPEND,
    MERGE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Function fromWire(String text) {
      for (Function function : values()) {
        if (function.wire().equals(text)) {
          return function;
        }
      }
      return null;
    }
  }

  public Reducer {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(function, "function");
    path = List.copyOf(path);
  }

  /**
   * Parses {@code name=fn(result.a.b)}; {@code count()} takes no path. {@code where} names the
   * reducer in messages ({@code --reduce 2}).
   *
   * @throws InvalidFanoutException naming what is wrong
   */
  public static Reducer parse(String text, String where) {
    Matcher form = FORM.matcher(text == null ? "" : text);
    if (!form.matches()) {
      throw new InvalidFanoutException(
          -1,
          where,
          "expected NAME=FUNCTION(result.PATH) (e.g. total=sum(result.count)) but found '"
              + text
              + "'");
    }
    String name = form.group(1);
    Function function = Function.fromWire(form.group(2));
    if (function == null) {
      throw new InvalidFanoutException(
          -1,
          where,
          "unknown function '"
              + form.group(2)
              + "' (expected sum, min, max, count, avg, append or merge) in '"
              + text.strip()
              + "'");
    }
    String pathText = form.group(3).strip();
    List<String> path = new ArrayList<>();
    if (pathText.isEmpty()) {
      if (function != Function.COUNT) {
        throw new InvalidFanoutException(
            -1,
            where,
            function.wire()
                + "() needs the path of a value, e.g. "
                + function.wire()
                + "(result.count), in '"
                + text.strip()
                + "'");
      }
    } else {
      String[] segments = pathText.split("\\.", -1);
      if (!segments[0].equals("result")) {
        throw new InvalidFanoutException(
            -1,
            where,
            "the path '"
                + pathText
                + "' does not parse: it must start with 'result' (the child's"
                + " result), e.g. result.count");
      }
      for (int i = 1; i < segments.length; i++) {
        if (!SEGMENT.matcher(segments[i]).matches()) {
          throw new InvalidFanoutException(
              -1,
              where,
              "the path '"
                  + pathText
                  + "' does not parse: part "
                  + (i + 1)
                  + " '"
                  + segments[i]
                  + "' is not a field name (letters, digits, _ and -, not starting with a digit"
                  + " unless it is an array index)");
        }
        path.add(segments[i]);
      }
    }
    return new Reducer(text.strip(), name, function, path);
  }

  /** Parses the reducers of one fan-out, refusing a name given twice and more than the limit. */
  public static List<Reducer> parseAll(List<String> texts, String option) {
    if (texts.size() > MAX_REDUCERS) {
      throw new InvalidFanoutException(
          -1, option, "at most " + MAX_REDUCERS + " reducers but found " + texts.size());
    }
    List<Reducer> reducers = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      Reducer reducer = parse(texts.get(i), option + " " + (i + 1));
      for (Reducer earlier : reducers) {
        if (earlier.name().equals(reducer.name())) {
          throw new InvalidFanoutException(
              -1, option + " " + (i + 1), "the name '" + reducer.name() + "' is given twice");
        }
      }
      reducers.add(reducer);
    }
    return List.copyOf(reducers);
  }

  /** The value at {@link #path} in {@code result}, or null when there is none. */
  JsonNode read(JsonNode result) {
    JsonNode node = result;
    for (String segment : path) {
      if (node == null) {
        return null;
      }
      node =
          node.isArray() && Character.isDigit(segment.charAt(0))
              ? node.get(Integer.parseInt(segment))
              : node.get(segment);
    }
    return node == null || node.isNull() ? null : node;
  }

  /** Whether this is {@code count()}, which counts accepted children rather than values. */
  boolean countsChildren() {
    return function == Function.COUNT && text.matches(".*\\(\\s*\\)\\s*");
  }

  /** The path as written: {@code result.a.b}. */
  public String pathText() {
    return path.isEmpty() ? "result" : "result." + String.join(".", path);
  }
}
