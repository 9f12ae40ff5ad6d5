package dev.spl.cel.join;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelMutableAst;
import dev.cel.common.CelMutableSource;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelMutableExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.spl.cel.CelExpressions;
import dev.spl.core.fanout.ChildView;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinOutcome;
import dev.spl.core.fanout.JoinPredicate;
import dev.spl.core.fanout.Reductions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A CEL join whose every use of {@code children} is a term each child decides on its own, so it can
 * be folded child by child instead of walking the list at each evaluation. The terms are {@code
 * children.exists(c, P)}, {@code children.all(c, P)}, {@code children.exists_one(c, P)}, {@code
 * size(children.filter(c, P))} (or {@code .size()}) and {@code size(children)}, with P reading
 * nothing but {@code c}. The expression is rewritten with each term replaced by a variable whose
 * value comes from per-child counts: how many children P holds for, is false for, or fails on.
 * Errors keep CEL's meaning: {@code exists} is true if P holds for one child whatever the others
 * do, {@code all} false if P is false for one, and otherwise a failing child makes the term an
 * error (a variable left unbound), which the rest of the expression absorbs as CEL would.
 */
final class FoldedJoin {
  private static final String ITERATED = CelJoinCompiler.CHILDREN;
  private static final String TERM_PREFIX = "__spl_fold_";
  // Term variables are declared once: a boolean and a count per position, up to this many terms.
  static final int MAX_TERMS = 32;
  private static final CelCompiler REWRITTEN = rewrittenCompiler();
  private static final Map<String, CelCompiler> PER_CHILD = new ConcurrentHashMap<>();

  enum Kind {
    EXISTS,
    ALL,
    EXISTS_ONE,
    FILTER_SIZE
  }

  /** One per-child term: its kind, the variable it became, and P compiled over {@code c}. */
  record Term(Kind kind, String variable, String iterVar, CelRuntime.Program perChild) {}

  private final CelRuntime.Program rewritten;
  private final List<Term> terms;

  private FoldedJoin(CelRuntime.Program rewritten, List<Term> terms) {
    this.rewritten = rewritten;
    this.terms = List.copyOf(terms);
  }

  /**
   * The folded form of a checked join, or empty when some use of {@code children} is not such a
   * term (that join is evaluated over the whole list, as before).
   */
  static Optional<FoldedJoin> of(CelAbstractSyntaxTree checked) {
    CelMutableAst mutable = CelMutableAst.fromCelAst(checked);
    List<Found> found = new ArrayList<>();
    if (!rewrite(mutable.expr(), found) || found.isEmpty() || found.size() > MAX_TERMS) {
      return Optional.empty();
    }
    List<Term> terms = new ArrayList<>();
    for (Found term : found) {
      CelCompiler perChildCompiler =
          PER_CHILD.computeIfAbsent(
              term.iterVar(),
              element ->
                  CelExpressions.compilerBuilder(
                          Map.of(element, MapType.create(SimpleType.STRING, SimpleType.DYN)))
                      .build());
      CelRuntime.Program perChild =
          program(
              perChildCompiler,
              CelMutableAst.of(
                      CelMutableExpr.newInstance(term.predicate()), CelMutableSource.newInstance())
                  .toParsedAst());
      if (perChild == null) {
        return Optional.empty();
      }
      terms.add(new Term(term.kind(), term.variable(), term.iterVar(), perChild));
    }
    CelRuntime.Program program = program(REWRITTEN, mutable.toParsedAst());
    return program == null ? Optional.empty() : Optional.of(new FoldedJoin(program, terms));
  }

  private static CelCompiler rewrittenCompiler() {
    Map<String, CelType> variables = new LinkedHashMap<>(CelJoinCompiler.VARIABLES);
    for (int k = 0; k < MAX_TERMS; k++) {
      variables.put(variable(Kind.EXISTS, k), SimpleType.BOOL);
      variables.put(variable(Kind.FILTER_SIZE, k), SimpleType.INT);
    }
    return CelExpressions.compilerBuilder(variables).build();
  }

