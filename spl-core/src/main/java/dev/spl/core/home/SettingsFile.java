package dev.spl.core.home;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.fleet.InstanceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A daemon's settings in its home ({@value #FILE_NAME}, 0600): written by the daemon each time it
 * starts, read by the next start (and by {@code spl} before it starts one) so that a start without
 * options runs as the last one did.
 */
public final class SettingsFile {
  public static final String FILE_NAME = "settings.json";

  private SettingsFile() {}

  public static Path of(Path home) {
    return home.resolve(FILE_NAME);
  }

  /**
   * The settings kept in {@code home}; empty when it has none yet. Throws {@link
   * IllegalArgumentException} naming the file and the field when the file cannot be read or is not
   * settings.
   */
  public static Optional<InstanceSettings> read(Path home) {
    Path file = of(home);
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode node;
    try {
      node = Json.parse(content);
    } catch (MalformedJsonException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(
          file + ": expected the settings as a JSON object but found " + node.getNodeType());
    }
    try {
      return Optional.of(InstanceSettings.fromJson(object, ""));
    } catch (InvalidRecordException e) {
      throw new IllegalArgumentException(
          file + ": " + e.getMessage() + " (fix or delete the file; it is written again at start)",
          e);
    }
  }

  /** Writes {@code settings} into {@code home} atomically, 0600. */
  public static void write(Path home, InstanceSettings settings) throws IOException {
    PrivateFiles.write(
        of(home),
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(settings.toJson()) + "\n");
  }
}
