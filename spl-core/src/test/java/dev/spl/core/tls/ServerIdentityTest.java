package dev.spl.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerIdentityTest {
  @TempDir Path dir;

  @Test
  void loadsACertificateAndItsKeyIntoAKeyStore() throws Exception {
    var ca = TestCertificates.authority(dir, "fleet-ca");
    var leaf = ca.issue(dir, "coordinator", "127.0.0.1", "localhost");

    ServerIdentity identity = ServerIdentity.load(leaf.cert(), leaf.key());

    assertThat(identity.subject()).isEqualTo("CN=coordinator");
    X509Certificate stored =
        (X509Certificate) identity.keyStore().getCertificate(ServerIdentity.ALIAS);
    assertThat(stored).isEqualTo(leaf.certificate());
    assertThat(identity.keyStore().getKey(ServerIdentity.ALIAS, identity.password())).isNotNull();
  }

  @Test
  void refusesAKeyOthersCanRead() throws Exception {
    var leaf = TestCertificates.selfSigned(dir, "daemon", "127.0.0.1");
    Files.setPosixFilePermissions(leaf.key(), PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> ServerIdentity.load(leaf.cert(), leaf.key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--tls-key " + leaf.key())
        .hasMessageContaining("rw-r--r--")
        .hasMessageContaining("chmod 600");
  }

  @Test
  void namesTheOlderKeyFormAndHowToConvertIt() throws Exception {
    var leaf = TestCertificates.selfSigned(dir, "daemon", "127.0.0.1");
    Files.writeString(
        leaf.key(), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServerIdentity.load(leaf.cert(), leaf.key()))
        .hasMessageContaining("expected an unencrypted PKCS#8 PEM key")
        .hasMessageContaining("PKCS#1/SEC1")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void refusesACertificateFileWithoutCertificates() throws Exception {
    var leaf = TestCertificates.selfSigned(dir, "daemon", "127.0.0.1");
    Path notACert = dir.resolve("empty.pem");
    Files.writeString(notACert, "hello\n");

    assertThatThrownBy(() -> ServerIdentity.load(notACert, leaf.key()))
        .hasMessageStartingWith("--tls-cert " + notACert + ": expected");
  }

  @Test
  void refusesAMissingFileByName() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> TlsTrust.caFile(missing, "--tls-ca"))
        .hasMessage("--tls-ca " + missing + ": the file does not exist");
  }

  @Test
  void aCaFileIsDescribedByItsPathAndOption() {
    var ca = TestCertificates.authority(dir, "fleet-ca");
    TlsTrust trust = TlsTrust.caFile(ca.pem(), "--tls-ca");
    assertThat(trust.description()).isEqualTo("the CA in " + ca.pem() + " (--tls-ca)");
    assertThat(TlsTrust.system().description()).isEqualTo("the system trust store");
  }
}
