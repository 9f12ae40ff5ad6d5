package dev.spl.cli.client;

import dev.spl.cli.CliException;
import dev.spl.core.home.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The {@code daemon.pid} file of a home: one decimal pid and a newline, 0600. */
public final class PidFile {
  private PidFile() {}

  public static void write(Path file, long pid) {
    try {
      PrivateFiles.createFolder(file.getParent());
      PrivateFiles.write(file, pid + "\n");
    } catch (IOException e) {
      throw CliException.failure("cannot write the pid file " + file + ": " + e.getMessage());
    }
  }

  /** The pid in the file, or empty when the file is missing or does not hold a number. */
  public static OptionalLong read(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      return text.matches("[0-9]{1,19}")
          ? OptionalLong.of(Long.parseLong(text))
          : OptionalLong.empty();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw CliException.failure("cannot read the pid file " + file + ": " + e.getMessage());
    }
  }

  /** Removes the file if it still names {@code pid}; a newer daemon's file is left alone. */
  public static void removeIfOwned(Path file, long pid) {
    try {
      if (read(file).orElse(-1) == pid) {
        Files.deleteIfExists(file);
      }
    } catch (IOException | CliException e) {
      // A leftover pid file is harmless: readers check that the process is alive.
    }
  }

  public static void remove(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Readers check liveness, so a leftover file only costs a message.
    }
  }
}
