package dev.spl.cli.completion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Spl;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code spl completion}: the scripts come from the real command model, name every command, and
 * complete in a real bash.
 */
class CompletionCommandTest {
  @TempDir Path dir;

  @Test
  void theBashScriptHasAFunctionForEveryCommandOfTheModel() {
    CliRun run = CliRun.run(CliRun.cleanEnv(), "completion", "bash");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("complete -F _complete_spl -o default spl");
    List<String> paths = commandPaths();
    assertThat(paths).contains("fleet start", "task fan-out", "daemon run", "completion");
    for (String path : paths) {
      String function = "_picocli_spl_" + path.replace(' ', '_').replace("-", "");
      assertThat(run.out()).as("the function completing spl %s", path).contains(function + "()");
    }
  }

  @Test
  void theZshScriptLoadsBashcompinitBeforeTheBashScript() {
    CliRun zsh = CliRun.run(CliRun.cleanEnv(), "completion", "zsh");
    CliRun bash = CliRun.run(CliRun.cleanEnv(), "completion", "BASH");

    assertThat(zsh.exitCode()).as(zsh.toString()).isZero();
    assertThat(bash.exitCode()).as(bash.toString()).isZero();
    assertThat(zsh.out()).endsWith(bash.out());
    String header = zsh.out().substring(0, zsh.out().length() - bash.out().length());
    assertThat(header).contains("autoload -U +X bashcompinit && bashcompinit");
  }

  @Test
  void anUnknownShellIsBadInputNamingTheShellsThereAre() {
    CliRun run = CliRun.run(CliRun.cleanEnv(), "completion", "fish");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("fish").contains("BASH").contains("ZSH");
  }

  /** The script, sourced into bash, completes commands, subcommands and options. */
  @Test
  void bashCompletesCommandsSubcommandsAndOptions() throws Exception {
    Path script = dir.resolve("spl.bash");
    Files.writeString(script, CompletionCommand.script(CompletionCommand.Shell.BASH));

    assertThat(complete(script, "spl", "fl")).containsExactly("fleet");
    assertThat(complete(script, "spl", "fleet", "st"))
        .containsExactlyInAnyOrder("start", "status", "stop");
    assertThat(complete(script, "spl", "daemon", "run", "--max-")).contains("--max-request-bytes");
    assertThat(complete(script, "spl", "completion", "")).contains("bash", "zsh");
  }

  /** What bash offers for the last word of {@code words}, through the script's entry function. */
  private List<String> complete(Path script, String... words) throws Exception {
    StringBuilder array = new StringBuilder();
    for (String word : words) {
      array.append(" '").append(word).append('\'');
    }
    String program =
        "source '"
            + script
            + "'\n"
            + "COMP_WORDS=("
            + array
            + " )\n"
            + "COMP_CWORD="
            + (words.length - 1)
            + "\n"
            + "COMP_LINE=\"${COMP_WORDS[*]}\"\n"
            + "COMP_POINT=${#COMP_LINE}\n"
            + "_complete_spl\n"
            + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    Path file = dir.resolve("complete.bash");
    Files.writeString(file, program);
    // compopt, called outside a real completion, complains on stderr: kept out of the offers.
    Process process =
        new ProcessBuilder("bash", "--norc", "--noprofile", file.toString())
            .redirectError(dir.resolve("bash.err").toFile())
            .start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("bash finished").isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("bash.err"))).isZero();
    List<String> offered = new ArrayList<>();
    out.lines().map(String::strip).filter(line -> !line.isEmpty()).forEach(offered::add);
    return offered;
  }

  /** Every command's path below spl ("fleet start"), from the whole command line's model. */
  private static List<String> commandPaths() {
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    CommandLine whole =
        Spl.commandLine(new ByteArrayInputStream(new byte[0]), discard, discard, Map.of());
    List<String> paths = new ArrayList<>();
    collect(whole, "", paths);
    return paths;
  }

  private static void collect(CommandLine command, String prefix, List<String> paths) {
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      String path = prefix.isEmpty() ? sub.getKey() : prefix + " " + sub.getKey();
      paths.add(path);
      collect(sub.getValue(), path, paths);
    }
  }
}
