package dev.spl.core.fanout;

/**
 * Compiles join expressions that are not built in (CEL). Implemented outside the core so the core
 * does not depend on a CEL engine.
 */
public interface JoinCompiler {
  /**
   * Compiles an expression once, at fan-out time.
   *
   * @throws InvalidFanoutException with key {@code join} when it does not compile or is not boolean
   */
  JoinPredicate compile(String expression);

  /** The compiler of the fan-out's routing conditions ({@code cel:} targets). */
  default RouteCompiler routes() {
    return RouteCompiler.NONE;
  }

  /**
   * Makes ready now what the first {@link #compile} would otherwise make (a compiler made lazily),
   * so that first fan-out does not wait for it. Nothing, by default.
   */
  default void prepare() {}

  /** A compiler for fan-outs that only use built-in joins: any expression is refused. */
  JoinCompiler BUILT_IN_ONLY =
      expression -> {
        throw new InvalidFanoutException(
            -1,
            "join",
            "expected all, any or k_of_n:K (expressions need the CEL join compiler) but found '"
                + expression
                + "'");
      };
}
