package dev.spl.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts, before or after its name. */
public final class GlobalOptions {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "text|json",
      scope = ScopeType.INHERIT,
      description = "Output format: text (default) or json.")
  OutputFormat output = OutputFormat.TEXT;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "Daemon home folder (default: $SPL_HOME, else ~/.syncro).")
  Path home;

  @Option(
      names = "--url",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      description =
          "Daemon to talk to (default: $SPL_URL, else the endpoint in the home, else"
              + " http://127.0.0.1:9100).")
  String url;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      description = "Fleet bearer token (default: $SPL_TOKEN).")
  String token;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of internal errors (also: SPL_DEBUG=1).")
  boolean debug;
}
