package dev.spl.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Lowercase hex and SHA-256 helpers. */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String sha256(byte[] bytes) {
    return HEX.formatHex(sha256Bytes(bytes));
  }

  public static byte[] sha256Bytes(byte[] bytes) {
    return SHA256.get().digest(bytes);
  }

  // One digest per thread (digest() resets it): looking a provider's digest up costs more than
  // hashing a child's thread id, which a page of a million results does once a row.
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java runtime provides SHA-256", e);
            }
          });

  public static String format(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static byte[] parse(String hex) {
    return HEX.parseHex(hex);
  }

  static boolean isLowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