  /** The variable the {@code number}-th term becomes: a boolean, or a count for a filter. */
  private static String variable(Kind kind, int number) {
    return TERM_PREFIX + (kind == Kind.FILTER_SIZE ? "count_" : "holds_") + number;
  }

  /** A term found in the expression, before its predicate is compiled. */
  private record Found(Kind kind, String variable, String iterVar, CelMutableExpr predicate) {}

  /**
   * Replaces each foldable term under {@code expr} with its variable; false when a use of {@code
   * children} is left that is not one.
   */
  private static boolean rewrite(CelMutableExpr expr, List<Found> found) {
    switch (expr.getKind()) {
      case IDENT:
        return !ITERATED.equals(expr.ident().name());
      case CONSTANT:
      case NOT_SET:
        return true;
      case SELECT:
        return rewrite(expr.select().operand(), found);
      case CALL:
        {
          CelMutableExpr.CelMutableCall call = expr.call();
          Optional<CelMutableExpr> sized = sizeArgument(call);
          if (sized.isPresent() && isIterated(sized.get())) {
            expr.setIdent(CelMutableExpr.CelMutableIdent.create("n"));
            return true;
          }
          if (sized.isPresent() && sized.get().getKind() == CelExpr.ExprKind.Kind.COMPREHENSION) {
            Optional<Found> term = term(sized.get().comprehension(), found.size());
            if (term.isPresent() && term.get().kind() == Kind.FILTER_SIZE) {
              found.add(term.get());
              expr.setIdent(CelMutableExpr.CelMutableIdent.create(term.get().variable()));
              return true;
            }
          }
          if (call.target().isPresent() && !rewrite(call.target().get(), found)) {
            return false;
          }
          for (CelMutableExpr arg : call.args()) {
            if (!rewrite(arg, found)) {
              return false;
            }
          }
          return true;
        }
      case LIST:
        for (CelMutableExpr element : expr.list().elements()) {
          if (!rewrite(element, found)) {
            return false;
          }
        }
        return true;
      case MAP:
        for (CelMutableExpr.CelMutableMap.Entry entry : expr.map().entries()) {
          if (!rewrite(entry.key(), found) || !rewrite(entry.value(), found)) {
            return false;
          }
        }
        return true;
      case STRUCT:
        for (CelMutableExpr.CelMutableStruct.Entry entry : expr.struct().entries()) {
          if (!rewrite(entry.value(), found)) {
            return false;
          }
        }
        return true;
      case COMPREHENSION:
        {
          CelMutableExpr.CelMutableComprehension loop = expr.comprehension();
          if (isIterated(loop.iterRange())) {
            Optional<Found> term = term(loop, found.size());
            if (term.isEmpty() || term.get().kind() == Kind.FILTER_SIZE) {
              return false; // a map(), or a filtered list used as a list
            }
            found.add(term.get());
            expr.setIdent(CelMutableExpr.CelMutableIdent.create(term.get().variable()));
            return true;
          }
          return rewrite(loop.iterRange(), found)
              && rewrite(loop.accuInit(), found)
              && rewrite(loop.loopCondition(), found)
              && rewrite(loop.loopStep(), found)
              && rewrite(loop.result(), found);
        }
      default:
        return false;
    }
  }

  /** The list {@code size} is asked of ({@code size(x)} or {@code x.size()}), if this is that. */
  private static Optional<CelMutableExpr> sizeArgument(CelMutableExpr.CelMutableCall call) {
    if (!"size".equals(call.function())) {
      return Optional.empty();
    }
    if (call.target().isPresent() && call.args().isEmpty()) {
      return call.target();
    }
    if (call.target().isEmpty() && call.args().size() == 1) {
      return Optional.of(call.args().get(0));
    }
    return Optional.empty();
  }

  private static boolean isIterated(CelMutableExpr expr) {
    return expr.getKind() == CelExpr.ExprKind.Kind.IDENT && ITERATED.equals(expr.ident().name());
  }

