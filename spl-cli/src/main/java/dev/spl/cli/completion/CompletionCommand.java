package dev.spl.cli.completion;

import dev.spl.cli.CliContext;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Spl;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code spl completion bash|zsh}: prints a completion script made by picocli's {@link
 * AutoComplete} from the whole command line's model, so it completes every command and option
 * {@code spl} has. zsh runs the same script through its {@code bashcompinit}, as picocli documents.
 */
@Command(
    name = "completion",
    description = "Print a shell completion script for spl: bash or zsh.",
    footerHeading = "%nInstalling it%n",
    footer = {
      "  bash: spl completion bash > ~/.local/share/bash-completion/completions/spl",
      "  zsh:  spl completion zsh > ~/.zsh/spl-completion.zsh, and in ~/.zshrc:",
      "        source ~/.zsh/spl-completion.zsh",
      "Open a new shell afterwards. The script is generated from this version of spl: make it"
          + " again after an upgrade."
    })
public final class CompletionCommand implements Callable<Integer> {
  /** The shells a script is made for. */
  public enum Shell {
    BASH,
    ZSH
  }

  /** The shells' names as typed, for completing this command's own argument. */
  static final class ShellNames extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    ShellNames() {
      for (Shell shell : Shell.values()) {
        add(shell.name().toLowerCase(Locale.ROOT));
      }
    }
  }

  /** The command name the scripts complete. */
  static final String COMMAND = "spl";

  /**
   * zsh completes with bash scripts once compinit and bashcompinit are loaded; the bash script
   * loads them too when it sees zsh, but loading them first makes the file work however it is
   * sourced.
   */
  private static final String ZSH_HEADER =
      "# zsh completion for spl: the bash completion script below, run through zsh's\n"
          + "# bashcompinit. Install it with\n"
          + "#   spl completion zsh > ~/.zsh/spl-completion.zsh\n"
          + "# and this line in ~/.zshrc:\n"
          + "#   source ~/.zsh/spl-completion.zsh\n"
          + "if ! type compdef >/dev/null 2>&1; then\n"
          + "  autoload -U +X compinit && compinit\n"
          + "fi\n"
          + "autoload -U +X bashcompinit && bashcompinit\n"
          + "\n";

  private final CliContext context;

  @Parameters(
      index = "0",
      paramLabel = "bash|zsh",
      completionCandidates = ShellNames.class,
      description = "The shell to print the script for: bash or zsh.")
  Shell shell;

  CompletionCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    context.out().print(script(shell));
    context.out().flush();
    return ExitCodes.OK;
  }

  /** The completion script for {@code shell}, over the model of every {@code spl} command. */
  public static String script(Shell shell) {
    String bash = AutoComplete.bash(COMMAND, wholeCommandLine());
    return switch (shell) {
      case BASH -> bash;
      case ZSH -> ZSH_HEADER + bash;
    };
  }

  /** The file name a script is installed under in the release archive's {@code completion/}. */
  public static String fileName(Shell shell) {
    return COMMAND + "." + shell.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Every command, not only the one being run: the launcher's command line holds just the command
   * named in the arguments. The streams are never written to: only the model is read.
   */
  private static CommandLine wholeCommandLine() {
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    return Spl.commandLine(new ByteArrayInputStream(new byte[0]), discard, discard, Map.of());
  }
}
