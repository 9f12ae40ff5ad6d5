package dev.spl.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A CA and certificates made at test time, written as PEM files (keys 0600): no private key is ever
 * kept in the repository. EC P-256 keys, so making them is quick.
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  /** A CA that signs leaf certificates. */
  public record Authority(String name, KeyPair keys, X509Certificate certificate, Path pem) {
    /**
     * A certificate for {@code hosts} (IP addresses or DNS names) valid for a day from now, signed
     * by this CA, written to {@code dir/<name>.pem} and {@code dir/<name>-key.pem}.
     */
    public Leaf issue(Path dir, String name, String... hosts) {
      Instant now = Instant.now();
      return issue(dir, name, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), hosts);
    }

    /**
     * A certificate valid from {@code notBefore} to {@code notAfter} (e.g. one already expired).
     */
    public Leaf issue(Path dir, String name, Instant notBefore, Instant notAfter, String... hosts) {
      KeyPair leafKeys = ecKeys();
      X509Certificate leaf =
          sign(
              keys.getPrivate(),
              new X500Name("CN=" + this.name),
              new X500Name("CN=" + name),
              leafKeys,
              notBefore,
              notAfter,
              false,
              hosts);
      return Leaf.write(dir, name, leaf, List.of(leaf), leafKeys.getPrivate());
    }
  }

  /** A certificate and its key as PEM files. */
  public record Leaf(Path cert, Path key, X509Certificate certificate) {
    static Leaf write(
        Path dir,
        String name,
        X509Certificate certificate,
        List<X509Certificate> chain,
        PrivateKey key) {
      try {
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + "-key.pem");
        StringBuilder certs = new StringBuilder();
        for (X509Certificate c : chain) {
          certs.append(pem(c));
        }
        Files.writeString(certFile, certs);
        Files.deleteIfExists(keyFile);
        Files.createFile(
            keyFile,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringWriter keyText = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(keyText)) {
          writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        Files.writeString(keyFile, keyText.toString());
        return new Leaf(certFile, keyFile, certificate);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private TestCertificates() {}

  /** A new CA named {@code name}, its certificate written to {@code dir/<name>.pem}. */
  public static Authority authority(Path dir, String name) {
    KeyPair keys = ecKeys();
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + name);
    X509Certificate certificate =
        sign(
            keys.getPrivate(),
            subject,
            subject,
            keys,
            now.minus(Duration.ofHours(1)),
            now.plus(Duration.ofDays(30)),
            true);
    Path pem = dir.resolve(name + ".pem");
    try {
      Files.writeString(pem, pem(certificate));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new Authority(name, keys, certificate, pem);
  }

  /** A certificate for {@code hosts} that signs itself: trusted by nobody. */
  public static Leaf selfSigned(Path dir, String name, String... hosts) {
    KeyPair keys = ecKeys();
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + name);
    X509Certificate certificate =
        sign(
            keys.getPrivate(),
            subject,
            subject,
            keys,
            now.minus(Duration.ofHours(1)),
            now.plus(Duration.ofDays(1)),
            false,
            hosts);
    return Leaf.write(dir, name, certificate, List.of(certificate), keys.getPrivate());
  }

  private static X509Certificate sign(
      PrivateKey issuerKey,
      X500Name issuer,
      X500Name subject,
      KeyPair subjectKeys,
      Instant notBefore,
      Instant notAfter,
      boolean ca,
      String... hosts) {
    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              subjectKeys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (ca) {
        builder.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        builder.addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      }
      if (hosts.length > 0) {
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
          boolean ip = host.matches("[0-9.]+") || host.contains(":");
          names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
        }
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(new GeneralName[0])));
      }
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (GeneralSecurityException
        | IOException
        | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ecKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(X509Certificate certificate) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(certificate);
    }
    return out.toString();
  }
}
