package dev.spl.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.client.ClientJson;
import dev.spl.cli.completion.CompletionCommand;
import dev.spl.cli.control.KillCommand;
import dev.spl.cli.control.RoutesCommand;
import dev.spl.cli.control.RulesCommand;
import dev.spl.cli.control.UnkillCommand;
import dev.spl.cli.daemon.DaemonCommand;
import dev.spl.cli.fleet.DemoCommand;
import dev.spl.cli.fleet.FleetCommand;
import dev.spl.cli.records.RecordsCommand;
import dev.spl.cli.task.TaskCommand;
import dev.spl.cli.text.Terminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code spl} command line. {@link Assembly#build} is the one place it is assembled.
 *
 * <p>The top command and its global and help options are built with picocli's programmatic API
 * ({@link #topCommand}) rather than from annotations: reading annotations makes the JVM generate a
 * proxy class per annotation type, which the class-data-sharing archive cannot hold, and that was
 * most of the start-up time of {@code spl --version}. Help, errors and exit codes are those of the
 * annotated form ({@code TopCommandTest} compares them with an annotated copy).
 */
public final class Spl implements Runnable {
  /**
   * The commands of {@code spl}, in the order help lists them. picocli builds a command's model by
   * reflection when it is added, which is most of the start-up time of a short command, so {@link
   * #commandLine(InputStream, PrintStream, PrintStream, Map, String...)} adds only the one named.
   */
  static final Map<String, Class<?>> COMMANDS = commands();

  /** Global options that take a value: skipped when looking for the command name. */
  private static final Set<String> VALUE_OPTIONS;

  /** Global options without a value that need no other command's model, and the version option. */
  private static final Set<String> FLAG_OPTIONS;

  static {
    // One model of the global options for both sets: each build of one costs about 0.5 ms.
    GlobalOptions.Names names = GlobalOptions.names();
    VALUE_OPTIONS = Set.copyOf(names.takingAValue());
    FLAG_OPTIONS = flagOptions(names.flags());
  }

  /** Exit codes as help lists them. */
  static final String[] EXIT_CODE_LIST = {
    "0:ok",
    "1:failure",
    "2:bad input (unknown option, malformed value, refused request)",
    "3:daemon unreachable, or in a state that refuses the request",
    "4:internal error (details with --debug or SPL_DEBUG=1)"
  };

  private CommandSpec spec;

  private Spl() {}

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command");
  }

  private static Set<String> flagOptions(List<String> globalFlags) {
    Set<String> flags = new HashSet<>(globalFlags);
    for (OptionSpec option : helpOptions().options()) {
      if (option.versionHelp()) {
        flags.addAll(List.of(option.names()));
      }
    }
    return Set.copyOf(flags);
  }

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> commands = new LinkedHashMap<>();
    commands.put("daemon", DaemonCommand.class);
    commands.put("records", RecordsCommand.class);
    commands.put("fleet", FleetCommand.class);
    commands.put("task", TaskCommand.class);
    commands.put("kill", KillCommand.class);
    commands.put("unkill", UnkillCommand.class);
    commands.put("rules", RulesCommand.class);
    commands.put("routes", RoutesCommand.class);
    commands.put("demo", DemoCommand.class);
    commands.put("completion", CompletionCommand.class);
    commands.put("help", CommandLine.HelpCommand.class);
    return Collections.unmodifiableMap(commands);
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
    return assembly(in, out, err, env).build();
  }

  /**
   * The command line for running {@code args}: the same as the whole one for these arguments, but
   * with only the command they name. Help, an unknown command name, or any option before it other
   * than the global ones get every command, so help lists them all and picocli's errors and
   * suggestions are those of the whole command line.
   */
  public static CommandLine commandLine(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return assembly(in, out, err, env).neededFor(args).build();
  }

  /** The names of the commands whose models running {@code args} needs. */
  public static Set<String> commandsNeeded(String... args) {
    int at = commandIndex(args);
    if (at < 0) {
      // Only global options (`spl --version`, or nothing: "Missing command"): no command runs.
      return Set.of();
    }
    String arg = args[at];
    return COMMANDS.containsKey(arg) && !arg.equals("help") ? Set.of(arg) : COMMANDS.keySet();
  }

  /**
   * The subcommands whose models running {@code args} needs, by command: of the command named, the
   * one named right after it. Every subcommand of any other command, or when the argument after the
   * command names none of its subcommands (help, an option, a misspelt name), so help and picocli's
   * errors are those of the whole group.
   */
  public static Map<String, Set<String>> subcommandsNeeded(String... args) {
    int at = commandIndex(args);
    if (at < 0 || at + 1 >= args.length) {
      return Map.of();
    }
    String command = args[at];
    if (COMMANDS.containsKey(command) && subcommandsOf(command).containsKey(args[at + 1])) {
      return Map.of(command, Set.of(args[at + 1]));
    }
    return Map.of();
  }

  /** Where the command name is in {@code args}: the first argument not a global option; or -1. */
  private static int commandIndex(String... args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (VALUE_OPTIONS.contains(arg)) {
        i++;
      } else if (!FLAG_OPTIONS.contains(arg)
          && !(arg.startsWith("-o") && !arg.startsWith("--"))
          && !(arg.startsWith("--") && VALUE_OPTIONS.contains(optionName(arg)))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The subcommands of the command group {@code command}, none for a command without any. Asked of
   * the one group run only: initialising a group's class may cost (the task commands' random
   * source).
   */
  static Map<String, Class<?>> subcommandsOf(String command) {
    return switch (command) {
      case "daemon" -> DaemonCommand.SUBCOMMANDS;
      case "records" -> RecordsCommand.SUBCOMMANDS;
      case "fleet" -> FleetCommand.SUBCOMMANDS;
      case "task" -> TaskCommand.SUBCOMMANDS;
      case "rules" -> RulesCommand.SUBCOMMANDS;
      case "routes" -> RoutesCommand.SUBCOMMANDS;
      default -> Map.of();
    };
  }

  private static String optionName(String arg) {
    int equals = arg.indexOf('=');
    return equals < 0 ? arg : arg.substring(0, equals);
  }

  /**
   * An assembly of the command line around {@code in}, {@code out}, {@code err} and {@code env}:
   * every command, the JVM's output encoding, this process's working directory and {@code spl}'s
   * own model, until set otherwise.
   */
  static Assembly assembly(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    return new Assembly(in, out, err, env);
  }

  /** What one command line is assembled from; {@link #build} assembles it. */
  static final class Assembly {
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private String outputEncoding;
    private Set<String> commandNames = COMMANDS.keySet();
    // By command, the subcommands added; a command not listed gets every one.
    private Map<String, Set<String>> subcommandNames = Map.of();
    private BiFunction<GlobalOptions, CommandLine.IFactory, Object> top = Spl::topCommand;
    private java.nio.file.Path workingDir;

    private Assembly(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
      this.in = in;
      this.out = out;
      this.err = err;
      this.env = env;
    }

    /**
     * For streams that write {@code encoding}: the process's own streams write the JVM's output
     * encoding, the default.
     */
    Assembly outputEncoding(String encoding) {
      outputEncoding = encoding;
      return this;
    }

    /**
     * Only the commands and subcommands running {@code args} needs ({@link #commandsNeeded}, {@link
     * #subcommandsNeeded}).
     */
    Assembly neededFor(String... args) {
      return commands(commandsNeeded(args)).subcommands(subcommandsNeeded(args));
    }

    /** Only the commands named (see {@link #commandsNeeded}). */
    Assembly commands(Set<String> names) {
      commandNames = names;
      return this;
    }

    /** Of the commands listed, only the subcommands listed (see {@link #subcommandsNeeded}). */
    Assembly subcommands(Map<String, Set<String>> names) {
      subcommandNames = names;
      return this;
    }

    /** {@code make} makes the model (or annotated object) of {@code spl} itself. */
    Assembly top(BiFunction<GlobalOptions, CommandLine.IFactory, Object> make) {
      top = make;
      return this;
    }

    /** For a caller whose working directory is {@code dir}. */
    Assembly workingDir(java.nio.file.Path dir) {
      workingDir = dir;
      return this;
    }

    /** The command line, with the commands named and the handlers of bad input and failures. */
    CommandLine build() {
      String encoding = outputEncoding != null ? outputEncoding : Terminal.outputEncoding();
      CliContext context = new CliContext(in, out, err, env, encoding, workingDir);
      ContextFactory factory = new ContextFactory(context);
      CommandLine commandLine = new CommandLine(top.apply(context.global(), factory), factory);
      for (Map.Entry<String, Class<?>> command : COMMANDS.entrySet()) {
        if (commandNames.contains(command.getKey())) {
          CommandLine group = new CommandLine(command.getValue(), factory);
          // Before the group joins spl, as picocli adds a group's annotated subcommands.
          Set<String> only = subcommandNames.get(command.getKey());
          for (Map.Entry<String, Class<?>> sub : subcommandsOf(command.getKey()).entrySet()) {
            if (only == null || only.contains(sub.getKey())) {
              group.addSubcommand(sub.getKey(), new CommandLine(sub.getValue(), factory));
            }
          }
          commandLine.addSubcommand(command.getKey(), group);
        }
      }
      commandLine.setOut(new PrintWriter(out, true));
      commandLine.setErr(new PrintWriter(err, true));
      commandLine.setCaseInsensitiveEnumValuesAllowed(true);
      if (workingDir != null) {
        // A file option names the caller's file, not one relative to this process.
        commandLine.registerConverter(java.nio.file.Path.class, workingDir::resolve);
      }
      // `--body @file` is ours to read: picocli would otherwise splice the file into the arguments.
      commandLine.setExpandAtFiles(false);
      commandLine.setParameterExceptionHandler(Spl::handleBadInput);
      commandLine.setExecutionExceptionHandler(
          (exception, cl, parseResult) -> handleFailure(exception, context));
      return commandLine;
    }
  }

  /**
   * Runs one {@code spl} invocation for another process, as if it ran there: {@code workingDir}
   * (absolute) is the caller's working directory, the streams write UTF-8.
   */
  public static int runFor(
      java.nio.file.Path workingDir,
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      String... args) {
    return assembly(in, out, err, env)
        .outputEncoding(java.nio.charset.StandardCharsets.UTF_8.name())
        .neededFor(args)
        .workingDir(workingDir)
        .build()
        .execute(args);
  }

  /** Runs one {@code spl} invocation and returns its exit code. */
  public static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return commandLine(System.in, out, err, env, args).execute(args);
  }

  /** Runs one {@code spl} invocation reading standard input from {@code in}. */
  public static int run(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, String... args) {
    return commandLine(in, out, err, env, args).execute(args);
  }

  /** As above, for streams that write {@code outputEncoding}. */
  static int run(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      String outputEncoding,
      String... args) {
    return assembly(in, out, err, env)
        .outputEncoding(outputEncoding)
        .neededFor(args)
        .build()
        .execute(args);
  }

  /**
   * The model of {@code spl} itself, as {@code @Command(name = "spl", mixinStandardHelpOptions =
   * true, scope = INHERIT, versionProvider = Version.class, description = ..., exitCodeListHeading
   * = ..., exitCodeList = ...)} with {@code @Mixin GlobalOptions} would make it.
   */
  private static CommandSpec topCommand(GlobalOptions global, CommandLine.IFactory factory) {
    Spl spl = new Spl();
    CommandSpec spec = CommandSpec.wrapWithoutInspection(spl, factory);
    spl.spec = spec;
    spec.name("spl");
    spec.scopeType(CommandLine.ScopeType.INHERIT);
    spec.versionProvider(new Version());
    spec.usageMessage()
        .description("spl: a fleet coordinator for parallel work.")
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(exitCodes());
    spec.addMixin("mixinStandardHelpOptions", helpOptions());
    spec.addMixin("global", global.spec());
    return spec;
  }

  /** picocli's standard help options ({@code AutoHelpMixin}), as its annotations declare them. */
  private static CommandSpec helpOptions() {
    CommandSpec mixin = CommandSpec.create();
    mixin.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .descriptionKey("mixinStandardHelpOptions.help")
            .description("Show this help message and exit.")
            .type(boolean.class)
            .build());
    mixin.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .descriptionKey("mixinStandardHelpOptions.version")
            .description("Print version information and exit.")
            .type(boolean.class)
            .build());
    return mixin;
  }

  private static Map<String, String> exitCodes() {
    Map<String, String> codes = new LinkedHashMap<>();
    for (String entry : EXIT_CODE_LIST) {
      int colon = entry.indexOf(':');
      codes.put(entry.substring(0, colon), entry.substring(colon + 1));
    }
    return codes;
  }

  private static int handleBadInput(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    if (asksForJson(args)) {
      err.println(errorEnvelope(ExitCodes.BAD_INPUT, null, e.getMessage()));
      err.flush();
      return ExitCodes.BAD_INPUT;
    }
    err.println("spl: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    namespaceHint(e).ifPresent(err::println);
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return ExitCodes.BAD_INPUT;
  }

  /**
   * A word given where a command takes its namespace as an option ({@code spl kill default}): the
   * hint names the option with that word.
   */
  static java.util.Optional<String> namespaceHint(ParameterException e) {
    if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched)
        || unmatched.getCommandLine().getCommandSpec().findOption("--namespace") == null) {
      return java.util.Optional.empty();
    }
    return unmatched.getUnmatched().stream()
        .filter(word -> !word.startsWith("-"))
        .findFirst()
        .map(
            word ->
                "A namespace is given with --namespace: "
                    + unmatched.getCommandLine().getCommandSpec().qualifiedName()
                    + " --namespace "
                    + word
                    + " ...");
  }

  /**
   * Whether the arguments ask for {@code -o json}, read from the arguments themselves: a command
   * line picocli refused may not have set the option.
   */
  static boolean asksForJson(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      boolean valueNext = arg.equals("-o") || arg.equals("--output");
      if (valueNext && i + 1 < args.length && args[i + 1].equalsIgnoreCase("json")
          || arg.equalsIgnoreCase("-ojson")
          || arg.equalsIgnoreCase("--output=json")
          || arg.equalsIgnoreCase("-o=json")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The error of a command run with {@code -o json}, as one line of JSON on stderr: the shape of
   * the daemon's error envelope, {@code {"object":"error","type":...,"code":...,"message":...}},
   * plus the exit code. {@code code} is the daemon's error code when a daemon refused the request,
   * else null: the exit code's name is used.
   */
  static String errorEnvelope(int exitCode, String code, String message) {
    String type =
        switch (exitCode) {
          case ExitCodes.BAD_INPUT -> "bad_input";
          case ExitCodes.UNAVAILABLE -> "unavailable";
          case ExitCodes.INTERNAL -> "internal";
          default -> "failure";
        };
    String text = message == null ? "" : message;
    if (code != null && text.startsWith(code + ": ")) {
      text = text.substring(code.length() + 2);
    }
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("object", "error");
    node.put("type", type);
    node.put("code", code != null ? code : type.toUpperCase(java.util.Locale.ROOT));
    node.put("message", text);
    node.put("exit_code", exitCode);
    return ClientJson.compact(node);
  }

  private static int handleFailure(Exception exception, CliContext context) {
    if (context.json()) {
      if (exception instanceof CliException cli) {
        context.err().println(errorEnvelope(cli.exitCode(), cli.code(), cli.getMessage()));
        return cli.exitCode();
      }
      context
          .err()
          .println(errorEnvelope(ExitCodes.INTERNAL, null, "internal error: " + exception));
      if (context.debug()) {
        context.err().println(stackTrace(exception));
      }
      return ExitCodes.INTERNAL;
    }
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
