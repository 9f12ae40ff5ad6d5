package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The launcher finds the command name in bash before any Java runs ({@code
 * scripts/launch/command-name.bash}), skipping the global options that take a value as listed in
 * the file the build writes from the picocli model ({@link LaunchFiles}). Here it must find the
 * command picocli finds, for every global option, with values that look like command names.
 */
class LauncherCommandNameTest {
  private static final Path SCRIPT =
      Path.of("").toAbsolutePath().getParent().resolve("scripts/launch/command-name.bash");
  private static final Path BUILT_FILE = Path.of("target", "launch", "global-value-options");

  @TempDir Path dir;

  @Test
  void theBuildWritesTheValueOptionsOfTheModel() throws IOException {
    Path written = dir.resolve("global-value-options");
    LaunchFiles.writeValueOptions(written);
    assertThat(Files.readAllLines(written)).isEqualTo(GlobalOptions.names().takingAValue());
    assertThat(GlobalOptions.names().takingAValue()).contains("-o", "--output", "--home", "--url");
    assertThat(BUILT_FILE)
        .as("written by the build for scripts/spl")
        .hasSameTextualContentAs(written);
  }

  @Test
  void theLauncherFindsTheCommandPicocliFinds() throws IOException {
    List<List<String>> cases = new ArrayList<>();
    for (OptionSpec option : new GlobalOptions().spec().options()) {
      for (String name : option.names()) {
        if (option.arity().max() == 0) {
          cases.add(List.of(name, "records", "list"));
          continue;
        }
        // The launcher must skip the value, or it takes "somewhere" for the command and runs
        // `task` on the client class path. (picocli refuses a value that is a command name.)
        String value =
            option.type().isEnum() ? option.type().getEnumConstants()[0].toString() : "somewhere";
        cases.add(List.of(name, value, "task", "list"));
        cases.add(List.of("--debug", name, value, "fleet", "list"));
        cases.add(List.of("records", name, value, "list"));
      }
    }
    cases.add(List.of("records", "list"));
    cases.add(List.of("--home=somewhere", "task", "list"));
    cases.add(List.of("task", "-o", "json", "list", "--status", "open"));
    cases.add(List.of("task", "show", "list"));
    cases.add(List.of("-ojson", "fleet", "list"));
    cases.add(List.of("-o", "json", "--url", "http://127.0.0.1:1", "daemon", "status"));
    cases.add(List.of("--version"));
    cases.add(List.of());

    for (List<String> args : cases) {
      // The subcommand too: `task list` runs on the client class path, other task commands not.
      assertThat(launcherCommandNames(BUILT_FILE, args))
          .as("command and subcommand names of spl %s", String.join(" ", args))
          .isEqualTo(picocliCommandNames(args));
    }
  }

  @Test
  void aValueOptionMissingFromTheFileHidesTheCommand() throws IOException {
    // What the check above guards against: the file is the launcher's only knowledge.
    Path withoutHome = dir.resolve("without-home");
    List<String> options = new ArrayList<>(GlobalOptions.names().takingAValue());
    options.remove("--home");
    Files.write(withoutHome, options);
    assertThat(launcherCommandName(withoutHome, List.of("--home", "somewhere", "task", "list")))
        .isEqualTo("somewhere");
  }

  /** The command picocli runs and its subcommand, e.g. {@code [task, list]}; "" for none. */
  private static List<String> picocliCommandNames(List<String> args) {
    PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
    CommandLine.ParseResult parsed =
        Spl.commandLine(sink, sink, CliRun.cleanEnv()).parseArgs(args.toArray(String[]::new));
    if (!parsed.hasSubcommand()) {
      return List.of("", "");
    }
    CommandLine.ParseResult command = parsed.subcommand();
    return List.of(
        command.commandSpec().name(),
        command.hasSubcommand() ? command.subcommand().commandSpec().name() : "");
  }

  private static String launcherCommandName(Path valueOptions, List<String> args)
      throws IOException {
    return launcherCommandNames(valueOptions, args).get(0);
  }

  /** {@code spl_command} and {@code spl_subcommand} as the launcher's script sets them. */
  private static List<String> launcherCommandNames(Path valueOptions, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "bash",
            "-c",
            "source \"$1\"; shift; spl_command_name \"$@\";"
                + " printf '%s\\n%s' \"$spl_command\" \"$spl_subcommand\"",
            "bash",
            SCRIPT.toString(),
            valueOptions.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("bash did not exit in 30 s for " + args);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("bash for %s: %s", args, output).isZero();
    return List.of(output.split("\n", -1));
  }
}
