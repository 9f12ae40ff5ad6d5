package dev.spl.core.fanout;

import java.util.Optional;

/**
 * Whether a child may be started now, asked of the record that starts it: on the coordinator the
 * child INTEND a spawn would write, on a worker the child INTEND it received. The daemon answers
 * with the same permission check that checks every write (the kill switch's built-in rules and the
 * operator's rules, against the current freezes and emergency stop), so what a fold holds is
 * exactly what the check would refuse.
 */
@FunctionalInterface
public interface SpawnPolicy {
  /** Lets everything through: for folds that run outside a daemon (reports, tests). */
  SpawnPolicy ALLOW_ALL = intent -> Optional.empty();

  /** Why the permission check would refuse {@code intent} now; empty when it would pass. */
  Optional<String> refusal(FanoutRecords.Draft intent);

  /**
   * A value that stays equal from one call to the next exactly while every answer of {@link
   * #refusal} stays the same (the same rules against the same freezes and emergency stop): a fold
   * that read it before asking may keep the answer for as long as it reads an equal value. Null
   * when the answers may change at any time, so nothing may be kept.
   */
  default Object answersVersion() {
    return null;
  }
}
