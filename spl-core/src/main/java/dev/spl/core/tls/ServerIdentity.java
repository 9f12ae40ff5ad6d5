package dev.spl.core.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * A daemon's TLS identity: its certificate chain and private key from PEM files, as a key store
 * that a TLS server (Jetty's) takes.
 *
 * @param keyStore an in-memory PKCS#12 store holding one key entry
 * @param password the password of that store and its entry (random: it never leaves the process)
 * @param certificate the daemon's own certificate, for logs and checks
 */
public record ServerIdentity(KeyStore keyStore, char[] password, X509Certificate certificate) {
  static final String ALIAS = "spl";

  /**
   * Reads {@code certFile} ({@code --tls-cert}: the daemon's certificate, then its chain) and
   * {@code keyFile} ({@code --tls-key}), and checks that the key belongs to the certificate.
   */
  public static ServerIdentity load(Path certFile, Path keyFile) {
    List<X509Certificate> chain = PemFiles.certificates(certFile, "--tls-cert");
    PrivateKey key = PemFiles.privateKey(keyFile, "--tls-key");
    X509Certificate own = chain.get(0);
    if (!own.getPublicKey().getAlgorithm().equals(key.getAlgorithm())
        && !(isEdDsa(own.getPublicKey().getAlgorithm()) && isEdDsa(key.getAlgorithm()))) {
      throw new IllegalArgumentException(
          "--tls-key "
              + keyFile
              + ": expected the private key of the certificate in "
              + certFile
              + " ("
              + own.getPublicKey().getAlgorithm()
              + ") but found a "
              + key.getAlgorithm()
              + " key");
    }
    char[] password = TlsTrust.randomPassword();
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password, chain.toArray(new X509Certificate[0]));
      return new ServerIdentity(store, password, own);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException(
          "--tls-key "
              + keyFile
              + ": the key does not go with the certificate in "
              + certFile
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static boolean isEdDsa(String algorithm) {
    return algorithm.equals("EdDSA") || algorithm.equals("Ed25519");
  }

  /** The subject of the daemon's certificate, for the start-up log. */
  public String subject() {
    return certificate.getSubjectX500Principal().getName();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ServerIdentity that
        && certificate.equals(that.certificate)
        && Arrays.equals(password, that.password);
  }

  @Override
  public int hashCode() {
    return certificate.hashCode();
  }

  @Override
  public String toString() {
    return "ServerIdentity[" + subject() + "]";
  }
}
