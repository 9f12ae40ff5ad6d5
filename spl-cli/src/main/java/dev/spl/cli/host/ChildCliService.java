package dev.spl.cli.host;

import dev.spl.cli.Spl;
import dev.spl.daemon.exec.ChildCli;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code spl} for a worker's shell child, run in the worker's JVM ({@link ChildCli}). */
public final class ChildCliService implements ChildCli {
  private static final java.util.Set<String> SERVED = java.util.Set.of("task", "records");

  @Override
  public boolean serves(List<String> args) {
    java.util.Set<String> commands = Spl.commandsNeeded(args.toArray(String[]::new));
    return commands.size() == 1 && SERVED.containsAll(commands);
  }

  @Override
  public int run(
      List<String> args,
      Path workingDir,
      Map<String, String> env,
      PrintStream out,
      PrintStream err) {
    return Spl.runFor(
        workingDir, InputStream.nullInputStream(), out, err, env, args.toArray(String[]::new));
  }
}
