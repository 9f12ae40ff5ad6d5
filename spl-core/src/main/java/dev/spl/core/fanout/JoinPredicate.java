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

  /**
   * For a join that reads the children only through terms each child decides on its own (CEL's
   * {@code children.exists(c, P)}, {@code all}, {@code exists_one} and {@code children.filter(c,
   * P).size()}, with P reading nothing but {@code c}): a fold of those terms for one fan-out of
   * {@code width} children. The fan-out tells it of every child whose view changed and evaluates
   * through it, so a completion costs a few per-child terms instead of a pass over every child.
   * Empty for every other join, which is evaluated as a whole.
   */
  default java.util.Optional<ChildFold> childFold(int width) {
    return java.util.Optional.empty();
  }

  /** The per-child terms of one fan-out's join, kept up to date child by child. */
  interface ChildFold {
    /** Child {@code index} (0 to width - 1) now looks like {@code child}. */
    void update(int index, ChildView child);

    /**
     * The join over the children as last updated: the same outcome {@link #evaluate(JoinCounters,
     * ChildrenView, Fanin, java.util.Map)} gives over those children.
     */
    JoinOutcome evaluate(
        JoinCounters counters, Fanin fanin, java.util.Map<String, Reductions.Value> reduced);
  }
}
