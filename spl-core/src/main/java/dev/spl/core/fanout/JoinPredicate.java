package dev.spl.core.fanout;

/**
 * Decides a fan-out's join. Called after every change to the children, so implementations must be
 * cheap when they only read the counters.
 */
public interface JoinPredicate {
  /** The join as the user wrote it ({@code all}, {@code k_of_n:2}, a CEL expression). */
  String text();

  JoinOutcome evaluate(JoinCounters counters, ChildrenView children);

  /**
   * Evaluates with the fan-in as well, for predicates that read it (CEL's {@code fanin}); the
   * others ignore it.
   */
  default JoinOutcome evaluate(JoinCounters counters, ChildrenView children, Fanin fanin) {
    return evaluate(counters, children);
  }

  /**
   * Evaluates with the reducers' values as well, for predicates that read them (CEL's {@code
   * reduced}); called only when {@link #readsReduced()}.
   */
  default JoinOutcome evaluate(
      JoinCounters counters,
      ChildrenView children,
      Fanin fanin,
      java.util.Map<String, Reductions.Value> reduced) {
    return evaluate(counters, children, fanin);
  }

  /** Whether evaluating reads the reducers' values (CEL's {@code reduced}). */
  default boolean readsReduced() {
    return false;
  }

  /**
   * Whether evaluating reads the children one by one (CEL's {@code children}): such a join costs
   * O(width) per change, and is not offered for data fan-outs, whose children hold no text.
   */
  default boolean readsChildren() {
    return false;
  }
}
