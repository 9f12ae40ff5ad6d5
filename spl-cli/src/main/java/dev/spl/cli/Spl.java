package dev.spl.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code spl} command line. {@link #commandLine} is the one place it is assembled. */
@Command(
    name = "spl",
    mixinStandardHelpOptions = true,
    // -h/--help and -V/--version on every command, not only on `spl` itself.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Spl.Version.class,
    description = "spl: a fleet coordinator for parallel work.",
    subcommands = {
      DaemonCommand.class,
      RecordsCommand.class,
      FleetCommand.class,
      TaskCommand.class,
      KillCommand.class,
      UnkillCommand.class,
      RulesCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:failure",
      "2:bad input (unknown option, malformed value, refused request)",
      "3:daemon unreachable, or in a state that refuses the request",
      "4:internal error (details with --debug or SPL_DEBUG=1)"
    })
public final class Spl implements Runnable {
  @Mixin private final GlobalOptions global;
  @Spec private CommandSpec spec;

  public Spl(CliContext context) {
    this.global = context.global();
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command");
  }

  /**
   * Builds the whole command line around the given streams and environment. Commands get a {@link
   * CliContext} through their constructor and never touch System.out, System.err or System.getenv.
   */
  public static CommandLine commandLine(PrintStream out, PrintStream err, Map<String, String> env) {
    return commandLine(System.in, out, err, env);
  }

  /** As above, with the standard input that {@code -} arguments read. */
  public static CommandLine commandLine(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    CliContext context = new CliContext(in, out, err, env);
    CommandLine commandLine = new CommandLine(Spl.class, new ContextFactory(context));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    // `--body @file` is ours to read: picocli would otherwise splice the file into the arguments.
    commandLine.setExpandAtFiles(false);
    commandLine.setParameterExceptionHandler(Spl::handleBadInput);
    commandLine.setExecutionExceptionHandler(
        (exception, cl, parseResult) -> handleFailure(exception, context));
    return commandLine;
  }

  /** Runs one {@code spl} invocation and returns its exit code. */
  public static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return commandLine(out, err, env).execute(args);
  }

  /** Runs one {@code spl} invocation reading standard input from {@code in}. */
  public static int run(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return commandLine(in, out, err, env).execute(args);
  }

  private static int handleBadInput(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("spl: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return ExitCodes.BAD_INPUT;
  }

  private static int handleFailure(Exception exception, CliContext context) {
    if (exception instanceof CliException cli) {
      context.err().println("spl: " + cli.getMessage());
      if (context.debug() && cli.getCause() != null) {
        context.err().println(stackTrace(cli));
      }
      return cli.exitCode();
    }
    context
        .err()
        .println(
            "spl: internal error: "
                + exception
                + (context.debug() ? "" : " (run with --debug or SPL_DEBUG=1 for details)"));
    if (context.debug()) {
      context.err().println(stackTrace(exception));
    }
    return ExitCodes.INTERNAL;
  }

  private static String stackTrace(Throwable t) {
    StringWriter text = new StringWriter();
    t.printStackTrace(new PrintWriter(text));
    return text.toString().stripTrailing();
  }

  /** Creates commands with a {@link CliContext} constructor argument when they declare one. */
  private static final class ContextFactory implements CommandLine.IFactory {
    private final CliContext context;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    ContextFactory(CliContext context) {
      this.context = context;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      for (Constructor<?> constructor : type.getDeclaredConstructors()) {
        Class<?>[] parameters = constructor.getParameterTypes();
        if (parameters.length == 1 && parameters[0] == CliContext.class) {
          constructor.setAccessible(true);
          return type.cast(constructor.newInstance(context));
        }
      }
      return fallback.create(type);
    }
  }

  /** The project version, filtered into a resource at build time. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"spl " + projectVersion()};
    }

    static String projectVersion() {
      Properties properties = new Properties();
      try (InputStream in = Spl.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the spl version resource", e);
      }
      return properties.getProperty("version", "unknown");
    }
  }
}
