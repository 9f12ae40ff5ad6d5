package dev.spl.core.fanout;

import java.util.regex.Pattern;

/**
 * Where a subtask runs: {@code specific:<did>}, a worker alias such as {@code worker-a} (also
 * written {@code specific:worker-a}), {@code least-loaded-worker}, {@code round-robin} (also what
 * an absent target means), or {@code cel:<expression>}: the least-loaded live worker for which the
 * CEL expression over {@code worker.*} is true ({@link RouteCompiler}).
 */
public record Target(Kind kind, String value) {
  public enum Kind {
    SPECIFIC,
    ALIAS,
    LEAST_LOADED,
    ROUND_ROBIN,
    CEL
  }

  public static final String LEAST_LOADED_NAME = "least-loaded-worker";
  public static final String ROUND_ROBIN_NAME = "round-robin";
  private static final String SPECIFIC_PREFIX = "specific:";
  public static final String CEL_PREFIX = "cel:";
  private static final String DID_PREFIX = "did:";
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public static final Target ROUND_ROBIN = new Target(Kind.ROUND_ROBIN, null);
  public static final Target LEAST_LOADED = new Target(Kind.LEAST_LOADED, null);

  /**
   * Parses a target as written in a descriptor. Throws with the subtask index when it is neither a
   * keyword, a {@code specific:} DID, nor a well-formed alias. {@code specific:} followed by an
   * alias rather than a DID ({@code specific:worker-a}) names that alias: DIDs start with {@code
   * did:}, which no alias can be confused with.
   */
  public static Target parse(int subtaskIndex, String text) {
    if (text == null || text.isEmpty() || text.equals(ROUND_ROBIN_NAME)) {
      return ROUND_ROBIN;
    }
    if (text.equals(LEAST_LOADED_NAME)) {
      return LEAST_LOADED;
    }
    if (text.startsWith(CEL_PREFIX)) {
      String expression = text.substring(CEL_PREFIX.length());
      if (expression.isBlank()) {
        throw new InvalidFanoutException(
            subtaskIndex, "target", "expected 'cel:<expression>' but the expression is empty");
      }
      return new Target(Kind.CEL, expression);
    }
    if (text.startsWith(SPECIFIC_PREFIX)) {
      String did = text.substring(SPECIFIC_PREFIX.length());
      if (did.isBlank()) {
        throw new InvalidFanoutException(
            subtaskIndex, "target", "expected 'specific:<did>' but the DID is empty");
      }
      if (!did.startsWith(DID_PREFIX) && ALIAS.matcher(did).matches()) {
        return new Target(Kind.ALIAS, did);
      }
      return new Target(Kind.SPECIFIC, did);
    }
    if (!ALIAS.matcher(text).matches()) {
      throw new InvalidFanoutException(
          subtaskIndex,
          "target",
          "expected specific:<did>, a worker alias (letters, digits, '.', '_', '-'), "
              + LEAST_LOADED_NAME
              + ", "
              + ROUND_ROBIN_NAME
              + " or cel:<expression> but found '"
              + text
              + "'");
    }
    return new Target(Kind.ALIAS, text);
  }

  /** Pinned targets name one worker; the others choose among the live workers. */
  public boolean pinned() {
    return kind == Kind.SPECIFIC || kind == Kind.ALIAS;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case SPECIFIC -> SPECIFIC_PREFIX + value;
      case ALIAS -> value;
      case LEAST_LOADED -> LEAST_LOADED_NAME;
      case ROUND_ROBIN -> ROUND_ROBIN_NAME;
      case CEL -> CEL_PREFIX + value;
    };
  }
}
