package dev.spl.core.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import java.util.List;
import java.util.Objects;

/**
 * Checks {@code spl kill} and {@code spl unkill} requests against the current state and turns them
 * into the records to write. Each refusal says what was expected and what was found.
 */
public final class ControlRequests {
  /** A grace window longer than a day is almost certainly a typo (milliseconds for seconds). */
  public static final long MAX_GRACE_SECS = 86_400;

  public static final int MAX_NAMESPACE_LENGTH = 200;

  private ControlRequests() {}

  /**
   * A freeze of {@code namespace}. {@code level} is {@code soft} or {@code hard} (null means soft);
   * {@code graceSecs} null means {@link Freeze#DEFAULT_GRACE_SECS}.
   */
  public static Freeze freeze(
      String namespace,
      String level,
      Long graceSecs,
      String reason,
      String issuedBy,
      long issuedAt) {
    requireNamespace(namespace);
    FreezeLevel parsed = level == null ? FreezeLevel.SOFT : FreezeLevel.parseOrNull(level);
    if (parsed == null) {
      throw new InvalidControlRequestException(
          "level: expected 'soft' or 'hard' but found '" + level + "'");
    }
    long grace = graceSecs == null ? Freeze.DEFAULT_GRACE_SECS : graceSecs;
    if (grace < 0 || grace > MAX_GRACE_SECS) {
      throw new InvalidControlRequestException(
          "grace: expected a number of seconds from 0 to "
              + MAX_GRACE_SECS
              + " but found "
              + grace);
    }
    requireReason(reason);
    return new Freeze(namespace, parsed, grace, reason.strip(), issuer(issuedBy), issuedAt);
  }

  /** Lifts the freeze of {@code namespace}; refused when the namespace is not frozen. */
  public static Unfreeze unfreeze(
      ControlState state, String namespace, String issuedBy, long issuedAt) {
    requireNamespace(namespace);
    if (!state.isFrozen(namespace)) {
      List<String> frozen = List.copyOf(state.frozenLevels().keySet());
      throw new InvalidControlRequestException(
          "namespace '"
              + namespace
              + "' is not frozen; frozen namespaces: "
              + (frozen.isEmpty() ? "none" : String.join(", ", frozen)));
    }
    return new Unfreeze(namespace, issuer(issuedBy), issuedAt);
  }

  /** Stops the whole fleet; a reason is required so the operator who lifts it knows why. */
  public static EmergencyStop emergencyStop(String reason, String issuedBy, long issuedAt) {
    requireReason(reason);
    return new EmergencyStop(true, reason.strip(), issuer(issuedBy), issuedAt);
  }

  /** Releases the emergency stop; refused when none is active. */
  public static EmergencyStop releaseEmergency(
      ControlState state, String reason, String issuedBy, long issuedAt) {
    if (!state.emergency().active()) {
      throw new InvalidControlRequestException(
          "emergency stop: expected an active emergency stop to release but none is active");
    }
    return new EmergencyStop(
        false, reason == null ? "" : reason.strip(), issuer(issuedBy), issuedAt);
  }

  private static void requireNamespace(String namespace) {
    String problem = namespaceProblem(namespace);
    if (problem != null) {
      throw new InvalidControlRequestException("namespace: " + problem);
    }
  }

  /** What is wrong with a namespace name to freeze, or null when nothing is. */
  static String namespaceProblem(String namespace) {
    if (namespace == null || namespace.isBlank()) {
      return "expected a namespace name (the body.namespace of the work to freeze) but found "
          + (namespace == null ? "nothing" : "an empty string");
    }
    if (namespace.length() > MAX_NAMESPACE_LENGTH) {
      return "expected at most "
          + MAX_NAMESPACE_LENGTH
          + " characters but found "
          + namespace.length();
    }
    for (int i = 0; i < namespace.length(); i++) {
      char c = namespace.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "expected no spaces or control characters but found one at index "
            + i
            + " of '"
            + namespace
            + "'";
      }
    }
    return null;
  }

  /** Reads {@code body.namespace} of a freeze or unfreeze record, refusing what a request would. */
  static String namespaceOf(ObjectNode body) {
    String namespace = BodyFields.text(body, "namespace");
    String problem = namespaceProblem(namespace);
    if (problem != null) {
      throw new InvalidRecordException("body.namespace: " + problem);
    }
    return namespace;
  }

  private static void requireReason(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new InvalidControlRequestException(
          "reason: expected a short text saying why (--reason) but found none");
    }
  }

  private static String issuer(String issuedBy) {
    return Objects.requireNonNull(issuedBy, "issuedBy");
  }
}
