package dev.spl.core.auth;

import dev.spl.core.Actors;
import dev.spl.core.ThreadIds;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Objects;

/**
 * What a running shell child presents to its coordinator instead of the fleet token, so it can fan
 * out itself ({@code spl task fan-out "$SPL_CHILD_THREAD" ...}): the worker that runs the attempt
 * signs the attempt's identity (worker, child thread, attempt) with its own key when it starts the
 * command and hands the text to the child as {@code SPL_CHILD_CREDENTIAL}. The worker's key never
 * leaves the worker; the signature is domain-separated from envelope signatures, so it vouches for
 * nothing but this attempt. The coordinator verifies it with the key the worker registered, checks
 * that it spawned that attempt on that worker and that the attempt is still running, and then takes
 * only what a nested fan-out needs from it ({@link Authorizer}). Nothing of it is stored in
 * records.
 *
 * <p>Text form: {@code spl-child-v1.<worker did>.<child thread>.<attempt>.<signature base64url>}.
 */
public record ChildCredential(String worker, String childThread, int attempt, String signature) {
  /** The header a client presents it in. */
  public static final String HEADER = "Spl-Child-Credential";

  /** The environment variable a shell child finds it in. */
  public static final String VARIABLE = "SPL_CHILD_CREDENTIAL";

  static final String PREFIX = "spl-child-v1";
  private static final String DOMAIN = "spl-child-credential-v1\n";
  private static final int MAX_TEXT = 512;

  public ChildCredential {
    Objects.requireNonNull(worker, "worker");
    Objects.requireNonNull(childThread, "childThread");
    Objects.requireNonNull(signature, "signature");
  }

  /** The credential of attempt {@code attempt} of the child on {@code childThread}, run by key. */
  public static ChildCredential issue(InstanceKey key, String childThread, int attempt) {
    String signature = Ed25519.sign(key.privateKey(), signedBytes(key.did(), childThread, attempt));
    return new ChildCredential(key.did(), childThread, attempt, signature);
  }

  /**
   * Reads the text form; throws {@link IllegalArgumentException} saying what was expected and found
   * (never echoing the text, which is a secret).
   */
  public static ChildCredential parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(
          "expected a child credential '"
              + PREFIX
              + ".<worker>.<thread>.<attempt>.<sig>' but found nothing");
    }
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException(
          "expected a child credential of at most "
              + MAX_TEXT
              + " characters but found "
              + text.length());
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 5 || !parts[0].equals(PREFIX)) {
      throw new IllegalArgumentException(
          "expected a child credential of 5 parts starting with '"
              + PREFIX
              + "' but found "
              + parts.length
              + " part(s)");
    }
    if (!Actors.isInstance(parts[1])) {
      throw new IllegalArgumentException(
          "credential worker: expected a daemon DID but found another value");
    }
    if (!ThreadIds.isValid(parts[2])) {
      throw new IllegalArgumentException(
          "credential thread: expected 'th_' + 64 hex but found another value");
    }
    int attempt;
    try {
      attempt = Integer.parseInt(parts[3]);
    } catch (NumberFormatException e) {
      attempt = 0;
    }
    if (attempt < 1) {
      throw new IllegalArgumentException("credential attempt: expected a whole number >= 1");
    }
    return new ChildCredential(parts[1], parts[2], attempt, parts[4]);
  }

  /**
   * Whether the signature is {@code workerKey}'s over this credential's worker, thread, attempt.
   */
  public boolean isSignedBy(PublicKey workerKey) {
    return Ed25519.verify(workerKey, signedBytes(worker, childThread, attempt), signature);
  }

  public String text() {
    return PREFIX + "." + worker + "." + childThread + "." + attempt + "." + signature;
  }

  /** Names the attempt, never the signature. */
  public String describe() {
    return "the credential of attempt "
        + attempt
        + " of child "
        + childThread
        + " (run on "
        + worker
        + ")";
  }

  @Override
  public String toString() {
    return "ChildCredential[" + worker + ", " + childThread + ", " + attempt + "]";
  }

  private static byte[] signedBytes(String worker, String childThread, int attempt) {
    return (DOMAIN + worker + "\n" + childThread + "\n" + attempt + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
