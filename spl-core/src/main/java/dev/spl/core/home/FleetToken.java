package dev.spl.core.home;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet's bearer token: what a good one is, how a new one is made, and the 0600 file it is kept
 * in. Every request to a daemon that has one must carry {@code Authorization: Bearer <token>}.
 */
public final class FleetToken {
  /** The token file's name in a home. */
  public static final String FILE_NAME = "token";

  /** The environment variable the CLI reads the token from. */
  public static final String VARIABLE = "SPL_TOKEN";

  /** The shortest token accepted, in bytes. */
  public static final int MIN_BYTES = 16;

  private static final int GENERATED_BYTES = 32;

  private FleetToken() {}

  /**
   * Throws {@link IllegalArgumentException} when {@code token} is not at least {@link #MIN_BYTES}
   * bytes of printable ASCII without spaces: a short token can be guessed, and a control character
   * (CR, LF) would end the Authorization header and start another one. The token itself is never
   * part of the message.
   */
  public static void check(String token, String where) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new IllegalArgumentException(
            where
                + ": expected printable ASCII without spaces but found "
                + describe(c)
                + " at position "
                + (i + 1)
                + " of the token");
      }
    }
    if (token.length() < MIN_BYTES) {
      throw new IllegalArgumentException(
          where
              + ": expected a token of at least "
              + MIN_BYTES
              + " bytes but found "
              + token.length()
              + (token.length() == 1 ? " byte" : " bytes")
              + "; a new one: spl fleet start makes one, or: openssl rand -hex 32");
    }
  }

  /** 32 bytes from {@link SecureRandom}, base64url without padding (43 characters). */
  public static String generate() {
    byte[] random = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * Reads the token kept in {@code file}: one line (a final line break is dropped). Refuses a file
   * that users other than its owner may read or write, and a token {@link #check} refuses. Throws
   * {@link IllegalArgumentException} with a message naming the file.
   */
  public static String read(Path file) {
    String content;
    try {
      Optional<String> open = PrivateFiles.openToOthers(file);
      if (open.isPresent()) {
        throw new IllegalArgumentException(
            "token file "
                + file
                + " can be read or changed by other users (permissions "
                + open.get()
                + "); run: chmod 600 "
                + file);
      }
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read token file " + file + ": " + e, e);
    }
    String token = content.endsWith("\r\n") ? content.substring(0, content.length() - 2) : content;
    token = token.endsWith("\n") ? token.substring(0, token.length() - 1) : token;
    check(token, "token file " + file);
    return token;
  }

  /** Reads the token file of {@code home}, if it has one. */
  public static Optional<String> readIfPresent(Path home) {
    Path file = home.resolve(FILE_NAME);
    return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
  }

  /** Keeps {@code token} in {@code file}, 0600, followed by a line break. */
  public static void write(Path file, String token) throws IOException {
    check(token, "token");
    PrivateFiles.write(file, token + "\n");
  }

  /**
   * Removes {@link #VARIABLE} and every variable whose value holds {@code token} (null: only the
   * variable) from {@code env}, the environment of a process about to be started: what a process
   * can read, it can print, and a child's output ends up in records and logs.
   */
  public static void scrub(Map<String, String> env, String token) {
    env.remove(VARIABLE);
    if (token != null && !token.isEmpty()) {
      env.values().removeIf(value -> value.contains(token));
    }
  }

  private static String describe(char c) {
    return switch (c) {
      case '\r' -> "a carriage return (CR)";
      case '\n' -> "a line feed (LF)";
      case '\t' -> "a tab";
      case ' ' -> "a space";
      default ->
          c < 0x20 || c == 0x7f
              ? String.format("the control character U+%04X", (int) c)
              : String.format("the non-ASCII character U+%04X", (int) c);
    };
  }
}
