package dev.spl.cli;

/** A failure the user should read: printed as one line to stderr, then {@code spl} exits. */
public final class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
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
