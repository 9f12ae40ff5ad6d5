package dev.spl.cli.text;

import dev.spl.cli.CliContext;
import dev.spl.cli.CliRun;

/**
 * Run in a JVM of its own by {@link TerminalProcessTest}: prints what the CLI decides about its
 * terminal and output, through the streams commands get.
 */
public final class TextProbe {
  private TextProbe() {}

  public static void main(String[] args) {
    CliContext context = CliRun.standardStreamsContext();
    context.out().println("interactive=" + Terminal.interactive());
    context.out().println("is-terminal-method=" + Terminal.hasIsTerminal());
    context.out().println("glyphs: ✓ ◇ · → — ×");
    context.out().flush();
  }
}
