package dev.spl.cli;

/** A failure the user should read: printed as one line to stderr, then {@code spl} exits. */
public final class CliException extends RuntimeException {
  private final int exitCode;
  private final String code;

  public CliException(int exitCode, String message) {
    this(exitCode, message, (String) null);
  }

  /** A failure carrying the daemon's error code ({@code THREAD_NOT_FOUND}, ...). */
  public CliException(int exitCode, String message, String code) {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
    this.code = null;
  }

  public int exitCode() {
    return exitCode;
  }

  /** The daemon's error code when the failure is an error answer of a daemon, else null. */
  public String code() {
    return code;
  }

  public static CliException badInput(String message) {
    return new CliException(ExitCodes.BAD_INPUT, message);
  }

  public static CliException failure(String message) {
    return new CliException(ExitCodes.FAILURE, message);
  }

  public static CliException unavailable(String message) {
    return new CliException(ExitCodes.UNAVAILABLE, message);
  }
}
