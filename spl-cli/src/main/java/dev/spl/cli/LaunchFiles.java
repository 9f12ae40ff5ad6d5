package dev.spl.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes, at build time, what the launcher ({@code scripts/spl}) must know of the command line
 * before any Java runs: the global options that take a value, one a line. The launcher skips them
 * with their values to find the command name, which decides the class path and JVM options; read
 * from the picocli model here, the list cannot drift from the options {@code spl} accepts.
 *
 * <p>{@code java -cp CLASSES dev.spl.cli.LaunchFiles FILE}
 */
public final class LaunchFiles {
  private LaunchFiles() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException(
          "usage: LaunchFiles FILE (expected 1 argument but found " + args.length + ")");
    }
    writeValueOptions(Path.of(args[0]));
  }

  static void writeValueOptions(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    Files.write(temp, GlobalOptions.names().takingAValue(), StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
