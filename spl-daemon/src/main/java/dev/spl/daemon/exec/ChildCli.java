package dev.spl.daemon.exec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The {@code spl} command line, run inside a worker for one of its shell children (the child's
 * {@code spl} shim sends its arguments to the worker instead of starting a JVM of its own). The CLI
 * module provides it; a class path without the CLI has none, and the shim then runs the launcher.
 */
public interface ChildCli {
  /**
   * Runs {@code spl ARGS} as if in the child's process: {@code workingDir} its working directory,
   * {@code env} its environment, nothing on standard input; returns the exit code.
   */
  int run(
      List<String> args,
      Path workingDir,
      Map<String, String> env,
      PrintStream out,
      PrintStream err);

  /**
   * Whether the worker runs {@code spl ARGS} for a child: the commands a child uses to fan out and
   * report (task, records), not those that start or stop processes.
   */
  boolean serves(List<String> args);

  /** The CLI on this class path, if there is one. */
  static Optional<ChildCli> installed() {
    return ServiceLoader.load(ChildCli.class).findFirst();
  }
}
