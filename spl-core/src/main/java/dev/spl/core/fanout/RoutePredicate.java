package dev.spl.core.fanout;

import java.util.List;

/**
 * A routing condition over one live worker: a {@code cel:} target, or a fleet-wide routing rule.
 * Compiled once per distinct expression ({@link RouteCompiler}); {@link Placement} evaluates it for
 * each live worker when it places a child.
 */
public interface RoutePredicate {
  /** The condition as written, without the {@code cel:} prefix. */
  String text();

  /**
   * Whether the condition holds for {@code worker}, which has {@code freeSlots} slots free counting
   * the children already placed on it in this pass. An evaluation error counts as false.
   */
  boolean matches(WorkerInfo worker, int freeSlots);

  /** Whether the condition reads the free slots (its answer can change within a pass). */
  default boolean readsFreeSlots() {
    return true;
  }

  /** Every one of {@code routes} must hold: a subtask's own target and the fleet's rules. */
  static RoutePredicate allOf(List<RoutePredicate> routes) {
    if (routes.size() == 1) {
      return routes.get(0);
    }
    List<RoutePredicate> all = List.copyOf(routes);
    boolean readsFreeSlots = all.stream().anyMatch(RoutePredicate::readsFreeSlots);
    String text = String.join(" && ", all.stream().map(route -> "(" + route.text() + ")").toList());
    return new RoutePredicate() {
      @Override
      public String text() {
        return text;
      }

      @Override
      public boolean matches(WorkerInfo worker, int freeSlots) {
        for (RoutePredicate route : all) {
          if (!route.matches(worker, freeSlots)) {
            return false;
          }
        }
        return true;
      }

      @Override
      public boolean readsFreeSlots() {
        return readsFreeSlots;
      }
    };
  }

  /** A route that was never compiled (a fold built without a route compiler): nothing matches. */
  static RoutePredicate uncompiled(String text) {
    return new RoutePredicate() {
      @Override
      public String text() {
        return text;
      }

      @Override
      public boolean matches(WorkerInfo worker, int freeSlots) {
        return false;
      }

      @Override
      public boolean readsFreeSlots() {
        return false;
      }
    };
  }
}
