package dev.spl.cli.fleet;

import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Spl;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spl demo}: the walkthrough on a throw-away fleet. It runs the same {@code spl} commands a
 * user types, against a fleet in a temporary home on free ports, printing each command before its
 * output, and stops the fleet and deletes the home afterwards (also after a failure or Ctrl-C).
 */
@Command(
    name = "demo",
    description =
        "Start a 2-worker echo fleet in a temporary home, fan a task out over it, show the join"
            + " and the speedup (with --items: a data fan-out and its results), and tear it all"
            + " down.")
public final class DemoCommand implements Callable<Integer> {
  static final String ALIAS = "DEMO-1";
  static final int DATA_ITEMS = 1_000;
  static final int DATA_SHARD = 100;

  private final CliContext context;

  @Option(
      names = "--keep",
      description = "Leave the fleet running and print how to use it and how to stop it.")
  boolean keep;

  @Option(
      names = "--items",
      description =
          "Show a data fan-out instead: an items file of the numbers 1 to "
              + DATA_ITEMS
              + " in the demo's folder, summed in shards of "
              + DATA_SHARD
              + " by echo children in compute mode, and the results in shard order.")
  boolean items;

  @Option(
      names = "--echo-delay",
      paramLabel = "SECS",
      description = "How long each echo subtask takes (default: 0.8).")
  double echoDelaySecs = 0.8;

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      description = "How long to wait for the fleet and for the join (default: 60).")
  int timeoutSecs = 60;

  DemoCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (echoDelaySecs < 0 || echoDelaySecs > 60) {
      throw CliException.badInput(
          "--echo-delay: expected 0 to 60 seconds but found " + echoDelaySecs);
    }
    if (timeoutSecs < 1) {
      throw CliException.badInput("--timeout: expected at least 1 second but found " + timeoutSecs);
    }
    Path root;
    try {
      root = Files.createTempDirectory("spl-demo-");
    } catch (IOException e) {
      throw CliException.failure("cannot create a temporary folder for the demo: " + e);
    }
    Path home = root.resolve("coordinator");
    Map<String, String> env = new HashMap<>(context.env());
    env.remove("SPL_URL");
    env.put("SPL_HOME", home.toString());
    PrintStream out = context.out();
    Teardown teardown = new Teardown(root, env);
    Thread hook = new Thread(teardown::run, "spl-demo-teardown");
    if (!keep) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    boolean succeeded = false;
    try {
      out.println("spl demo: a throw-away fleet in " + root);
      out.println();
      List<String> start =
          new ArrayList<>(
              List.of(
                  "fleet",
                  "start",
                  "--workers",
                  "2",
                  "--port",
                  "0",
                  "--worker-port",
                  "0",
                  "--echo-delay",
                  String.valueOf(echoDelaySecs),
                  "--timeout",
                  String.valueOf(timeoutSecs)));
      if (items) {
        // The children sum their slice of the items rather than only echo their goal.
        start.addAll(List.of("--echo-mode", "compute"));
      }
      step(env, start.toArray(String[]::new));
      if (items) {
        dataFanOut(env, root);
      } else {
        listedFanOut(env);
      }
      succeeded = true;
    } finally {
      if (keep) {
        printKeep(out, root, home);
      } else {
        teardown.run();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // Ctrl-C arrived: the hook runs the teardown, which is idempotent.
        }
        if (succeeded) {
          out.println();
          out.println("spl demo: done; the fleet is stopped and " + root + " is deleted.");
          out.println("Run it yourself: docs/getting-started.md");
        }
      }
    }
    return ExitCodes.OK;
  }

  /** Three listed subtasks: two parts on either worker, then a merge that depends on both. */
  private void listedFanOut(Map<String, String> env) {
    step(
        env,
        "task",
        "add",
        "Demo: write two parts in parallel, then merge them",
        "--priority",
        "high",
        "--criteria",
        "All 3 subtasks accepted",
        "--alias",
        ALIAS);
    step(
        env,
        "task",
        "fan-out",
        ALIAS,
        "--subtask",
        "goal=Write part A,target=worker-a",
        "--subtask",
        "goal=Write part B,target=worker-b",
        "--subtask",
        "goal=Merge A and B,target=least-loaded-worker,depends=0+1",
        "--join",
        "all");
    step(env, "task", "join-status", ALIAS, "--watch", "--timeout", String.valueOf(timeoutSecs));
    step(env, "task", "speedup", ALIAS);
    step(env, "task", "show", ALIAS);
  }

  /**
   * The numbers 1..{@value #DATA_ITEMS} as JSON lines, summed in shards: the fan-out's width comes
   * from the file, each child gets its slice, and the results come back in shard order.
   */
  private void dataFanOut(Map<String, String> env, Path root) {
    Path file = root.resolve("numbers.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= DATA_ITEMS; i++) {
      lines.append(i).append('\n');
    }
    try {
      Files.writeString(file, lines);
    } catch (IOException e) {
      throw CliException.failure("cannot write the demo's items file " + file + ": " + e);
    }
    context.out().println("spl demo: wrote the numbers 1 to " + DATA_ITEMS + " to " + file);
    context.out().println();
    step(env, "task", "add", "Demo: sum a file of numbers in shards", "--alias", ALIAS);
    step(
        env,
        "task",
        "fan-out",
        ALIAS,
        "--items",
        file.toString(),
        "--template",
        "goal=Sum shard {{shard}} of {{n}}",
        "--shard-size",
        String.valueOf(DATA_SHARD),
        "--join",
        "all");
    step(env, "task", "join-status", ALIAS, "--watch", "--timeout", String.valueOf(timeoutSecs));
    step(env, "task", "results", ALIAS);
  }

  /** Runs one {@code spl} command as a user would type it, printing it first. */
  private void step(Map<String, String> env, String... args) {
    PrintStream out = context.out();
    out.println("$ spl " + shellWords(args));
    int code = Spl.run(context.in(), out, context.err(), env, args);
    out.println();
    if (code != ExitCodes.OK) {
      throw new CliException(
          code, "demo step `spl " + shellWords(args) + "` failed (exit " + code + ")");
    }
  }

  private void printKeep(PrintStream out, Path root, Path home) {
    out.println("spl demo: the fleet keeps running (--keep). Use it with:");
    out.println("  export SPL_HOME=" + home);
    out.println("  spl fleet list");
    out.println("  spl task join-status " + ALIAS);
    out.println("Stop it and delete its homes with:");
    out.println("  spl --home " + home + " fleet stop --all && rm -rf " + root);
  }

  static String shellWords(String... args) {
    List<String> words = new ArrayList<>();
    for (String arg : args) {
      words.add(arg.matches("[A-Za-z0-9_./:=+@%-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
    }
    return String.join(" ", words);
  }

  /** Stops the demo fleet and deletes its homes, once, whoever calls first. */
  private final class Teardown {
    private final Path root;
    private final Map<String, String> env;
    private final AtomicBoolean done = new AtomicBoolean();

    Teardown(Path root, Map<String, String> env) {
      this.root = root;
      this.env = env;
    }

    void run() {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
      int code = Spl.run(context.in(), quiet, context.err(), env, "fleet", "stop", "--all");
      if (code != ExitCodes.OK) {
        context.err().println("spl demo: stopping the demo fleet failed (exit " + code + ")");
      }
      try {
        deleteTree(root);
      } catch (UncheckedIOException e) {
        context.err().println("spl demo: could not delete " + root + ": " + e.getCause());
      }
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
