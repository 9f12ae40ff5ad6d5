package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.home.FleetToken;
import dev.spl.core.tls.TlsTrust;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.config.TlsConfig;
import dev.spl.daemon.outbox.RecordPoster;
import dev.spl.testing.Await;
import dev.spl.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daemons that serve HTTPS with certificates of a CA made for the test, and the refusals a client
 * gives for a certificate it must not trust: each names the daemon and the CA it checked against.
 */
class TlsFleetTest {
  private static final String TOKEN = FleetToken.generate();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @RegisterExtension final TestFleet fleet = TestFleet.requiringToken(TOKEN);
  @TempDir Path dir;
  private TestCertificates.Authority ca;

  @BeforeEach
  void makeCa() throws Exception {
    Files.createDirectories(dir.resolve("pki"));
    ca = TestCertificates.authority(dir.resolve("pki"), "fleet-ca");
  }

  private TlsConfig tls(TestCertificates.Leaf leaf) {
    return new TlsConfig(leaf.cert(), leaf.key(), ca.pem(), false);
  }

  private Daemon coordinatorWith(TestCertificates.Leaf leaf) {
    return fleet.start(
        FleetTestSupport.coordinatorConfig(fleet.home("coordinator")).toBuilder()
            .tls(tls(leaf))
            .build());
  }

  @Test
  void aFanOutRunsAcrossDaemonsThatSpeakOnlyHttps() {
    Daemon coordinator =
        coordinatorWith(ca.issue(dir.resolve("pki"), "coordinator", "127.0.0.1", "localhost"));
    Daemon worker =
        fleet.start(
            fleet
                .config("worker-a")
                .tls(tls(ca.issue(dir.resolve("pki"), "worker-a", "127.0.0.1")))
                .fleet(
                    FleetSettings.builder()
                        .worker("worker-a", coordinator.url())
                        .heartbeatInterval(FleetTestSupport.INTERVAL)
                        .build())
                .build());
    assertThat(coordinator.url()).startsWith("https://127.0.0.1:");
    assertThat(worker.url()).startsWith("https://127.0.0.1:");
    Await.until(
        "the worker registers over HTTPS",
        () ->
            coordinator.fleetRegistry().orElseThrow().instances().stream()
                .anyMatch(
                    i -> i.role().wire().equals("worker") && i.status().wire().equals("live")));

    String thread = ThreadIds.derive("task", "tls-fleet");
    List<Record> records =
        FleetTestSupport.fanoutRecords(
            thread, "docs", "all", List.of("{\"goal\":\"a\"}", "{\"goal\":\"b\"}"));
    coordinator.records().appendAll(records);

    // The children reach the worker and their results come back, both through HTTPS outboxes.
    Await.until(
        "the join completed",
        () ->
            !FleetTestSupport.query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, null)
                .isEmpty());
    StoredRecord join =
        FleetTestSupport.query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, null).get(0);
    assertThat(join.record().body().path("verdict").asText()).isEqualTo("accept");
  }

  @Test
  void aPlainHttpClientGetsNoAnswerFromAnHttpsDaemon() throws Exception {
    Daemon coordinator = coordinatorWith(ca.issue(dir.resolve("pki"), "coordinator", "127.0.0.1"));
    try (RecordPoster poster = new RecordPoster(TOKEN, TIMEOUT, TlsTrust.caFile(ca.pem(), "ca"))) {
      String plain = coordinator.url().replace("https://", "http://");
      assertThatThrownBy(() -> poster.post(plain, "[]".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(java.io.IOException.class);
      // The same daemon over HTTPS, with the CA that signed it: an answer (400: an empty batch).
      assertThat(poster.post(coordinator.url(), "[]".getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(400);
    }
  }

  @Test
  void aCertificateNoTrustedCaSignedIsRefusedNamingTheTrustUsed() {
    Daemon coordinator =
        coordinatorWith(TestCertificates.selfSigned(dir.resolve("pki"), "rogue", "127.0.0.1"));
    try (RecordPoster poster =
        new RecordPoster(TOKEN, TIMEOUT, TlsTrust.caFile(ca.pem(), "--tls-ca"))) {
      assertThatThrownBy(() -> poster.post(coordinator.url(), "[]".getBytes()))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageStartingWith("TLS: cannot trust " + coordinator.url())
          .hasMessageContaining("not signed by a CA this client trusts")
          .hasMessageContaining("checked against the CA in " + ca.pem() + " (--tls-ca)");
    }
    try (RecordPoster poster = new RecordPoster(TOKEN, TIMEOUT)) {
      assertThatThrownBy(() -> poster.post(coordinator.url(), "[]".getBytes()))
          .hasMessageContaining("checked against the system trust store")
          .hasMessageContaining("--tls-ca FILE");
    }
  }

  @Test
  void anExpiredCertificateIsRefusedAsExpired() {
    Instant now = Instant.now();
    Daemon coordinator =
        coordinatorWith(
            ca.issue(
                dir.resolve("pki"),
                "expired",
                now.minus(Duration.ofDays(3)),
                now.minus(Duration.ofDays(1)),
                "127.0.0.1"));
    try (RecordPoster poster =
        new RecordPoster(TOKEN, TIMEOUT, TlsTrust.caFile(ca.pem(), "--tls-ca"))) {
      assertThatThrownBy(() -> poster.post(coordinator.url(), "[]".getBytes()))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining(coordinator.url())
          .hasMessageContaining("has expired");
    }
  }

  @Test
  void aCertificateForAnotherHostIsRefusedNamingTheMismatch() {
    Daemon coordinator =
        coordinatorWith(ca.issue(dir.resolve("pki"), "elsewhere", "other.example"));
    try (RecordPoster poster =
        new RecordPoster(TOKEN, TIMEOUT, TlsTrust.caFile(ca.pem(), "--tls-ca"))) {
      assertThatThrownBy(() -> poster.post(coordinator.url(), "[]".getBytes()))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining(coordinator.url())
          .hasMessageContaining("issued for another host name");
    }
  }

  @Test
  void aRecordOrHeartbeatWithoutTheTokenIsRefused() throws Exception {
    Daemon coordinator = coordinatorWith(ca.issue(dir.resolve("pki"), "coordinator", "127.0.0.1"));
    try (RecordPoster poster = new RecordPoster(null, TIMEOUT, TlsTrust.caFile(ca.pem(), "ca"));
        RecordPoster wrong =
            new RecordPoster(FleetToken.generate(), TIMEOUT, TlsTrust.caFile(ca.pem(), "ca"))) {
      assertThat(poster.post(coordinator.url(), "[]".getBytes())).isEqualTo(401);
      assertThat(wrong.post(coordinator.url(), "[]".getBytes())).isEqualTo(401);
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesOrAMissingFileStopsTheStartWithItsName() throws Exception {
    var one = ca.issue(dir.resolve("pki"), "one", "127.0.0.1");
    Path home = dir.resolve("bad");
    assertThatThrownBy(
            () ->
                Daemon.start(
                    FleetTestSupport.coordinatorConfig(home).toBuilder()
                        .tls(new TlsConfig(one.cert(), dir.resolve("nope.pem"), null, false))
                        .build()))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining("--tls-key " + dir.resolve("nope.pem"))
        .hasMessageContaining("does not exist");
    assertThat(home).doesNotExist();
  }
}
