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
 * Ed25519 (RFC 8032). Keys are generated, stored and parsed through the JDK's JCA provider; signing
 * and verifying use Bouncy Castle's RFC 8032 implementation on the raw key bytes, which gives the
 * same signatures (Ed25519 is deterministic) at a small fraction of the JDK 17 provider's CPU: a
 * signature per envelope sent and a check per envelope received are most of a daemon's CPU per
 * child otherwise. Public keys travel as {@code ed25519:} followed by the 32 raw key bytes in
 * unpadded base64url; signatures as the 64 raw signature bytes in unpadded base64url.
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
    SigningKey raw = signingKey(key);
    if (raw != null) {
      byte[] signature = new byte[SIGNATURE_BYTES];
      org.bouncycastle.math.ec.rfc8032.Ed25519.sign(
          raw.seed(), 0, raw.publicKey(), 0, message, 0, message.length, signature, 0);
      return ENCODER.encodeToString(signature);
    }
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
    byte[] encoded = rawVerifyingKey(key);
    if (encoded != null) {
      return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
          raw, 0, encoded, X509_HEADER.length, message, 0, message.length);
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

  /**
   * The key's X.509 encoding when it is an Ed25519 key (its DER header names the Ed25519 OID), so
   * that Bouncy Castle verifies it; null for any other key. The header, not {@link
   * PublicKey#getAlgorithm}, decides: the JDK names its Ed25519 keys "EdDSA".
   */
  static byte[] rawVerifyingKey(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded != null
        && encoded.length == X509_HEADER.length + KEY_BYTES
        && Arrays.equals(encoded, 0, X509_HEADER.length, X509_HEADER, 0, X509_HEADER.length)) {
      return encoded;
    }
    return null;
  }

  /** A private key's 32-byte seed and the public key it derives, computed once per key. */
  private record SigningKey(PrivateKey key, byte[] seed, byte[] publicKey) {}

  // A daemon signs with one key: the last one used is kept, so a signature derives nothing.
  private static volatile SigningKey lastSigningKey;

  /** The raw form of an Ed25519 private key, or null for a key the JDK cannot export as a seed. */
  private static SigningKey signingKey(PrivateKey key) {
    SigningKey last = lastSigningKey;
    if (last != null && last.key() == key) {
      return last;
    }
    if (!(key instanceof java.security.interfaces.EdECPrivateKey edec)
        || !ALGORITHM.equalsIgnoreCase(edec.getParams().getName())) {
      return null;
    }
    byte[] seed = edec.getBytes().orElse(null);
    if (seed == null || seed.length != KEY_BYTES) {
      return null;
    }
    byte[] publicKey = new byte[KEY_BYTES];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, publicKey, 0);
    SigningKey made = new SigningKey(key, seed, publicKey);
    lastSigningKey = made;
    return made;
  }

  private static String abbreviate(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }
}
