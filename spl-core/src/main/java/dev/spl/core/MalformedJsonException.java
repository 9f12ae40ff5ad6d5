package dev.spl.core;

/**
 * Input that is not strict JSON: not UTF-8, not well formed, or an object with a key given twice.
 * The message says what was found and where (byte offset, or line and column, and the key's path);
 * the caller puts the name of the input in front.
 */
public final class MalformedJsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedJsonException(String message) {
    super(message);
  }
}
