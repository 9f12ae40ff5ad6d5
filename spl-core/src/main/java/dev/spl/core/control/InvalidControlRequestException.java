package dev.spl.core.control;

/** A kill or unkill request that cannot be recorded; nothing is written. */
public final class InvalidControlRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidControlRequestException(String message) {
    super(message);
  }
}
