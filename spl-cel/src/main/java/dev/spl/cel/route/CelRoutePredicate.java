package dev.spl.cel.route;

import dev.cel.runtime.CelEvaluationException;
import dev.spl.cel.CompiledExpression;
import dev.spl.core.fanout.RoutePredicate;
import dev.spl.core.fanout.WorkerInfo;
import java.util.Optional;

/** A compiled routing condition; an evaluation error (a missing label) counts as false. */
final class CelRoutePredicate implements RoutePredicate {
  private final CompiledExpression expression;
  private final boolean readsFreeSlots;

  CelRoutePredicate(CompiledExpression expression) {
    this.expression = expression;
    this.readsFreeSlots = expression.references(CelRouteCompiler.FREE_SLOTS);
  }

  @Override
  public String text() {
    return expression.text();
  }

  @Override
  public boolean readsFreeSlots() {
    return readsFreeSlots;
  }

  @Override
  public boolean matches(WorkerInfo worker, int freeSlots) {
    try {
      Object result =
          expression.evaluate(
              name ->
                  switch (name) {
                    case CelRouteCompiler.DID -> Optional.of(worker.did());
                    case CelRouteCompiler.ALIAS ->
                        Optional.of(worker.alias() == null ? "" : worker.alias());
                    case CelRouteCompiler.VERSION ->
                        Optional.of(worker.version() == null ? "" : worker.version());
                    case CelRouteCompiler.EXECUTOR ->
                        Optional.of(worker.executor() == null ? "" : worker.executor().wire());
                    case CelRouteCompiler.LABELS -> Optional.of(worker.labels());
                    case CelRouteCompiler.ACTIVE -> Optional.of((long) worker.active());
                    case CelRouteCompiler.FREE_SLOTS -> Optional.of((long) freeSlots);
                    default -> Optional.empty();
                  });
      return Boolean.TRUE.equals(result);
    } catch (CelEvaluationException | RuntimeException e) {
      return false;
    }
  }
}
