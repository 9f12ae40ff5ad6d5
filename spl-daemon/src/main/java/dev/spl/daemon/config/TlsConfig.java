package dev.spl.daemon.config;

import dev.spl.core.tls.ServerIdentity;
import dev.spl.core.tls.TlsTrust;
import java.nio.file.Path;

/**
 * How a daemon speaks TLS. The files are given at every start (like the token file) and read then;
 * they are not kept in the home's settings.
 *
 * @param certFile {@code --tls-cert}: the daemon's certificate (then its chain), PEM; with {@code
 *     keyFile} the daemon serves HTTPS
 * @param keyFile {@code --tls-key}: its private key, unencrypted PKCS#8 PEM, 0600
 * @param caFile {@code --tls-ca}: the CA certificates (PEM) the daemon trusts when it posts to
 *     other daemons (outbox, heartbeats, probes); null: the system trust store
 * @param insecureHttp {@code --insecure-http}: serve plain HTTP on an address other than loopback,
 *     where the token would travel in clear text
 */
public record TlsConfig(Path certFile, Path keyFile, Path caFile, boolean insecureHttp) {
  public static final TlsConfig NONE = new TlsConfig(null, null, null, false);

  public TlsConfig {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          certFile == null
              ? "--tls-key: given without --tls-cert; give both to serve HTTPS"
              : "--tls-cert: given without --tls-key; give both to serve HTTPS");
    }
    if (insecureHttp && certFile != null) {
      throw new IllegalArgumentException(
          "--insecure-http: given with --tls-cert, but a daemon serves either HTTPS or plain HTTP;"
              + " drop one");
    }
  }

  /** Whether the daemon serves HTTPS. */
  public boolean serves() {
    return certFile != null;
  }

  /** The daemon's certificate and key; only when {@link #serves()}. */
  public ServerIdentity identity() {
    return ServerIdentity.load(certFile, keyFile);
  }

  /** Whom the daemon's own requests to other daemons trust. */
  public TlsTrust trust() {
    return TlsTrust.of(caFile, "--tls-ca");
  }
}
