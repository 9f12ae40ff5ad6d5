package dev.spl.core.tls;

import dev.spl.core.home.PrivateFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Reads PEM files with the JDK alone: certificates through {@link CertificateFactory} (which reads
 * PEM itself) and unencrypted PKCS#8 private keys ({@code BEGIN PRIVATE KEY}) of the RSA, EC and
 * Ed25519 kinds. Errors name the file and say what was expected and found; an {@link
 * IllegalArgumentException} carries them.
 */
public final class PemFiles {
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "EdDSA");

  private PemFiles() {}

  /** The certificates of {@code file} in order (a server's own first, then its chain). */
  public static List<X509Certificate> certificates(Path file, String option) {
    byte[] bytes = read(file, option);
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var certificate : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
        certificates.add((X509Certificate) certificate);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + ": expected PEM certificates (-----BEGIN CERTIFICATE-----) but the file could not"
              + " be read as such: "
              + e.getMessage(),
          e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + ": expected at least one PEM certificate (-----BEGIN CERTIFICATE-----) but found"
              + " none");
    }
    return certificates;
  }

  /**
   * The private key of {@code file}: PKCS#8, unencrypted, readable by its owner only (like the
   * token file, a key others can read is refused).
   */
  public static PrivateKey privateKey(Path file, String option) {
    try {
      Optional<String> open = PrivateFiles.openToOthers(file);
      if (open.isPresent()) {
        throw new IllegalArgumentException(
            option
                + " "
                + file
                + ": the private key can be read or changed by other users (permissions "
                + open.get()
                + "); run: chmod 600 "
                + file);
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(option + " " + file + ": the file does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + file + ": cannot read it: " + e, e);
    }
    String text = new String(read(file, option), StandardCharsets.US_ASCII);
    int begin = text.indexOf(KEY_BEGIN);
    int end = text.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      String found =
          text.contains("-----BEGIN RSA PRIVATE KEY-----")
                  || text.contains("-----BEGIN EC PRIVATE KEY-----")
              ? "a key in the older PKCS#1/SEC1 form"
              : text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
                  ? "an encrypted key"
                  : "no private key";
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + ": expected an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----) but found "
              + found
              + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in "
              + file
              + " -out key.pem");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": the PEM key is not valid base64: " + e.getMessage(), e);
    }
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException wrongKind) {
        // Try the next kind.
      }
    }
    throw new IllegalArgumentException(
        option
            + " "
            + file
            + ": expected an RSA, EC or Ed25519 private key but the PKCS#8 key is none of them");
  }

  private static byte[] read(Path file, String option) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(option + " " + file + ": the file does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + file + ": cannot read it: " + e, e);
    }
  }
}
