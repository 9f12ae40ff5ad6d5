package dev.spl.core;

/** What a record says about its thread. */
public enum Act {
  /** Wants something done. */
  INTEND,
  /** Did, or is doing, something. */
  DO,
  /** A result; with {@code body.fulfills} it closes an intent. */
  KNOW,
  /** Configuration, policy or control. */
  LEARN,
  /** An effect on the outside world. */
  CALL;

  /** Parses an act name exactly as written in records, naming the allowed values on failure. */
  public static Act parse(String name) {
    for (Act act : values()) {
      if (act.name().equals(name)) {
        return act;
      }
    }
    throw new InvalidRecordException(
        "act: expected one of INTEND, DO, KNOW, LEARN, CALL but found '" + name + "'");
  }
}
