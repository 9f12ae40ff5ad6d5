package dev.spl.core;

import java.util.regex.Pattern;

/** Actor DIDs: {@code did:sync:instance:<16 hex>} for daemons, {@code did:sync:user:<name>}. */
public final class Actors {
  private static final Pattern INSTANCE = Pattern.compile("did:sync:instance:[0-9a-f]{16}");
  private static final Pattern USER = Pattern.compile("did:sync:user:[A-Za-z0-9._@-]{1,64}");

  private Actors() {}

  public static boolean isInstance(String actor) {
    return actor != null && INSTANCE.matcher(actor).matches();
  }

  public static boolean isValid(String actor) {
    return actor != null && (INSTANCE.matcher(actor).matches() || USER.matcher(actor).matches());
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
