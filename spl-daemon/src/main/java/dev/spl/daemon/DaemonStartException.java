package dev.spl.daemon;

/** A daemon could not start; the message is meant for the person who started it. */
public final class DaemonStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DaemonStartException(String message) {
    super(message);
  }

  public DaemonStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
