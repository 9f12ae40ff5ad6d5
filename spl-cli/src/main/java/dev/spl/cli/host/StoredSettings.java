package dev.spl.cli.host;

import dev.spl.cli.CliException;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.SettingsRequest;
import dev.spl.core.home.SettingsFile;
import dev.spl.core.tls.TlsTrust;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The settings a home keeps ({@code settings.json}) as the commands that start daemons use them:
 * read before anything starts, compared with the options given, and resolved into what the daemon
 * runs with, with the CLI's messages and exit codes.
 */
public final class StoredSettings {
  private StoredSettings() {}

  /** The home's settings, empty when it has none; a broken file is bad input naming it. */
  public static Optional<InstanceSettings> read(Path home) {
    try {
      return SettingsFile.read(home);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /** What a start runs with; a combination that does not hold together is bad input. */
  public static InstanceSettings resolve(SettingsRequest request, InstanceSettings stored) {
    try {
      return request.resolve(stored);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /**
   * Whom a client of the daemon trusts: {@code given} when it names a CA ({@code --tls-ca}, {@code
   * SPL_TLS_CA}), else the CA the settings keep, else the system trust store.
   */
  public static TlsTrust trust(TlsTrust given, InstanceSettings settings) {
    if (given.caFile() != null || settings == null || settings.tlsCa() == null) {
      return given;
    }
    try {
      return TlsTrust.caFile(Path.of(settings.tlsCa()), "tls_ca in " + SettingsFile.FILE_NAME);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /**
   * The refusal of a start whose options differ from a member's settings: exit 2, each difference
   * named, and how to go on.
   */
  public static CliException refusal(List<String> membersDiffering) {
    return CliException.badInput(
        "the options differ from the settings "
            + (membersDiffering.size() == 1 ? "of " : "of these members:\n  ")
            + String.join("\n  ", membersDiffering)
            + "\nstart without those options to keep the settings (a restart keeps them), or add"
            + " --reconfigure to restart with the new ones (the change is recorded as"
            + " settings_changed)");
  }

  /** One member's line of a refusal: {@code worker-a: executor is echo, ...}. */
  public static String member(String name, List<SettingsRequest.Difference> differences) {
    return name + ": " + SettingsRequest.describe(differences);
  }
}
