package dev.spl.dist;

import dev.spl.cli.Spl;
import dev.spl.cli.completion.CompletionCommand;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Writes the release archive's generated files from the model of every {@code spl} command: the
 * AsciiDoc sources of the man pages (picocli's ManPageGenerator: {@code spl.adoc}, {@code
 * spl-daemon.adoc}, {@code spl-daemon-run.adoc}, ...; the build turns them into troff) and the bash
 * and zsh completion scripts {@code spl completion} prints.
 *
 * <p>Usage: {@code DistFiles MAN_ADOC_DIR COMPLETION_DIR}.
 */
public final class DistFiles {
  private DistFiles() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException(
          "expected 2 arguments (the man pages' folder, the completion scripts' folder) but got "
              + args.length);
    }
    Path manDir = Path.of(args[0]);
    Path completionDir = Path.of(args[1]);
    writeManPages(manDir);
    writeCompletion(completionDir);
  }

  static void writeManPages(Path dir) throws IOException {
    Files.createDirectories(dir);
    int exit =
        ManPageGenerator.generateManPage(
            dir.toFile(), null, new boolean[0], true, wholeCommandLine().getCommandSpec());
    if (exit != CommandLine.ExitCode.OK) {
      throw new IOException("ManPageGenerator exited with " + exit + " writing into " + dir);
    }
  }

  static void writeCompletion(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (CompletionCommand.Shell shell : CompletionCommand.Shell.values()) {
      Files.writeString(
          dir.resolve(CompletionCommand.fileName(shell)),
          CompletionCommand.script(shell),
          StandardCharsets.UTF_8);
    }
  }

  /** Every command; the streams are never written to, only the model is read. */
  private static CommandLine wholeCommandLine() {
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    return Spl.commandLine(new ByteArrayInputStream(new byte[0]), discard, discard, Map.of());
  }
}
