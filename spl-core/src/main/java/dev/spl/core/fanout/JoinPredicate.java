package dev.spl.core.fanout;

/**
 * Decides a fan-out's join. Called after every change to the children, so implementations must be
 * cheap when they only read the counters.
 */
public interface JoinPredicate {
  /** The join as the user wrote it ({@code all}, {@code k_of_n:2}, a CEL expression). */
  String text();

  JoinOutcome evaluate(JoinCounters counters, ChildrenView children);
}