  /**
   * Which macro a comprehension over {@code children} was expanded from, with its predicate, when
   * the predicate reads nothing but the element.
   */
  private static Optional<Found> term(CelMutableExpr.CelMutableComprehension loop, int number) {
    if (!isIterated(loop.iterRange()) || !loop.iterVar2().isEmpty()) {
      return Optional.empty();
    }
    String accu = loop.accuVar();
    String element = loop.iterVar();
    CelMutableExpr init = loop.accuInit();
    CelMutableExpr step = loop.loopStep();
    Kind kind = null;
    CelMutableExpr predicate = null;
    if (isConstant(init, CelConstant.Kind.BOOLEAN_VALUE) && isIdent(loop.result(), accu)) {
      boolean start = init.constant().booleanValue();
      String joiner = start ? "_&&_" : "_||_";
      if (isCall(step, joiner, 2) && isIdent(step.call().args().get(0), accu)) {
        kind = start ? Kind.ALL : Kind.EXISTS;
        predicate = step.call().args().get(1);
      }
    } else if (isCall(step, "_?_:_", 3) && isIdent(step.call().args().get(2), accu)) {
      CelMutableExpr added = step.call().args().get(1);
      if (isConstant(init, CelConstant.Kind.INT64_VALUE)
          && init.constant().int64Value() == 0
          && isCall(added, "_+_", 2)
          && isIdent(added.call().args().get(0), accu)
          && isConstant(added.call().args().get(1), CelConstant.Kind.INT64_VALUE)
          && added.call().args().get(1).constant().int64Value() == 1
          && isCall(loop.result(), "_==_", 2)
          && isIdent(loop.result().call().args().get(0), accu)
          && isConstant(loop.result().call().args().get(1), CelConstant.Kind.INT64_VALUE)
          && loop.result().call().args().get(1).constant().int64Value() == 1) {
        kind = Kind.EXISTS_ONE;
        predicate = step.call().args().get(0);
      } else if (init.getKind() == CelExpr.ExprKind.Kind.LIST
          && init.list().elements().isEmpty()
          && isCall(added, "_+_", 2)
          && isIdent(added.call().args().get(0), accu)
          && added.call().args().get(1).getKind() == CelExpr.ExprKind.Kind.LIST
          && added.call().args().get(1).list().elements().size() == 1
          && isIdent(added.call().args().get(1).list().elements().get(0), element)
          && isIdent(loop.result(), accu)) {
        kind = Kind.FILTER_SIZE;
        predicate = step.call().args().get(0);
      }
    }
    if (kind == null || !readsOnly(predicate, Set.of(element))) {
      return Optional.empty();
    }
    return Optional.of(new Found(kind, variable(kind, number), element, predicate));
  }

  /** Whether {@code expr} names no variable but {@code allowed} and holds no comprehension. */
  private static boolean readsOnly(CelMutableExpr expr, Set<String> allowed) {
    Set<String> names = new HashSet<>();
    if (!collectIdents(expr, names)) {
      return false;
    }
    return allowed.containsAll(names);
  }

  private static boolean collectIdents(CelMutableExpr expr, Set<String> names) {
    switch (expr.getKind()) {
      case IDENT:
        names.add(expr.ident().name());
        return true;
      case CONSTANT:
        return true;
      case SELECT:
        return collectIdents(expr.select().operand(), names);
      case CALL:
        if (expr.call().target().isPresent() && !collectIdents(expr.call().target().get(), names)) {
          return false;
        }
        for (CelMutableExpr arg : expr.call().args()) {
          if (!collectIdents(arg, names)) {
            return false;
          }
        }
        return true;
      case LIST:
        for (CelMutableExpr element : expr.list().elements()) {
          if (!collectIdents(element, names)) {
            return false;
          }
        }
        return true;
      case MAP:
        for (CelMutableExpr.CelMutableMap.Entry entry : expr.map().entries()) {
          if (!collectIdents(entry.key(), names) || !collectIdents(entry.value(), names)) {
            return false;
          }
        }
        return true;
      default:
        return false; // a nested comprehension or a message: evaluated as a whole instead
    }
  }

