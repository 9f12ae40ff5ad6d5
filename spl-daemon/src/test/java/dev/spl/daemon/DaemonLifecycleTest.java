package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.TlsConfig;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonLifecycleTest {
  @TempDir Path dir;

  private DaemonConfig config(Path home) {
    return DaemonConfig.builder(home).port(0).build();
  }

  @Test
  void createsAMissingHomeAndWritesEndpointAndPort() throws IOException {
    Path home = dir.resolve("a/b/home");
    try (Daemon daemon = Daemon.start(config(home))) {
      assertThat(home).isDirectory();
      assertThat(daemon.url()).isEqualTo("http://127.0.0.1:" + daemon.port());
      assertThat(Files.readString(home.resolve("endpoint"))).isEqualTo(daemon.url());
      assertThat(Files.readString(home.resolve("port"))).isEqualTo(Integer.toString(daemon.port()));
      assertThat(Files.readString(home.resolve("daemon.lock")).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
    assertThat(home.resolve("endpoint")).doesNotExist();
  }

  @Test
  void aSecondDaemonOnTheSameHomeIsRefused() {
    try (Daemon first = Daemon.start(config(dir))) {
      assertThatThrownBy(() -> Daemon.start(config(dir)))
          .isInstanceOf(DaemonStartException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("already in use")
          .hasMessageContaining(Long.toString(ProcessHandle.current().pid()));
      assertThat(new Http(first.url()).get("/health").status()).isEqualTo(200);
    }
    try (Daemon again = Daemon.start(config(dir))) {
      assertThat(again.port()).isPositive();
    }
  }

  @Test
  void aHomeThatCannotBeAFolderIsRefusedNamingThePath() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    Path home = file.resolve("home");

    assertThatThrownBy(() -> Daemon.start(config(home)))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining("cannot use home " + home)
        .hasMessageContaining("cannot be created");
  }

  @Test
  void theInstanceDidIsCreatedOnceAndKeptAcrossRestarts() {
    String did;
    try (Daemon daemon = Daemon.start(config(dir))) {
      did = daemon.did();
    }
    assertThat(did).matches("did:sync:instance:[0-9a-f]{16}");
    try (Daemon daemon = Daemon.start(config(dir))) {
      assertThat(daemon.did()).isEqualTo(did);
    }
    try (Daemon other = Daemon.start(config(dir.resolve("other")))) {
      assertThat(other.did()).isNotEqualTo(did);
    }
  }

  @Test
  void aCorruptInstanceFileIsRefusedNamingTheFile() throws IOException {
    Files.writeString(dir.resolve("instance.json"), "{\"did\":\"me\"}");

    assertThatThrownBy(() -> Daemon.start(config(dir)))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining(dir.resolve("instance.json").toString());
    // The failed start released the lock.
    Files.delete(dir.resolve("instance.json"));
    Daemon.start(config(dir)).close();
  }

  @Test
  void bindingBeyondLoopbackRequiresAToken() {
    Path home = dir.resolve("home");
    assertThatThrownBy(() -> Daemon.start(config(home).toBuilder().bindHost("0.0.0.0").build()))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("token");
    assertThat(home).doesNotExist();
    // A token alone is not enough: it would cross the network in clear text.
    DaemonConfig tokenOnly =
        config(home).toBuilder().bindHost("0.0.0.0").token("s3cret-long-enough-token").build();
    assertThatThrownBy(() -> Daemon.checkExposure(tokenOnly))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining("without TLS")
        .hasMessageContaining("--tls-cert FILE --tls-key FILE")
        .hasMessageContaining("--insecure-http");
    // With TLS, or plain HTTP asked for by name, the check passes; the address itself is never
    // bound in tests.
    Daemon.checkExposure(
        tokenOnly.toBuilder()
            .tls(new TlsConfig(home.resolve("cert.pem"), home.resolve("key.pem"), null, false))
            .build());
    Daemon.checkExposure(tokenOnly.toBuilder().tls(new TlsConfig(null, null, null, true)).build());
    Daemon.checkExposure(config(home).toBuilder().bindHost("localhost").build());
  }

  @Test
  void aTokenIsRequiredOnEveryRequestWhenSet() {
    try (Daemon daemon =
        Daemon.start(config(dir).toBuilder().token("s3cret-long-enough-token").build())) {
      HttpApiTest.assertError(
          new Http(daemon.url()).get("/health"), 401, "UNAUTHORIZED", "Authorization: Bearer");
      HttpApiTest.assertError(
          new Http(daemon.url(), "Bearer wrong")
              .post("/v1/records", Records.json(Records.thread("t"), "DO", "a", 1)),
          401,
          "UNAUTHORIZED",
          "not this daemon's token");
      assertThat(daemon.records().count()).isZero();
      Http authorized = new Http(daemon.url(), "Bearer s3cret-long-enough-token");
      assertThat(authorized.get("/health").status()).isEqualTo(200);
      assertThat(
              authorized
                  .post("/v1/records", Records.json(Records.thread("t"), "DO", "a", 1))
                  .status())
          .isEqualTo(201);
    }
  }

  @Test
  void aPortInUseIsRefusedAndReleasesTheHome() {
    try (Daemon first = Daemon.start(config(dir.resolve("one")))) {
      Path home = dir.resolve("two");
      assertThatThrownBy(() -> Daemon.start(config(home).toBuilder().port(first.port()).build()))
          .isInstanceOf(DaemonStartException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + first.port());
      Daemon.start(config(home)).close();
    }
  }

  @Test
  void closeIsIdempotentAndReleasesAwaitShutdown() throws Exception {
    Daemon daemon = Daemon.start(config(dir));
    CompletableFuture<Void> waiter =
        CompletableFuture.runAsync(
            () -> {
              try {
                daemon.awaitShutdown();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(waiter).isNotDone();

    daemon.close();
    daemon.close();

    waiter.get(20, TimeUnit.SECONDS);
    assertThat(accepts(daemon.port())).isFalse();
  }

  @Test
  void closeLetsARequestInFlightFinish() throws Exception {
    Daemon daemon = Daemon.start(config(dir));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    daemon
        .records()
        .writeGate(
            record -> {
              entered.countDown();
              try {
                release.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.empty();
            });
    Http http = new Http(daemon.url());
    CompletableFuture<Http.Response> inFlight =
        CompletableFuture.supplyAsync(
            () -> http.post("/v1/records", Records.json(Records.thread("t"), "DO", "a", 1)));
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(daemon::close);
    Await.until("the listener stops accepting", () -> !accepts(daemon.port()));
    assertThat(closing).isNotDone();
    release.countDown();

    assertThat(inFlight.get(20, TimeUnit.SECONDS).status()).isEqualTo(201);
    closing.get(20, TimeUnit.SECONDS);
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void theDaemonRefusesABadTokenBeforeItStarts() {
    Path home = dir.resolve("refused");
    DaemonConfig config = DaemonConfig.builder(home).port(0).build();

    assertThatThrownBy(() -> config.toBuilder().token("short").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16 bytes");
    assertThatThrownBy(() -> config.toBuilder().token("0123456789abcdef\r\nX-Injected: 1").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("carriage return");
    assertThat(home).doesNotExist();
  }
}
