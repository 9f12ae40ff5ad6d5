package dev.spl.cel.route;

import dev.cel.runtime.CelEvaluationException;
import dev.spl.cel.CompiledExpression;
import dev.spl.core.fanout.SubtaskMatch;
import dev.spl.core.fanout.SubtaskSpec;
import java.util.Optional;

/** A compiled routing rule {@code match}; an evaluation error counts as false. */
final class CelSubtaskMatch implements SubtaskMatch {
  private final CompiledExpression expression;

  CelSubtaskMatch(CompiledExpression expression) {
    this.expression = expression;
  }

  @Override
  public String text() {
    return expression.text();
  }

  @Override
  public boolean matches(String namespace, int index, SubtaskSpec subtask) {
    try {
      Object result =
          expression.evaluate(
              name ->
                  switch (name) {
                    case CelRouteCompiler.SUBTASK_INDEX -> Optional.of((long) index);
                    case CelRouteCompiler.SUBTASK_GOAL -> Optional.of(subtask.goal());
                    case CelRouteCompiler.SUBTASK_TARGET ->
                        Optional.of(subtask.target() == null ? "" : subtask.target());
                    case CelRouteCompiler.SUBTASK_RUN ->
                        Optional.of(subtask.run() == null ? "" : subtask.run());
                    case CelRouteCompiler.SUBTASK_NAMESPACE -> Optional.of(namespace);
                    default -> Optional.empty();
                  });
      return Boolean.TRUE.equals(result);
    } catch (CelEvaluationException | RuntimeException e) {
      return false;
    }
  }
}