  private static boolean isConstant(CelMutableExpr expr, CelConstant.Kind kind) {
    return expr.getKind() == CelExpr.ExprKind.Kind.CONSTANT && expr.constant().getKind() == kind;
  }

  private static boolean isIdent(CelMutableExpr expr, String name) {
    return expr.getKind() == CelExpr.ExprKind.Kind.IDENT && expr.ident().name().equals(name);
  }

  private static boolean isCall(CelMutableExpr expr, String function, int args) {
    return expr.getKind() == CelExpr.ExprKind.Kind.CALL
        && expr.call().function().equals(function)
        && expr.call().target().isEmpty()
        && expr.call().args().size() == args;
  }

  /** Checks a rewritten expression and makes it a program; null if it does not check. */
  private static CelRuntime.Program program(CelCompiler compiler, CelAbstractSyntaxTree parsed) {
    CelValidationResult result = compiler.check(parsed);
    if (result.hasError()) {
      return null;
    }
    try {
      return CelExpressions.runtime().createProgram(result.getAst());
    } catch (CelValidationException | CelEvaluationException e) {
      return null;
    }
  }

  /** The fold of one fan-out: each child's value of each term, and the counts per term. */
  JoinPredicate.ChildFold newFold(int width, CelJoinPredicate join) {
    return new Fold(width, join);
  }

  // What P gave for one child: not seen yet, false, true, or an error.
  private static final byte UNSEEN = 0;
  private static final byte FALSE = 1;
  private static final byte TRUE = 2;
  private static final byte ERROR = 3;

  private final class Fold implements JoinPredicate.ChildFold {
    private final int width;
    private final CelJoinPredicate join;
    private final byte[][] values;
    private final int[][] counts; // per term, per value

    Fold(int width, CelJoinPredicate join) {
      this.width = width;
      this.join = join;
      this.values = new byte[terms.size()][width];
      this.counts = new int[terms.size()][4];
      for (int[] count : counts) {
        count[UNSEEN] = width;
      }
    }

    @Override
    public void update(int index, ChildView child) {
      Map<String, Object> element = CelJoinPredicate.childMap(child);
      for (int k = 0; k < terms.size(); k++) {
        Term term = terms.get(k);
        byte value;
        try {
          Object result =
              term.perChild()
                  .eval(
                      name ->
                          name.equals(term.iterVar()) ? Optional.of(element) : Optional.empty());
          value = result instanceof Boolean holds ? (holds ? TRUE : FALSE) : ERROR;
        } catch (CelEvaluationException e) {
          value = ERROR;
        }
        counts[k][values[k][index]]--;
        counts[k][value]++;
        values[k][index] = value;
      }
    }

    @Override
    public JoinOutcome evaluate(
        JoinCounters counters, Fanin fanin, Map<String, Reductions.Value> reduced) {
      Map<String, Object> termValues = new LinkedHashMap<>();
      for (int k = 0; k < terms.size(); k++) {
        Object value = valueOf(terms.get(k).kind(), counts[k]);
        if (value != null) {
          termValues.put(terms.get(k).variable(), value);
        }
      }
      return join.evaluateWith(rewritten, counters, fanin, reduced, termValues);
    }

    /** The term's value from its counts, or null for an error (the variable stays unbound). */
    private Object valueOf(Kind kind, int[] count) {
      if (count[UNSEEN] > 0) {
        return null; // not every child folded yet: never the case once the fan-out told us all
      }
      return switch (kind) {
        case EXISTS -> count[TRUE] > 0 ? Boolean.TRUE : count[ERROR] > 0 ? null : Boolean.FALSE;
        case ALL -> count[FALSE] > 0 ? Boolean.FALSE : count[ERROR] > 0 ? null : Boolean.TRUE;
        case EXISTS_ONE -> count[ERROR] > 0 ? null : count[TRUE] == 1;
        case FILTER_SIZE -> count[ERROR] > 0 ? null : (Object) (long) count[TRUE];
      };
    }

    @Override
    public String toString() {
      return "fold of " + terms.size() + " term(s) over " + width + " children";
    }
  }
}
