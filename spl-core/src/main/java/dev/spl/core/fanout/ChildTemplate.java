package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The descriptor every child of a data fan-out is made from: {@code goal} and {@code run} may hold
 * placeholders, {@code target}, {@code budget} and {@code timeout} are the same for every child.
 *
 * <p>Placeholders: {@code {{item}}} (the child's item: a string as it is, anything else as its
 * canonical JSON), {@code {{item.a.b}}} (a field of it; a segment of digits also indexes an array),
 * {@code {{index}}} (the item's position among the items, or the point's position in the range),
 * {@code {{shard}}} (the child's index) and {@code {{n}}} (the number of children). A literal
 * {@code {{} is written {@code {{{{}. {@code {{item}}}, {@code {{item.<path>}}} and {@code
 * {{index}}} name one item, so they need one item per child (a shard size of 1).
 *
 * <p>In {@code run}, every placeholder becomes one single-quoted POSIX shell word ({@link
 * ShellWords}), so an item is always data to the shell, never code. That holds only where the
 * shell treats a quoted word as a word: a placeholder must stand outside quotes, backquotes, {@code
 * ${...}} and {@code $((...))}, not after a backslash or a {@code $}, and a {@code run} with
 * placeholders may not hold a here-document ({@code <<}), whose text the shell expands; each of
 * these is refused when the template is read.
 */
public final class ChildTemplate {
  static final Set<String> KEYS = Set.of("goal", "target", "budget", "timeout", "run", "executor");
  private static final String KEY_LIST = "goal, target, budget, timeout, run, executor";
  static final String KNOWN_PLACEHOLDERS =
      "{{item}}, {{item.<path>}}, {{index}}, {{shard}}, {{n}}; write {{{{ for a literal {{";

  private final String goal;
  private final String run;
  private final String target;
  private final BigDecimal budget;
  private final Long timeoutSecs;
  private final String executor;
  private final List<Part> goalParts;
  private final List<Part> runParts;

  /** A piece of a template string: literal text, or a placeholder. */
  private sealed interface Part permits Literal, Placeholder {}

  private record Literal(String text) implements Part {}

  /**
   * @param name {@code item}, {@code index}, {@code shard} or {@code n}
   * @param path the field path below the item, empty for the item itself
   */
  private record Placeholder(String name, List<String> path, String written) implements Part {
    boolean namesOneItem() {
      return name.equals("item") || name.equals("index");
    }
  }

  private ChildTemplate(
      String goal, String run, String target, BigDecimal budget, Long timeout, String executor) {
    this.goal = Objects.requireNonNull(goal, "goal");
    this.executor = executor;
    this.run = run;
    this.target = target;
    this.budget = budget;
    this.timeoutSecs = timeout;
    this.goalParts = parse("goal", goal);
    this.runParts = run == null ? List.of() : parse("run", run);
    if (run != null) {
      requireShellSafe(run, runParts);
    }
  }

  /**
   * Reads the command-line form, {@code goal=...,run=...,target=...,budget=...,timeout=...}, with
   * the quoting rules of {@code --subtask}. Bad input is refused naming {@code --template} and the
   * key.
   */
  public static ChildTemplate parseCli(String text) {
    try {
      Map<String, String> values = SubtaskParser.pairs(-1, text, KEYS, KEY_LIST);
      return of(values);
    } catch (InvalidFanoutException e) {
      throw refused(e);
    }
  }

  private static ChildTemplate of(Map<String, String> values) {
    for (String literalOnly : List.of("target", "budget", "timeout", "executor")) {
      String value = values.get(literalOnly);
      if (value != null && value.contains("{{")) {
        throw new InvalidFanoutException(
            -1,
            literalOnly,
            "placeholders are allowed in goal and run only; every child has the same "
                + literalOnly
                + " (found '"
                + value
                + "')");
      }
    }
    // The same checks as a listed subtask's descriptor; placeholders pass them as plain text.
    SubtaskSpec spec = SubtaskParser.build(-1, values);
    return new ChildTemplate(
        spec.goal(), spec.run(), spec.target(), spec.budget(), spec.timeoutSecs(), spec.executor());
  }

  private static InvalidFanoutException refused(InvalidFanoutException e) {
    if ("--template".equals(e.key())) {
      return e;
    }
    return new InvalidFanoutException(-1, "--template", e.getMessage());
  }

  /** The template as stored in the parent's {@code loop}. */
  ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("goal", goal);
    if (run != null) {
      node.put("run", run);
    }
    if (target != null) {
      node.put("target", target);
    }
    if (budget != null) {
      node.put("budget", budget);
    }
    if (timeoutSecs != null) {
      node.put("timeout", timeoutSecs);
    }
    if (executor != null) {
      node.put("executor", executor);
    }
    return node;
  }

  /** Reads the stored form, with the checks of the command-line form. */
  static ChildTemplate fromJson(WireReader reader) {
    Map<String, String> values = new java.util.LinkedHashMap<>();
    values.put("goal", reader.text("goal"));
    String run = reader.optionalText("run");
    if (run != null) {
      values.put("run", run);
    }
    String target = reader.optionalText("target");
    if (target != null) {
      values.put("target", target);
    }
    BigDecimal budget = reader.optionalDecimal("budget");
    if (budget != null) {
      values.put("budget", budget.toString());
    }
    Long timeout = reader.optionalLong("timeout", 1);
    if (timeout != null) {
      values.put("timeout", timeout.toString());
    }
    String executor = reader.optionalText("executor");
    if (executor != null) {
      values.put("executor", executor);
    }
    try {
      return of(values);
    } catch (InvalidFanoutException e) {
      throw new dev.spl.core.InvalidRecordException(
          reader.pathOf("template") + ": " + e.getMessage());
    }
  }

  public String goal() {
    return goal;
  }

  public String run() {
    return run;
  }

  public String target() {
    return target;
  }

  public BigDecimal budget() {
    return budget;
  }

  public Long timeoutSecs() {
    return timeoutSecs;
  }

  /** {@link SubtaskSpec#ECHO} when every child runs with the echo executor, or null. */
  public String executor() {
    return executor;
  }

  /** Whether a placeholder names one item ({@code {{item...}}} or {@code {{index}}}). */
  boolean namesOneItem() {
    return parts().stream().anyMatch(p -> p instanceof Placeholder h && h.namesOneItem());
  }

  /** Whether a placeholder reads a field of the item ({@code {{item.<path>}}}). */
  boolean readsItemFields() {
    return parts().stream()
        .anyMatch(
            p -> p instanceof Placeholder h && h.name().equals("item") && !h.path().isEmpty());
  }

  /** The first placeholder that names one item, as written, or null. */
  String firstOneItemPlaceholder() {
    for (Part part : parts()) {
      if (part instanceof Placeholder h && h.namesOneItem()) {
        return h.written();
      }
    }
    return null;
  }

  /** The first placeholder that reads a field of the item, as written, or null. */
  String firstFieldPlaceholder() {
    for (Part part : parts()) {
      if (part instanceof Placeholder h && h.name().equals("item") && !h.path().isEmpty()) {
        return h.written();
      }
    }
    return null;
  }

  private List<Part> parts() {
    List<Part> all = new ArrayList<>(goalParts);
    all.addAll(runParts);
    return all;
  }

  /** The goal and run command of one child. */
  public record Expanded(String goal, String run) {}

  /**
   * Fills in the placeholders for one child.
   *
   * @param item the child's one item (an item, or a range point as a number), or null when the
   *     child has several (the template then names no item: see {@link DataLoop})
   * @param index the item's position, when it has one item
   * @throws InvalidFanoutException naming the placeholder when the item lacks a field it names or a
   *     run value holds a NUL character (a shell command cannot carry one)
   */
  public Expanded expand(JsonNode item, long index, int shard, int n) {
    return new Expanded(
        fill("goal", goalParts, item, index, shard, n, false),
        run == null ? null : fill("run", runParts, item, index, shard, n, true));
  }

  private static String fill(
      String key,
      List<Part> parts,
      JsonNode item,
      long index,
      int shard,
      int n,
      boolean shellWords) {
    StringBuilder out = new StringBuilder();
    for (Part part : parts) {
      if (part instanceof Literal literal) {
        out.append(literal.text());
        continue;
      }
      Placeholder placeholder = (Placeholder) part;
      String value =
          switch (placeholder.name()) {
            case "shard" -> Integer.toString(shard);
            case "n" -> Integer.toString(n);
            case "index" -> Long.toString(index);
            default -> itemValue(key, placeholder, item);
          };
      if (value.indexOf('\u0000') >= 0) {
        throw new InvalidFanoutException(
            -1,
            key,
            placeholder.written()
                + ": the value holds a NUL character, which a command or its environment cannot"
                + " carry");
      }
      out.append(shellWords ? ShellWords.quote(value) : value);
    }
    return out.toString();
  }

  private static String itemValue(String key, Placeholder placeholder, JsonNode item) {
    if (item == null) {
      throw new InvalidFanoutException(
          -1, key, placeholder.written() + ": the child has no single item to fill it with");
    }
    JsonNode value = item;
    StringBuilder path = new StringBuilder("item");
    for (String segment : placeholder.path()) {
      JsonNode next;
      if (value.isObject()) {
        next = value.get(segment);
      } else if (value.isArray() && segment.chars().allMatch(Character::isDigit)) {
        next = segment.length() > 9 ? null : value.get(Integer.parseInt(segment));
      } else {
        throw new InvalidFanoutException(
            -1,
            key,
            placeholder.written()
                + ": "
                + path
                + " is "
                + kind(value)
                + ", which has no field '"
                + segment
                + "'");
      }
      if (next == null) {
        throw new InvalidFanoutException(
            -1,
            key,
            placeholder.written()
                + ": "
                + (path.toString().equals("item") ? "the item" : path)
                + " has no field '"
                + segment
                + "'");
      }
      if (next.isNull()) {
        throw new InvalidFanoutException(
            -1, key, placeholder.written() + ": " + path + "." + segment + " is null");
      }
      path.append('.').append(segment);
      value = next;
    }
    return value.isTextual() ? value.textValue() : CanonicalJson.string(value);
  }

  private static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }

  // -----------------------------------------------------------------------------------------------
  // Parsing

  private static List<Part> parse(String key, String text) {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      if (!text.startsWith("{{", i)) {
        literal.append(text.charAt(i++));
        continue;
      }
      if (text.startsWith("{{{{", i)) {
        literal.append("{{");
        i += 4;
        continue;
      }
      int close = text.indexOf("}}", i + 2);
      if (close < 0) {
        throw new InvalidFanoutException(
            -1,
            "--template",
            key
                + ": the placeholder at column "
                + (i + 1)
                + " has no closing }} (write {{{{ for a literal {{)");
      }
      String name = text.substring(i + 2, close);
      String written = "{{" + name + "}}";
      if (literal.length() > 0) {
        parts.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      parts.add(placeholder(key, name, written, i + 1));
      i = close + 2;
    }
    if (literal.length() > 0) {
      parts.add(new Literal(literal.toString()));
    }
    return List.copyOf(parts);
  }

  private static Placeholder placeholder(String key, String name, String written, int column) {
    switch (name) {
      case "item", "index", "shard", "n" -> {
        return new Placeholder(name, List.of(), written);
      }
      default -> {}
    }
    if (name.startsWith("item.")) {
      String[] segments = name.substring(5).split("\\.", -1);
      boolean wellFormed = true;
      for (String segment : segments) {
        wellFormed &= !segment.isEmpty() && segment.chars().allMatch(ChildTemplate::pathChar);
      }
      if (wellFormed) {
        return new Placeholder("item", List.of(segments), written);
      }
    }
    throw new InvalidFanoutException(
        -1,
        "--template",
        key
            + ": unknown placeholder "
            + written
            + " at column "
            + column
            + " (known: "
            + KNOWN_PLACEHOLDERS
            + ")");
  }

  private static boolean pathChar(int c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-';
  }

  // -----------------------------------------------------------------------------------------------
  // Shell safety

  private enum Context {
    WORD,
    SINGLE_QUOTES,
    DOUBLE_QUOTES,
    BACKQUOTES,
    BRACES,
    ARITHMETIC
  }

  /**
   * Walks the run command as the shell reads it and refuses a placeholder anywhere a single-quoted
   * word would not stay one word of data.
   */
  private static void requireShellSafe(String run, List<Part> parts) {
    boolean placeholders = parts.stream().anyMatch(Placeholder.class::isInstance);
    if (!placeholders) {
      return;
    }
    Context context = Context.WORD;
    int depth = 0;
    boolean escaped = false;
    char previous = 0;
    int column = 1;
    for (Part part : parts) {
      if (part instanceof Placeholder placeholder) {
        String where = null;
        if (escaped) {
          where = "after a backslash";
        } else if (context == Context.WORD && previous == '$') {
          where = "right after a $";
        } else {
          where =
              switch (context) {
                case WORD -> null;
                case SINGLE_QUOTES -> "inside single quotes";
                case DOUBLE_QUOTES -> "inside double quotes";
                case BACKQUOTES -> "inside backquotes";
                case BRACES -> "inside ${...}";
                case ARITHMETIC -> "inside $((...))";
              };
        }
        if (where != null) {
          throw new InvalidFanoutException(
              -1,
              "--template",
              "run: "
                  + placeholder.written()
                  + " stands "
                  + where
                  + "; spl passes each value as one single-quoted shell word, so write the"
                  + " placeholder bare (e.g. cat {{item}}, not \"{{item}}\")");
        }
        previous = 'x';
        column += placeholder.written().length();
        continue;
      }
      String text = ((Literal) part).text();
      for (int i = 0; i < text.length(); i++, column++) {
        char c = text.charAt(i);
        if (escaped) {
          escaped = false;
          previous = 'x';
          continue;
        }
        switch (context) {
          case WORD -> {
            if (c == '\\') {
              escaped = true;
            } else if (c == '\'') {
              context = Context.SINGLE_QUOTES;
            } else if (c == '"') {
              context = Context.DOUBLE_QUOTES;
            } else if (c == '`') {
              context = Context.BACKQUOTES;
            } else if (c == '{' && previous == '$') {
              context = Context.BRACES;
              depth = 1;
            } else if (c == '('
                && previous == '$'
                && i + 1 < text.length()
                && text.charAt(i + 1) == '(') {
              context = Context.ARITHMETIC;
              depth = 2;
              i++;
              column++;
            } else if (c == '<' && previous == '<') {
              throw new InvalidFanoutException(
                  -1,
                  "--template",
                  "run: a here-document (<<, column "
                      + (column - 1)
                      + ") expands what it holds, so a command with placeholders may not have"
                      + " one; read the items from $SPL_ITEMS_FILE instead");
            }
          }
          case SINGLE_QUOTES -> {
            if (c == '\'') {
              context = Context.WORD;
            }
          }
          case DOUBLE_QUOTES -> {
            if (c == '\\') {
              escaped = true;
            } else if (c == '"') {
              context = Context.WORD;
            }
          }
          case BACKQUOTES -> {
            if (c == '\\') {
              escaped = true;
            } else if (c == '`') {
              context = Context.WORD;
            }
          }
          case BRACES -> {
            if (c == '{') {
              depth++;
            } else if (c == '}' && --depth == 0) {
              context = Context.WORD;
            }
          }
          case ARITHMETIC -> {
            if (c == '(') {
              depth++;
            } else if (c == ')' && --depth == 0) {
              context = Context.WORD;
            }
          }
        }
        previous = c;
      }
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChildTemplate that
        && goal.equals(that.goal)
        && Objects.equals(run, that.run)
        && Objects.equals(target, that.target)
        && Objects.equals(budget, that.budget)
        && Objects.equals(timeoutSecs, that.timeoutSecs)
        && Objects.equals(executor, that.executor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(goal, run, target, budget, timeoutSecs, executor);
  }

  @Override
  public String toString() {
    return toJson().toString();
  }
}
