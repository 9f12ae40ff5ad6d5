package dev.spl.core.fanout;

/**
 * The total budget of a fan-out ({@code --total-budget}), in micro-dollars, and what it decides.
 * <em>Spent</em> is the sum of the costs every result of the fan-out's children reported (automatic
 * retries included); <em>committed</em> is the sum of the budgets of the children running now (a
 * child without a budget commits nothing). A child is spawned only while spent + committed + its
 * own budget stays within the total; once spent alone leaves no room for it, it never will (spent
 * only grows), and it is cancelled with the reason {@code budget}. Once spent exceeds the total,
 * every child still pending or running is cancelled with that reason.
 */
public record BudgetGate(long totalMicros) {

  /** What becomes of one child waiting to be spawned. */
  public enum Spawn {
    /** It fits: spawn it. */
    GO,
    /** It fits once running children finish below their budgets: keep it pending. */
    WAIT,
    /** It can never fit: cancel it (reason {@code budget}). */
    STOP
  }

  public BudgetGate {
    if (totalMicros <= 0) {
      throw new IllegalArgumentException(
          "total budget: expected more than 0 micro-dollars but found " + totalMicros);
    }
  }

  /** The decision for a child whose budget is {@code childMicros} (0 without a budget). */
  public Spawn spawn(long spentMicros, long committedMicros, long childMicros) {
    if (spentMicros + childMicros > totalMicros) {
      return Spawn.STOP;
    }
    return spentMicros + committedMicros + childMicros > totalMicros ? Spawn.WAIT : Spawn.GO;
  }

  /** Whether what was spent exceeds the total: every unfinished child is then cancelled. */
  public boolean exceeded(long spentMicros) {
    return spentMicros > totalMicros;
  }
}
