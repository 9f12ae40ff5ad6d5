package dev.spl.core.home;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.auth.Ed25519;
import dev.spl.core.auth.InstanceKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Optional;

/**
 * A daemon's key pair in its home: {@code instance.key}, 0600, holding {@code {"did":...,
 * "public_key":"ed25519:...", "private_key":"<PKCS#8, base64url>"}}.
 */
public final class KeyFile {
  public static final String FILE_NAME = "instance.key";

  private KeyFile() {}

  public static Path of(Path home) {
    return home.resolve(FILE_NAME);
  }

  /**
   * The key kept in {@code home}, or empty when there is none. Throws {@link
   * IllegalArgumentException} naming the file when it does not hold a usable key.
   */
  public static Optional<InstanceKey> read(Path home) throws IOException {
    Path file = of(home);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    PrivateFiles.restrictFile(file);
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": expected a key file in JSON but it does not parse");
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
    try {
      String did = node.path("did").asText(null);
      PublicKey publicKey = Ed25519.parsePublicKey(node.path("public_key").asText(null));
      return Optional.of(
          new InstanceKey(
              did, publicKey, Ed25519.parsePrivateKey(node.path("private_key").asText(""))));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code key} to {@code home} (0600, atomically). */
  public static void write(Path home, InstanceKey key) throws IOException {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("did", key.did());
    node.put("public_key", key.publicKeyText());
    node.put("private_key", Ed25519.privateKeyText(key.privateKey()));
    PrivateFiles.write(of(home), node.toString() + "\n");
  }
}
