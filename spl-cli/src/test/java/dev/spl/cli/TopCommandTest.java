package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.text.OutputFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code spl} builds its top command with picocli's programmatic API; it must behave exactly as the
 * annotated declaration it replaces, kept here as the reference.
 */
class TopCommandTest {
  @TempDir Path home;

  @Command(
      name = "spl",
      mixinStandardHelpOptions = true,
      scope = ScopeType.INHERIT,
      versionProvider = Spl.Version.class,
      description = "spl: a fleet coordinator for parallel work.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:ok",
        "1:failure",
        "2:bad input (unknown option, malformed value, refused request)",
        "3:daemon unreachable, or in a state that refuses the request",
        "4:internal error (details with --debug or SPL_DEBUG=1)"
      })
  static final class AnnotatedSpl implements Runnable {
    @Mixin final AnnotatedGlobalOptions global;
    @Spec CommandSpec spec;

    AnnotatedSpl(GlobalOptions target) {
      this.global = new AnnotatedGlobalOptions(target);
    }

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "Missing command");
    }
  }

  /** The annotated global options, writing into the {@link GlobalOptions} commands read. */
  static final class AnnotatedGlobalOptions {
    private final GlobalOptions target;

    AnnotatedGlobalOptions(GlobalOptions target) {
      this.target = target;
    }

    @Option(
        names = {"-o", "--output"},
        paramLabel = "text|json|jsonl",
        scope = ScopeType.INHERIT,
        description =
            "Output format: text (default), json, or jsonl (JSON on one line; task results"
                + " streams one result a line).")
    void output(OutputFormat value) {
      target.output = value;
    }

    @Option(
        names = "--home",
        paramLabel = "DIR",
        scope = ScopeType.INHERIT,
        description = "Daemon home folder (default: $SPL_HOME, else ~/.syncro).")
    void home(Path value) {
      target.home = value;
    }

    @Option(
        names = "--url",
        paramLabel = "URL",
        scope = ScopeType.INHERIT,
        description =
            "Daemon to talk to (default: $SPL_URL, else the endpoint in the home, else"
                + " http://127.0.0.1:9100).")
    void url(String value) {
      target.url = value;
    }

    @Option(
        names = "--token",
        paramLabel = "TOKEN",
        scope = ScopeType.INHERIT,
        description =
            "Fleet bearer token; visible to other users in the process list, prefer"
                + " --token-file (default: $SPL_TOKEN, else the home's token file).")
    void token(String value) {
      target.token = value;
    }

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        scope = ScopeType.INHERIT,
        description = "File holding the fleet token, readable by its owner only (chmod 600).")
    void tokenFile(Path value) {
      target.tokenFile = value;
    }

    @Option(
        names = "--tls-ca",
        paramLabel = "FILE",
        scope = ScopeType.INHERIT,
        description =
            "CA certificates (PEM) that HTTPS daemons are checked against, by this command and by"
                + " a daemon it starts, for its requests to other daemons (default: $SPL_TLS_CA,"
                + " else the system trust store).")
    void tlsCa(Path value) {
      target.tlsCa = value;
    }

    @Option(
        names = "--debug",
        scope = ScopeType.INHERIT,
        description = "Print stack traces of internal errors (also: SPL_DEBUG=1).")
    void debug(boolean value) {
      target.debug = value;
    }
  }

  @Test
  void theProgrammaticTopCommandBehavesAsTheAnnotatedOne() {
    String h = home.toString();
    List<String[]> runs =
        List.of(
            new String[] {},
            new String[] {"--version"},
            new String[] {"-V"},
            new String[] {"-o", "json", "--version"},
            new String[] {"--help"},
            new String[] {"-h"},
            new String[] {"help"},
            new String[] {"help", "records"},
            new String[] {"--bogus"},
            new String[] {"-o", "yaml", "--version"},
            new String[] {"--home"},
            new String[] {"recrods"},
            new String[] {"records"},
            new String[] {"records", "--help"},
            new String[] {"records", "list", "--help"},
            new String[] {"records", "list", "-V"},
            new String[] {"--home", h, "daemon", "status", "-o", "json"},
            new String[] {"--home", h, "--debug", "daemon", "status"},
            new String[] {"--home=" + h, "-ojson", "daemon", "status"},
            new String[] {"daemon", "status", "--home", h, "--output", "yaml"},
            new String[] {"--url", "http://127.0.0.1:1", "--token", "t", "records", "list"},
            new String[] {
              "--url", "http://127.0.0.1:1", "--token", "0123456789abcdef", "records", "list"
            },
            new String[] {"--url", "http://127.0.0.1:1", "--token-file", h, "records", "list"},
            new String[] {"fleet", "start", "--help"},
            new String[] {"task", "add", "--help"});
    for (String[] args : runs) {
      CliRun annotated = run(args, true);
      CliRun programmatic = run(args, false);
      assertThat(programmatic).as(String.join(" ", args)).isEqualTo(annotated);
    }
    assertThat(run(new String[] {"--version"}, false).out()).startsWith("spl ");
  }

  private static CliRun run(String[] args, boolean annotated) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Set<String> all = Spl.COMMANDS.keySet();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      CommandLine commandLine =
          annotated
              ? Spl.assembly(new ByteArrayInputStream(new byte[0]), o, e, CliRun.cleanEnv())
                  .commands(all)
                  .top((global, factory) -> new AnnotatedSpl(global))
                  .build()
              : Spl.commandLine(new ByteArrayInputStream(new byte[0]), o, e, CliRun.cleanEnv());
      int code = commandLine.execute(args);
      return new CliRun(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }
}
