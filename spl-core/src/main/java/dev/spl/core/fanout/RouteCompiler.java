package dev.spl.core.fanout;

/**
 * Compiles the CEL routing conditions of {@code cel:} targets and fleet-wide routing rules, which
 * read one live worker: {@code worker.did}, {@code worker.alias}, {@code worker.labels}, {@code
 * worker.version}, {@code worker.executor}, {@code worker.active} and {@code worker.free_slots}.
 * The CEL implementation lives in {@code spl-cel}; spl-core only calls it.
 */
public interface RouteCompiler {
  /**
   * Compiles {@code expression} (without the {@code cel:} prefix).
   *
   * @throws InvalidFanoutException with key {@code target} when it does not compile, is not
   *     boolean, or reads a field of {@code worker} that does not exist
   */
  RoutePredicate compile(String expression);

  /**
   * Compiles the {@code match} of a fleet-wide routing rule: a condition over one subtask ({@code
   * subtask.index}, {@code subtask.goal}, {@code subtask.target}, {@code subtask.run}, {@code
   * subtask.namespace}).
   *
   * @throws InvalidFanoutException with key {@code match} as {@link #compile} does
   */
  default SubtaskMatch compileMatch(String expression) {
    throw new InvalidFanoutException(
        -1,
        "match",
        "routing rules need the CEL route compiler, which this reader does not have: '"
            + expression
            + "'");
  }

  /** Without the CEL compiler: every expression is refused. */
  RouteCompiler NONE =
      expression -> {
        throw new InvalidFanoutException(
            -1,
            "target",
            "cel: targets need the CEL route compiler, which this reader does not have: '"
                + expression
                + "'");
      };
}
