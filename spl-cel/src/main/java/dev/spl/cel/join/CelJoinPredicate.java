package dev.spl.cel.join;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import dev.spl.cel.CompiledExpression;
import dev.spl.core.fanout.ChildView;
import dev.spl.core.fanout.ChildrenView;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinOutcome;
import dev.spl.core.fanout.JoinPredicate;
import dev.spl.core.fanout.Reductions;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A compiled CEL join. True means satisfied; false means undecided while any child is still pending
 * or running, and impossible once every child has a verdict. An evaluation error (a missing key, a
 * division by zero) counts as false. The {@code children} list is only built when the expression
 * reads it, and even then each element is built when CEL reaches it.
 */
final class CelJoinPredicate implements JoinPredicate {
  static final List<String> COUNTERS = List.of("n", "completed", "accepted", "failed", "active");
  static final String FANIN_STATUS = "fanin.status";
  static final List<String> FANIN_COUNTS =
      List.of(
          "fanin.succeeded", "fanin.failed", "fanin.cancelled", "fanin.retried", "fanin.retries");

  private final CompiledExpression expression;
  private final boolean readsChildren;
  private final boolean readsReduced;
  private final FoldedJoin folded; // null unless it reads children only through per-child terms

  CelJoinPredicate(CompiledExpression expression) {
    this.expression = expression;
    this.readsChildren = expression.references(CelJoinCompiler.CHILDREN);
    this.readsReduced = expression.references(CelJoinCompiler.REDUCED);
    this.folded = readsChildren ? FoldedJoin.of(expression.ast()).orElse(null) : null;
  }

  /** A fold of the per-child terms, for a join that reads {@code children} only through them. */
  @Override
  public Optional<ChildFold> childFold(int width) {
    return folded == null ? Optional.empty() : Optional.of(folded.newFold(width, this));
  }

  @Override
  public boolean readsReduced() {
    return readsReduced;
  }

  @Override
  public String text() {
    return expression.text();
  }

  /** Whether evaluation builds the children list. */
  @Override
  public boolean readsChildren() {
    return readsChildren;
  }

  @Override
  public JoinOutcome evaluate(JoinCounters counters, ChildrenView children) {
    return evaluate(counters, children, null);
  }

  /**
   * Evaluates with the fan-in; without one ({@code fanin} null) the {@code fanin.*} variables read
   * as a running fan-in of the counters: succeeded = accepted, failed = failed, no retries.
   */
  @Override
  public JoinOutcome evaluate(JoinCounters counters, ChildrenView children, Fanin given) {
    return evaluate(counters, children, given, Map.of());
  }

  @Override
  public JoinOutcome evaluate(
      JoinCounters counters,
      ChildrenView children,
      Fanin given,
      Map<String, Reductions.Value> reduced) {
    return evaluateWith(
        null,
        counters,
        given,
        reduced,
        readsChildren ? Map.of(CelJoinCompiler.CHILDREN, new ChildList(children)) : Map.of());
  }

  /**
   * Evaluates {@code program} (null: the join as written) with the counters, the fan-in, the
   * reducers and {@code more} variables by name (a null value leaves that one unbound).
   */
  JoinOutcome evaluateWith(
      CelRuntime.Program program,
      JoinCounters counters,
      Fanin given,
      Map<String, Reductions.Value> reduced,
      Map<String, Object> more) {
    Fanin fanin =
        given != null
            ? given
            : new Fanin(Fanin.RUNNING, counters.accepted(), counters.failed(), 0, 0, 0);
    boolean holds;
    try {
      CelVariableResolver variables =
          name ->
              switch (name) {
                case "n" -> Optional.of((long) counters.n());
                case "completed" -> Optional.of((long) counters.completed());
                case "accepted" -> Optional.of((long) counters.accepted());
                case "failed" -> Optional.of((long) counters.failed());
                case "active" -> Optional.of((long) counters.active());
                case FANIN_STATUS -> Optional.of(fanin.status());
                case "fanin.succeeded" -> Optional.of((long) fanin.succeeded());
                case "fanin.failed" -> Optional.of((long) fanin.failed());
                case "fanin.cancelled" -> Optional.of((long) fanin.cancelled());
                case "fanin.retried" -> Optional.of((long) fanin.retried());
                case "fanin.retries" -> Optional.of(fanin.retries());
                case CelJoinCompiler.REDUCED -> Optional.of(celValues(reduced));
                default -> Optional.ofNullable(more.get(name));
              };
      Object value = program == null ? expression.evaluate(variables) : program.eval(variables);
      holds = Boolean.TRUE.equals(value);
    } catch (CelEvaluationException e) {
      holds = false;
    }
    if (holds) {
      return JoinOutcome.SATISFIED;
    }
    return counters.allCompleted() ? JoinOutcome.IMPOSSIBLE : JoinOutcome.UNDECIDED;
  }

  /** Reducer values as CEL values; a reducer without a value yet is left out. */
  static Map<String, Object> celValues(Map<String, Reductions.Value> reduced) {
    Map<String, Object> values = new java.util.HashMap<>();
    reduced.forEach(
        (name, value) -> {
          if (value.value() != null) {
            values.put(name, celValue(value.value()));
          }
        });
    return values;
  }

  /** JSON as CEL sees it: whole numbers int, other numbers double, arrays lists, objects maps. */
  static Object celValue(JsonNode node) {
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isArray()) {
      List<Object> list = new java.util.ArrayList<>(node.size());
      node.forEach(element -> list.add(celValue(element)));
      return list;
    }
    if (node.isObject()) {
      Map<String, Object> map = new java.util.LinkedHashMap<>();
      node.fields().forEachRemaining(field -> map.put(field.getKey(), celValue(field.getValue())));
      return map;
    }
    return dev.cel.common.values.NullValue.NULL_VALUE;
  }

  /** The children as CEL maps, built one by one as CEL reads them. */
  private static final class ChildList extends AbstractList<Map<String, Object>> {
    private final ChildrenView children;

    ChildList(ChildrenView children) {
      this.children = children;
    }

    @Override
    public Map<String, Object> get(int index) {
      return childMap(children.get(index));
    }

    @Override
    public int size() {
      return children.size();
    }
  }

  /** One child as CEL sees it: a map with its fields. */
  static Map<String, Object> childMap(ChildView child) {
    return Map.of(
        "index", (long) child.index(),
        "thread", child.thread(),
        "worker", child.worker(),
        "verdict", child.verdict(),
        "cost_usd", child.costUsd().doubleValue(),
        "wall_time_secs", child.wallTimeSecs(),
        "summary", child.summary());
  }
}
