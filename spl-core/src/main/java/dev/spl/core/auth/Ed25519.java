package dev.spl.core.auth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 through the JDK's own JCA provider (no extra dependency). Public keys travel as {@code
 * ed25519:} followed by the 32 raw key bytes in unpadded base64url; signatures as the 64 raw
 * signature bytes in unpadded base64url.
 */
public final class Ed25519 {
  public static final String PREFIX = "ed25519:";
  private static final String ALGORITHM = "Ed25519";
  // The DER header of an Ed25519 SubjectPublicKeyInfo: what precedes the 32 raw key bytes.
  private static final byte[] X509_HEADER = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };
  private static final int KEY_BYTES = 32;
  private static final int SIGNATURE_BYTES = 64;
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Ed25519() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519 (Java 15 and later have it)", e);
    }
  }

  /** The 32 raw bytes of a public key. */
  public static byte[] rawPublic(PublicKey key) {
    byte[] encoded = key.getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - KEY_BYTES, encoded.length);
  }

  /** {@code ed25519:<base64url of the 32 raw bytes>}. */
  public static String publicKeyText(PublicKey key) {
    return PREFIX + ENCODER.encodeToString(rawPublic(key));
  }

  /**
   * Reads a public key written by {@link #publicKeyText}; throws {@link IllegalArgumentException}
   * saying what was expected and found.
   */
  public static PublicKey parsePublicKey(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "expected a public key 'ed25519:<base64url>' but found "
              + (text == null ? "nothing" : "'" + abbreviate(text) + "'"));
    }
    byte[] raw;
    try {
      raw = DECODER.decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expected a public key 'ed25519:<base64url>' but the key part of '"
              + abbreviate(text)
              + "' is not base64url");
    }
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "expected an Ed25519 public key of " + KEY_BYTES + " bytes but found " + raw.length);
    }
    byte[] encoded = Arrays.copyOf(X509_HEADER, X509_HEADER.length + KEY_BYTES);
    System.arraycopy(raw, 0, encoded, X509_HEADER.length, KEY_BYTES);
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  /** The private key's PKCS#8 encoding in base64url, as a key file keeps it. */
  public static String privateKeyText(PrivateKey key) {
    return ENCODER.encodeToString(key.getEncoded());
  }

  public static PrivateKey parsePrivateKey(String text) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePrivate(new PKCS8EncodedKeySpec(DECODER.decode(text)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expected an Ed25519 private key (PKCS#8, base64url) but it does not parse: "
              + e.getMessage(),
          e);
    }
  }

  /** The signature of {@code message}, in base64url. */
  public static String sign(PrivateKey key, byte[] message) {
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initSign(key);
      signature.update(message);
      return ENCODER.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing with Ed25519 failed", e);
    }
  }

  /** Whether {@code signature} (base64url) is {@code key}'s signature of {@code message}. */
  public static boolean verify(PublicKey key, byte[] message, String signature) {
    byte[] raw;
    try {
      raw = DECODER.decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (raw.length != SIGNATURE_BYTES) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(raw);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }
}
