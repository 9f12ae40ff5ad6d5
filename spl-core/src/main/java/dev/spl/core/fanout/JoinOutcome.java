package dev.spl.core.fanout;

/** What a join predicate says about the children so far. */
public enum JoinOutcome {
  /** The parent is done: the remaining children are cancelled. */
  SATISFIED,
  /** The predicate can no longer hold whatever the remaining children do: the parent fails. */
  IMPOSSIBLE,
  /** Keep waiting for children. */
  UNDECIDED
}
