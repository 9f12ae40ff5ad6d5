package dev.spl.cli;

/** The exit codes of every {@code spl} command; docs/cli.md lists them for users. */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;

  /** The command ran but did not succeed (a daemon failed to start, a server error, ...). */
  public static final int FAILURE = 1;

  /** The input was refused: an unknown option, a malformed value, a 4xx answer to bad input. */
  public static final int BAD_INPUT = 2;

  /**
   * No daemon answers at the resolved URL, or the daemon is in a state that refuses the request.
   */
  public static final int UNAVAILABLE = 3;

  /** An unexpected exception: a bug in spl. */
  public static final int INTERNAL = 4;

  private ExitCodes() {}
}
