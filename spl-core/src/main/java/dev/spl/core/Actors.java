package dev.spl.core;

/** Actor DIDs: {@code did:sync:instance:<16 hex>} for daemons, {@code did:sync:user:<name>}. */
public final class Actors {
  private static final String INSTANCE_PREFIX = "did:sync:instance:";
  private static final int INSTANCE_HEX = 16;
  private static final String USER_PREFIX = "did:sync:user:";
  private static final int USER_NAME_MAX = 64;

  private Actors() {}

  public static boolean isInstance(String actor) {
    return actor != null
        && actor.length() == INSTANCE_PREFIX.length() + INSTANCE_HEX
        && actor.startsWith(INSTANCE_PREFIX)
        && Hex.isLowerHex(actor, INSTANCE_PREFIX.length(), actor.length());
  }

  // Checked on every record built and received: a character loop, not a regex match.
  private static boolean isUser(String actor) {
    int length = actor.length() - USER_PREFIX.length();
    if (length < 1 || length > USER_NAME_MAX || !actor.startsWith(USER_PREFIX)) {
      return false;
    }
    for (int i = USER_PREFIX.length(); i < actor.length(); i++) {
      char c = actor.charAt(i);
      boolean allowed =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '@'
              || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  public static boolean isValid(String actor) {
    return actor != null && (isInstance(actor) || isUser(actor));
  }

  public static void requireValid(String actor) {
    if (!isValid(actor)) {
      throw new InvalidRecordException(
          "actor: expected did:sync:instance:<16 hex> or did:sync:user:<name> but found '"
              + actor
              + "'");
    }
  }

  /** The user actor for a login name, with characters outside the allowed set replaced. */
  public static String user(String name) {
    String cleaned = name == null ? "" : name.replaceAll("[^A-Za-z0-9._@-]", "_");
    if (cleaned.isEmpty()) {
      cleaned = "anonymous";
    }
    return "did:sync:user:" + (cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned);
  }
}
