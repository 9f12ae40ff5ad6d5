package dev.spl.cel.join;

import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.spl.cel.CelExpressionException;
import dev.spl.cel.CelExpressions;
import dev.spl.cel.CompiledExpression;
import dev.spl.cel.Once;
import dev.spl.cel.route.CelRouteCompiler;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.JoinPredicate;
import dev.spl.core.fanout.RouteCompiler;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiles CEL join expressions. Variables: {@code children}, a list of maps with {@code index}
 * (int), {@code thread}, {@code worker}, {@code verdict}, {@code summary} (strings), {@code
 * cost_usd} and {@code wall_time_secs} (doubles); the counters {@code n}, {@code completed}, {@code
 * accepted}, {@code failed}, {@code active} (ints); and the fan-in: {@code fanin.status} (string:
 * {@code running}, {@code complete}, {@code partial} or {@code failed}), {@code fanin.succeeded},
 * {@code fanin.failed}, {@code fanin.cancelled}, {@code fanin.retried} and {@code fanin.retries}
 * (ints); and {@code reduced}, a map from each reducer's name to its value so far (a reducer
 * without a value yet is absent). The expression must be boolean.
 */
public final class CelJoinCompiler implements JoinCompiler {
  static final String CHILDREN = "children";
  static final String REDUCED = "reduced";
  static final Map<String, CelType> VARIABLES = variables();

  private final Once<CelCompiler> compiler =
      new Once<>(() -> CelExpressions.compilerBuilder(VARIABLES).build());
  private final CelRouteCompiler routes = new CelRouteCompiler();

  /** The fan-out's {@code cel:} targets compile with the routing compiler. */
  @Override
  public RouteCompiler routes() {
    return routes;
  }

  /** Builds the CEL compilers of joins and routes now, so the first fan-out does not wait. */
  @Override
  public void prepare() {
    compiler.get();
    routes.prepare();
  }

  @Override
  public JoinPredicate compile(String expression) {
    try {
      CompiledExpression compiled =
          CelExpressions.compile(compiler.get(), expression, SimpleType.BOOL, "join");
      return new CelJoinPredicate(compiled);
    } catch (CelExpressionException e) {
      String message = e.getMessage();
      throw new InvalidFanoutException(
          -1, "join", message.startsWith("join: ") ? message.substring(6) : message);
    }
  }

  private static Map<String, CelType> variables() {
    Map<String, CelType> variables = new LinkedHashMap<>();
    variables.put(CHILDREN, ListType.create(MapType.create(SimpleType.STRING, SimpleType.DYN)));
    for (String counter : CelJoinPredicate.COUNTERS) {
      variables.put(counter, SimpleType.INT);
    }
    variables.put(REDUCED, MapType.create(SimpleType.STRING, SimpleType.DYN));
    variables.put(CelJoinPredicate.FANIN_STATUS, SimpleType.STRING);
    for (String count : CelJoinPredicate.FANIN_COUNTS) {
      variables.put(count, SimpleType.INT);
    }
    return Map.copyOf(variables);
  }
}
