package dev.spl.cel.route;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.spl.cel.CelExpressionException;
import dev.spl.cel.CelExpressions;
import dev.spl.cel.CompiledExpression;
import dev.spl.cel.Once;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.RouteCompiler;
import dev.spl.core.fanout.RoutePredicate;
import dev.spl.core.fanout.SubtaskMatch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles routing conditions over one live worker: {@code worker.did}, {@code worker.alias}
 * ({@code ""} when it has none), {@code worker.version} and {@code worker.executor} ({@code ""}
 * when it did not say), {@code worker.labels} (a map of strings), {@code worker.active} and {@code
 * worker.free_slots} (ints). Each is a declared variable, so reading any other field of {@code
 * worker} does not compile. Compiled conditions are kept by text: a condition shared by many
 * children or fan-outs compiles once.
 */
public final class CelRouteCompiler implements RouteCompiler {
  static final String DID = "worker.did";
  static final String ALIAS = "worker.alias";
  static final String VERSION = "worker.version";
  static final String EXECUTOR = "worker.executor";
  static final String LABELS = "worker.labels";
  static final String ACTIVE = "worker.active";
  static final String FREE_SLOTS = "worker.free_slots";

  /** The most distinct conditions kept compiled; beyond it they are compiled on each use. */
  static final int CACHE_LIMIT = 4096;

  private static final Map<String, CelType> VARIABLES = variables();

  static final String SUBTASK_INDEX = "subtask.index";
  static final String SUBTASK_GOAL = "subtask.goal";
  static final String SUBTASK_TARGET = "subtask.target";
  static final String SUBTASK_RUN = "subtask.run";
  static final String SUBTASK_NAMESPACE = "subtask.namespace";

  private static final Map<String, CelType> MATCH_VARIABLES =
      Map.of(
          SUBTASK_INDEX, SimpleType.INT,
          SUBTASK_GOAL, SimpleType.STRING,
          SUBTASK_TARGET, SimpleType.STRING,
          SUBTASK_RUN, SimpleType.STRING,
          SUBTASK_NAMESPACE, SimpleType.STRING);

  private final Once<CelCompiler> compiler =
      new Once<>(() -> CelExpressions.compilerBuilder(VARIABLES).build());
  private final Once<CelCompiler> matchCompiler =
      new Once<>(() -> CelExpressions.compilerBuilder(MATCH_VARIABLES).build());

  /** Builds the CEL compilers now, so the first condition compiled does not wait for them. */
  public void prepare() {
    compiler.get();
    matchCompiler.get();
  }

  private final Map<String, CelRoutePredicate> compiled = new ConcurrentHashMap<>();

  @Override
  public RoutePredicate compile(String expression) {
    CelRoutePredicate known = compiled.get(expression);
    if (known != null) {
      return known;
    }
    CelRoutePredicate route;
    try {
      CompiledExpression checked =
          CelExpressions.compile(compiler.get(), expression, SimpleType.BOOL, "cel");
      route = new CelRoutePredicate(checked);
    } catch (CelExpressionException e) {
      String message = e.getMessage();
      throw new InvalidFanoutException(
          -1,
          "target",
          (message.startsWith("cel: ") ? message.substring(5) : message)
              + unknownFieldHint(message));
    }
    if (compiled.size() < CACHE_LIMIT) {
      compiled.putIfAbsent(expression, route);
    }
    return route;
  }

  /**
   * Compiles the {@code match} of a routing rule over one subtask: {@code subtask.index} (int),
   * {@code subtask.goal}, {@code subtask.target}, {@code subtask.run} ({@code ""} when absent) and
   * {@code subtask.namespace} (strings).
   */
  @Override
  public SubtaskMatch compileMatch(String expression) {
    try {
      CompiledExpression checked =
          CelExpressions.compile(matchCompiler.get(), expression, SimpleType.BOOL, "cel");
      return new CelSubtaskMatch(checked);
    } catch (CelExpressionException e) {
      String message = e.getMessage();
      throw new InvalidFanoutException(
          -1,
          "match",
          (message.startsWith("cel: ") ? message.substring(5) : message)
              + (message.contains("undeclared reference")
                  ? "\n(a match reads subtask.index, subtask.goal, subtask.target, subtask.run and"
                      + " subtask.namespace)"
                  : ""));
    }
  }

  /** Names the fields a condition may read when the compiler found an undeclared one. */
  private static String unknownFieldHint(String message) {
    return message.contains("undeclared reference")
        ? "\n(a routing condition reads worker.did, worker.alias, worker.version, worker.executor,"
            + " worker.labels, worker.active and worker.free_slots)"
        : "";
  }

  private static Map<String, CelType> variables() {
    Map<String, CelType> variables = new LinkedHashMap<>();
    variables.put(DID, SimpleType.STRING);
    variables.put(ALIAS, SimpleType.STRING);
    variables.put(VERSION, SimpleType.STRING);
    variables.put(EXECUTOR, SimpleType.STRING);
    variables.put(LABELS, MapType.create(SimpleType.STRING, SimpleType.STRING));
    variables.put(ACTIVE, SimpleType.INT);
    variables.put(FREE_SLOTS, SimpleType.INT);
    return Map.copyOf(variables);
  }
}
