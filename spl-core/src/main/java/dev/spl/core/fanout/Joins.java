package dev.spl.core.fanout;

/**
 * The built-in joins and the parser of join strings. Built-ins decide from the counters alone, so
 * each evaluation is O(1) whatever the width.
 */
public final class Joins {
  public static final String ALL = "all";
  public static final String ANY = "any";
  public static final String K_OF_N_PREFIX = "k_of_n:";

  private Joins() {}

  /**
   * Turns a join string into a predicate for a fan-out of {@code n} subtasks: {@code all}, {@code
   * any}, {@code k_of_n:K} with K in 1..n, or otherwise an expression handed to {@code compiler}.
   */
  public static JoinPredicate compile(String join, int n, JoinCompiler compiler) {
    if (join == null || join.isBlank()) {
      throw new InvalidFanoutException(
          -1, "join", "expected all, any, k_of_n:K or a CEL expression but it is empty");
    }
    String text = join.trim();
    if (text.equals(ALL)) {
      return all();
    }
    if (text.equals(ANY)) {
      return any();
    }
    if (text.startsWith(K_OF_N_PREFIX)) {
      String kText = text.substring(K_OF_N_PREFIX.length()).trim();
      int k;
      try {
        k = Integer.parseInt(kText);
      } catch (NumberFormatException e) {
        throw new InvalidFanoutException(
            -1, "join", "expected k_of_n:K with K a whole number but found '" + text + "'");
      }
      if (k < 1 || k > n) {
        throw new InvalidFanoutException(
            -1, "join", "k_of_n needs K in 1.." + n + " (N = " + n + " subtasks) but K = " + k);
      }
      return kOfN(k);
    }
    return compiler.compile(text);
  }

  /** Satisfied when every child accepted; impossible at the first child that did not. */
  public static JoinPredicate all() {
    return new JoinPredicate() {
      @Override
      public String text() {
        return ALL;
      }

      @Override
      public JoinOutcome evaluate(JoinCounters c, ChildrenView children) {
        if (c.failed() > 0) {
          return JoinOutcome.IMPOSSIBLE;
        }
        return c.accepted() == c.n() ? JoinOutcome.SATISFIED : JoinOutcome.UNDECIDED;
      }
    };
  }

  /** Satisfied at the first accepted child; impossible when all completed and none accepted. */
  public static JoinPredicate any() {
    return new JoinPredicate() {
      @Override
      public String text() {
        return ANY;
      }

      @Override
      public JoinOutcome evaluate(JoinCounters c, ChildrenView children) {
        if (c.accepted() >= 1) {
          return JoinOutcome.SATISFIED;
        }
        return c.allCompleted() ? JoinOutcome.IMPOSSIBLE : JoinOutcome.UNDECIDED;
      }
    };
  }

  /**
   * Satisfied once K children accepted; impossible once the accepted ones plus those still without
   * a verdict are fewer than K.
   */
  public static JoinPredicate kOfN(int k) {
    return new JoinPredicate() {
      @Override
      public String text() {
        return K_OF_N_PREFIX + k;
      }

      @Override
      public JoinOutcome evaluate(JoinCounters c, ChildrenView children) {
        if (c.accepted() >= k) {
          return JoinOutcome.SATISFIED;
        }
        int stillPossible = c.n() - c.completed();
        return c.accepted() + stillPossible < k ? JoinOutcome.IMPOSSIBLE : JoinOutcome.UNDECIDED;
      }
    };
  }
}
