package dev.spl.cli;

import dev.spl.cli.text.OutputFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after its name. Declared with picocli's programmatic API
 * ({@link #spec}) rather than annotations, which cost start-up time (see {@link Spl}).
 */
public final class GlobalOptions {
  OutputFormat output = OutputFormat.TEXT;
  Path home;
  String url;
  String token;
  Path tokenFile;
  Path tlsCa;
  boolean debug;

  /** These options as a mixin bound to this instance's fields. */
  CommandSpec spec() {
    CommandSpec mixin = CommandSpec.create();
    mixin.addOption(
        option(
            OutputFormat.class,
            () -> output,
            value -> output = (OutputFormat) value,
            "text|json|jsonl",
            "Output format: text (default), json, or jsonl (JSON on one line; task results"
                + " streams one result a line).",
            "-o",
            "--output"));
    mixin.addOption(
        option(
            Path.class,
            () -> home,
            value -> home = (Path) value,
            "DIR",
            "Daemon home folder (default: $SPL_HOME, else ~/.syncro).",
            "--home"));
    mixin.addOption(
        option(
            String.class,
            () -> url,
            value -> url = (String) value,
            "URL",
            "Daemon to talk to (default: $SPL_URL, else the endpoint in the home, else"
                + " http://127.0.0.1:9100).",
            "--url"));
    mixin.addOption(
        option(
            String.class,
            () -> token,
            value -> token = (String) value,
            "TOKEN",
            "Fleet bearer token; visible to other users in the process list, prefer"
                + " --token-file (default: $SPL_TOKEN, else the home's token file).",
            "--token"));
    mixin.addOption(
        option(
            Path.class,
            () -> tokenFile,
            value -> tokenFile = (Path) value,
            "FILE",
            "File holding the fleet token, readable by its owner only (chmod 600).",
            "--token-file"));
    mixin.addOption(
        option(
            Path.class,
            () -> tlsCa,
            value -> tlsCa = (Path) value,
            "FILE",
            "CA certificates (PEM) that HTTPS daemons are checked against, by this command and by"
                + " a daemon it starts, for its requests to other daemons (default: $SPL_TLS_CA,"
                + " else the system trust store).",
            "--tls-ca"));
    mixin.addOption(
        option(
            boolean.class,
            () -> debug,
            value -> debug = (Boolean) value,
            null,
            "Print stack traces of internal errors (also: SPL_DEBUG=1).",
            "--debug"));
    return mixin;
  }

  /**
   * The names of these options: those that take a value ({@code -o}, {@code --output}, {@code
   * --home}, ...) and those that take none ({@code --debug}), in declaration order. The ones that
   * take a value are skipped with their value when looking for the command name, here and in the
   * launcher (through the file {@link LaunchFiles} writes at build time).
   */
  record Names(List<String> takingAValue, List<String> flags) {
    Names {
      takingAValue = List.copyOf(takingAValue);
      flags = List.copyOf(flags);
    }
  }

  static Names names() {
    List<String> takingAValue = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    for (OptionSpec option : new GlobalOptions().spec().options()) {
      (option.arity().max() > 0 ? takingAValue : flags).addAll(List.of(option.names()));
    }
    return new Names(takingAValue, flags);
  }

  private interface Getter {
    Object get();
  }

  private interface Setter {
    void set(Object value);
  }

  private static OptionSpec option(
      Class<?> type,
      Getter getter,
      Setter setter,
      String paramLabel,
      String description,
      String... names) {
    OptionSpec.Builder option =
        OptionSpec.builder(names)
            .type(type)
            .scopeType(ScopeType.INHERIT)
            .description(description)
            .initialValue(getter.get())
            .hasInitialValue(true)
            .getter(
                new IGetter() {
                  @Override
                  @SuppressWarnings("unchecked")
                  public <T> T get() {
                    return (T) getter.get();
                  }
                })
            .setter(
                new ISetter() {
                  @Override
                  @SuppressWarnings("unchecked")
                  public <T> T set(T value) {
                    T previous = (T) getter.get();
                    setter.set(value);
                    return previous;
                  }
                });
    if (paramLabel != null) {
      option.paramLabel(paramLabel);
    }
    return option.build();
  }
}
