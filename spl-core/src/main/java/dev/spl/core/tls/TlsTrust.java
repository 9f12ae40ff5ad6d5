package dev.spl.core.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom a client (the CLI, a daemon's outbox and heartbeats) trusts when it talks HTTPS to a daemon:
 * the CA certificates of a PEM file ({@code --tls-ca}), or the JVM's trust store. Host names are
 * always checked against the certificate. {@link #describeFailure} turns a failed handshake into a
 * sentence naming the daemon and the trust used.
 */
public final class TlsTrust {
  private final Path caFile;
  private final String description;
  private SSLContext context; // guarded by this

  private TlsTrust(Path caFile, String description, SSLContext context) {
    this.caFile = caFile;
    this.description = description;
    this.context = context;
  }

  /** The JVM's trust store ({@code javax.net.ssl.trustStore}, else the JDK's {@code cacerts}). */
  public static TlsTrust system() {
    return new TlsTrust(null, "the system trust store", null);
  }

  /** The CA certificates in {@code file} and nothing else; {@code option} names it in errors. */
  public static TlsTrust caFile(Path file, String option) {
    List<X509Certificate> certificates = PemFiles.certificates(file, option);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < certificates.size(); i++) {
        store.setCertificateEntry("ca-" + i, certificates.get(i));
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), new SecureRandom());
      return new TlsTrust(file, "the CA in " + file + " (" + option + ")", context);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": cannot use its certificates as CAs: " + e.getMessage(), e);
    }
  }

  /** {@code file} when given, else the system trust store. */
  public static TlsTrust of(Path file, String option) {
    return file == null ? system() : caFile(file, option);
  }

  /** The CA file, or null for the system trust store. */
  public Path caFile() {
    return caFile;
  }

  /** What is trusted, for messages: {@code the CA in /etc/spl/ca.pem (--tls-ca)}. */
  public String description() {
    return description;
  }

  /**
   * The TLS context, built on first use for the system trust store: loading it costs a few hundred
   * milliseconds that a plain-HTTP client need not pay.
   */
  public synchronized SSLContext sslContext() throws SSLException {
    if (context == null) {
      try {
        context = SSLContext.getDefault();
      } catch (NoSuchAlgorithmException e) {
        throw new SSLException("TLS is not available in this JVM: " + e.getMessage(), e);
      }
    }
    return context;
  }

  /**
   * A sentence for a failure of a TLS connection to {@code target} (a URL or host:port), or empty
   * when {@code failure} is no TLS failure. It says why the certificate was refused (expired, not
   * yet valid, issued for another host, not signed by a trusted CA) and what was trusted.
   */
  public Optional<String> describeFailure(String target, Throwable failure) {
    List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable e = failure; e != null && !chain.contains(e); e = e.getCause()) {
      chain.add(e);
    }
    boolean tls = chain.stream().anyMatch(e -> e instanceof SSLException);
    String reason = null;
    // The most specific cause wins: an expired certificate also fails its path validation.
    for (Throwable e : chain) {
      if (e instanceof CertificateExpiredException) {
        reason = "its certificate has expired (" + e.getMessage() + ")";
      } else if (e instanceof CertificateNotYetValidException) {
        reason = "its certificate is not valid yet (" + e.getMessage() + ")";
      }
    }
    for (int i = 0; i < chain.size() && reason == null; i++) {
      Throwable e = chain.get(i);
      String message = e.getMessage() == null ? "" : e.getMessage();
      String lower = message.toLowerCase(Locale.ROOT);
      if (e instanceof SSLPeerUnverifiedException
          || lower.contains("no subject alternative")
          || lower.contains("no name matching")
          || lower.contains("doesn't match any of the subject alternative names")) {
        reason = "its certificate was issued for another host name (" + message + ")";
      }
    }
    for (int i = 0; i < chain.size() && reason == null; i++) {
      Throwable e = chain.get(i);
      String message = e.getMessage() == null ? "" : e.getMessage();
      if (e instanceof CertPathBuilderException
          || message.toLowerCase(Locale.ROOT).contains("unable to find valid certification path")) {
        reason =
            "its certificate is not signed by a CA this client trusts (self-signed, or signed"
                + " by another CA)";
      } else if (e instanceof CertPathValidatorException validator) {
        reason =
            "its certificate chain did not validate ("
                + validator.getReason()
                + ": "
                + message
                + ")";
      }
    }
    if (!tls) {
      return Optional.empty();
    }
    if (reason == null) {
      reason = "the TLS handshake failed (" + rootMessage(failure) + ")";
    }
    return Optional.of(
        "TLS: cannot trust "
            + target
            + ": "
            + reason
            + "; checked against "
            + description
            + (caFile == null ? "; name the fleet's CA with --tls-ca FILE" : ""));
  }

  static char[] randomPassword() {
    SecureRandom random = new SecureRandom();
    char[] password = new char[24];
    for (int i = 0; i < password.length; i++) {
      password[i] = (char) ('a' + random.nextInt(26));
    }
    return password;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  @Override
  public String toString() {
    return description;
  }
}
