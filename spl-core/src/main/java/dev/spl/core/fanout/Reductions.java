package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.CanonicalJson;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reducers of one fan-out folded over its accepted children's results. The fold calls {@link
 * #add} once when a child's current attempt is accepted, so each child counts exactly once: a
 * duplicate or stale result never reaches it, a retried child counts with the attempt that was
 * accepted, and a replay of the log folds the same results in the same order to the same values.
 * When an accepted child is retried by hand its contribution cannot be taken out of a {@code min}
 * or {@code max}, so the fold starts the values over from the accepted children's results ({@link
 * #reset}).
 *
 * <p>Each reducer keeps O(1) state, except {@code append} (at most {@link #APPEND_LIMIT} values or
 * {@link #APPEND_BYTES} bytes, keeping the lowest child indices, so its value is in input order
 * whatever order children finish in) and {@code merge} (at most {@link #MERGE_KEYS} keys and set
 * members). A value a reducer cannot use (a string for {@code sum}, an array for a {@code merge} of
 * objects) is not skipped silently: the reducer counts it and keeps the lowest child index that
 * gave one and why.
 */
public final class Reductions {
  public static final int APPEND_LIMIT = 10_000;
  public static final int APPEND_BYTES = 1 << 20;
  public static final int MERGE_KEYS = 10_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final List<Reducer> reducers;
  private final Accumulator[] accumulators;

  Reductions(List<Reducer> reducers) {
    this.reducers = List.copyOf(reducers);
    this.accumulators = new Accumulator[reducers.size()];
    reset();
  }

  boolean isEmpty() {
    return reducers.isEmpty();
  }

  /** Starts every value over, as before any child. */
  void reset() {
    for (int i = 0; i < accumulators.length; i++) {
      accumulators[i] = Accumulator.of(reducers.get(i));
    }
  }

  /** Folds the result of child {@code index}'s accepted attempt (null: it reported none). */
  void add(int index, JsonNode result) {
    for (int i = 0; i < accumulators.length; i++) {
      Reducer reducer = reducers.get(i);
      JsonNode value = result == null ? null : reducer.read(result);
      accumulators[i].add(index, value, reducer);
    }
  }

  /** The reducers' values by name, in the order they were given. */
  public Map<String, Value> values() {
    Map<String, Value> values = new LinkedHashMap<>();
    for (int i = 0; i < accumulators.length; i++) {
      values.put(reducers.get(i).name(), accumulators[i].value(reducers.get(i)));
    }
    return values;
  }

  /**
   * One reducer's value.
   *
   * @param value the value so far (null when no child gave one, for min, max, avg and merge)
   * @param errors children whose value the reducer could not use
   * @param firstErrorIndex the lowest index of such a child, or -1
   * @param firstError what was wrong with its value, or null
   * @param dropped values {@code append} or {@code merge} left out to stay within its bound
   */
  public record Value(
      String function,
      JsonNode value,
      long errors,
      int firstErrorIndex,
      String firstError,
      long dropped) {

    public ObjectNode toJson() {
      ObjectNode node = NODES.objectNode();
      node.put("function", function);
      node.set("value", value == null ? NODES.nullNode() : value);
      node.put("errors", errors);
      if (firstErrorIndex >= 0) {
        node.put("first_error_index", firstErrorIndex);
        node.put("first_error", firstError);
      }
      if (dropped > 0) {
        node.put("dropped", dropped);
      }
      return node;
    }
  }

  /** The values as one JSON object, name to {@link Value#toJson}. */
  public static ObjectNode toJson(Map<String, Value> values) {
    ObjectNode node = NODES.objectNode();
    values.forEach((name, value) -> node.set(name, value.toJson()));
    return node;
  }

  private abstract static class Accumulator {
    long errors;
    int firstErrorIndex = -1;
    String firstError;
    long dropped;

    static Accumulator of(Reducer reducer) {
      return switch (reducer.function()) {
        case SUM, AVG -> new Sum();
        case MIN -> new Extreme(false);
        case MAX -> new Extreme(true);
        case COUNT -> new Count(reducer.countsChildren());
        case APPEND -> new Append();
        case MERGE -> new Merge();
      };
    }

    abstract void add(int index, JsonNode value, Reducer reducer);

    abstract JsonNode current(Reducer reducer);

    Value value(Reducer reducer) {
      return new Value(
          reducer.function().wire(),
          current(reducer),
          errors,
          firstErrorIndex,
          firstError,
          dropped);
    }

    void error(int index, String message) {
      errors++;
      if (firstErrorIndex < 0 || index < firstErrorIndex) {
        firstErrorIndex = index;
        firstError = message;
      }
    }

    static String found(Reducer reducer, JsonNode value) {
      return reducer.pathText()
          + " is "
          + (value == null ? "missing" : describe(value))
          + ", not a number";
    }

    static String describe(JsonNode value) {
      String text = CanonicalJson.string(value);
      String kind =
          value.isTextual()
              ? "a string"
              : value.isBoolean()
                  ? "a boolean"
                  : value.isArray() ? "an array" : value.isObject() ? "an object" : "a number";
      return kind + " " + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
    }
  }

  /** {@code sum} and {@code avg}: exact while whole numbers fit a long, else exact decimals. */
  private static final class Sum extends Accumulator {
    long whole;
    BigDecimal exact;
    long count;

    @Override
    void add(int index, JsonNode value, Reducer reducer) {
      if (value == null || !value.isNumber()) {
        error(index, found(reducer, value));
        return;
      }
      count++;
      if (exact == null && value.canConvertToExactIntegral() && value.canConvertToLong()) {
        long next = whole + value.longValue();
        if (((whole ^ next) & (value.longValue() ^ next)) >= 0) {
          whole = next;
          return;
        }
      }
      if (exact == null) {
        exact = BigDecimal.valueOf(whole);
      }
      exact = exact.add(CanonicalJson.decimal(value));
    }

    @Override
    JsonNode current(Reducer reducer) {
      BigDecimal total = exact == null ? BigDecimal.valueOf(whole) : exact;
      if (reducer.function() == Reducer.Function.AVG) {
        return count == 0
            ? null
            : number(total.divide(BigDecimal.valueOf(count), MathContext.DECIMAL64));
      }
      return number(total);
    }
  }

  private static final class Extreme extends Accumulator {
    private final boolean max;
    JsonNode best;
    double bestValue;

    Extreme(boolean max) {
      this.max = max;
    }

    @Override
    void add(int index, JsonNode value, Reducer reducer) {
      if (value == null || !value.isNumber()) {
        error(index, found(reducer, value));
        return;
      }
      double candidate = value.doubleValue();
      if (best == null || (max ? candidate > bestValue : candidate < bestValue)) {
        best = value;
        bestValue = candidate;
      }
    }

    @Override
    JsonNode current(Reducer reducer) {
      return best;
    }
  }

  /** {@code count()}: accepted children; {@code count(path)}: those whose result has the value. */
  private static final class Count extends Accumulator {
    private final boolean children;
    long count;

    Count(boolean children) {
      this.children = children;
    }

    @Override
    void add(int index, JsonNode value, Reducer reducer) {
      if (children) {
        count++;
      } else if (value != null) {
        count++;
      }
    }

    @Override
    JsonNode current(Reducer reducer) {
      return LongNode.valueOf(count);
    }
  }

  /** The values in child index order, the lowest indices kept within the bounds. */
  private static final class Append extends Accumulator {
    final TreeMap<Integer, JsonNode> values = new TreeMap<>();
    final TreeMap<Integer, Integer> sizes = new TreeMap<>();
    long bytes;

    @Override
    void add(int index, JsonNode value, Reducer reducer) {
      if (value == null) {
        error(index, reducer.pathText() + " is missing");
        return;
      }
      int size = CanonicalJson.bytes(value).length;
      values.put(index, value);
      sizes.put(index, size);
      bytes += size;
      while (values.size() > APPEND_LIMIT || bytes > APPEND_BYTES) {
        Map.Entry<Integer, Integer> last = sizes.pollLastEntry();
        values.remove(last.getKey());
        bytes -= last.getValue();
        dropped++;
      }
    }

    @Override
    JsonNode current(Reducer reducer) {
      ArrayNode array = NODES.arrayNode(values.size());
      values.values().forEach(array::add);
      return array;
    }
  }

  /**
   * Objects merged key by key (numbers added, nested objects merged, arrays as sets), arrays as
   * sets of their members: the same value whatever order children finish in. A string, boolean or
   * other scalar under one key must be the same from every child.
   */
  private static final class Merge extends Accumulator {
    JsonNode merged;
    // The members of a merged array by canonical form, so adding one is O(log n).
    final TreeMap<String, JsonNode> members = new TreeMap<>();
    int keys;

    @Override
    void add(int index, JsonNode value, Reducer reducer) {
      if (value == null) {
        error(index, reducer.pathText() + " is missing");
        return;
      }
      if (!value.isObject() && !value.isArray()) {
        error(index, reducer.pathText() + " is " + describe(value) + ", not an object or array");
        return;
      }
      if (merged == null) {
        merged = value.isObject() ? NODES.objectNode() : NODES.arrayNode();
      }
      if (merged.isObject() != value.isObject()) {
        error(
            index,
            reducer.pathText()
                + " is "
                + describe(value)
                + ", but earlier children gave "
                + (merged.isObject() ? "objects" : "arrays"));
        return;
      }
      if (value.isArray()) {
        for (JsonNode member : value) {
          String text = CanonicalJson.string(member);
          if (!members.containsKey(text)) {
            if (keys >= MERGE_KEYS) {
              dropped++;
              continue;
            }
            members.put(text, member);
            keys++;
          }
        }
        return;
      }
      String conflict = mergeInto(merged, value, reducer.pathText());
      if (conflict != null) {
        error(index, conflict);
      }
    }

    private String mergeInto(JsonNode into, JsonNode value, String where) {
      if (into.isArray()) {
        ArrayNode set = (ArrayNode) into;
        for (JsonNode member : value) {
          if (!contains(set, member)) {
            if (keys >= MERGE_KEYS) {
              dropped++;
              continue;
            }
            insertSorted(set, member);
            keys++;
          }
        }
        return null;
      }
      ObjectNode object = (ObjectNode) into;
      String conflict = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode existing = object.get(field.getKey());
        JsonNode incoming = field.getValue();
        String at = where + "." + field.getKey();
        if (existing == null) {
          if (keys >= MERGE_KEYS) {
            dropped++;
            continue;
          }
          keys++;
          object.set(field.getKey(), incoming.isContainerNode() ? incoming.deepCopy() : incoming);
        } else if (existing.isNumber() && incoming.isNumber()) {
          object.set(
              field.getKey(),
              number(CanonicalJson.decimal(existing).add(CanonicalJson.decimal(incoming))));
        } else if (existing.isContainerNode()
            && incoming.isContainerNode()
            && existing.isObject() == incoming.isObject()) {
          String inner = mergeInto(existing, incoming, at);
          conflict = conflict == null ? inner : conflict;
        } else if (!CanonicalJson.string(existing).equals(CanonicalJson.string(incoming))) {
          conflict =
              conflict == null
                  ? at
                      + " is "
                      + describe(incoming)
                      + " but another child gave "
                      + describe(existing)
                  : conflict;
        }
      }
      return conflict;
    }

    private static boolean contains(ArrayNode set, JsonNode member) {
      String text = CanonicalJson.string(member);
      for (JsonNode existing : set) {
        if (CanonicalJson.string(existing).equals(text)) {
          return true;
        }
      }
      return false;
    }

    private static void insertSorted(ArrayNode set, JsonNode member) {
      String text = CanonicalJson.string(member);
      int at = 0;
      while (at < set.size() && CanonicalJson.string(set.get(at)).compareTo(text) < 0) {
        at++;
      }
      set.insert(at, member);
    }

    @Override
    JsonNode current(Reducer reducer) {
      if (merged == null) {
        return null;
      }
      if (merged.isArray()) {
        ArrayNode array = NODES.arrayNode(members.size());
        members.values().forEach(array::add);
        return array;
      }
      return merged.deepCopy();
    }
  }

  /** A decimal as the JSON number a record holds: whole numbers up to 2^53 exact, else a double. */
  static JsonNode number(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.scale() <= 0
        && stripped.abs().compareTo(BigDecimal.valueOf(CanonicalJson.MAX_EXACT_INTEGER)) <= 0) {
      return LongNode.valueOf(stripped.longValueExact());
    }
    double asDouble = stripped.doubleValue();
    return Double.isFinite(asDouble)
        ? DecimalNode.valueOf(new BigDecimal(Double.toString(asDouble)))
        : NODES.textNode(stripped.toPlainString());
  }

  /** For tests and readers: the reducers, in order. */
  List<Reducer> reducers() {
    return new ArrayList<>(reducers);
  }
}
