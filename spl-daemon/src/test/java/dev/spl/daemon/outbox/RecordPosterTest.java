package dev.spl.daemon.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordPosterTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path dir;
  private ScriptedServer server;
  private HttpsServer https;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    if (https != null) {
      https.stop(0);
    }
  }

  private static final String CHUNKED =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  private static final String SIZED = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  @Test
  void keepsOneConnectionForSuccessiveRequestsWithTheTokenAndMinimalAnswers() throws Exception {
    server = new ScriptedServer(List.of(CHUNKED, SIZED, CHUNKED));
    try (RecordPoster poster = new RecordPoster("secret", TIMEOUT)) {
      assertThat(poster.post(server.url(), "[1]".getBytes())).isEqualTo(201);
      assertThat(poster.post(server.url(), "[2]".getBytes())).isEqualTo(200);
      assertThat(poster.post(server.url(), "[3]".getBytes())).isEqualTo(201);
    }
    assertThat(server.connections.get()).isEqualTo(1);
    assertThat(server.requests)
        .containsExactly(
            "POST /v1/records HTTP/1.1 [1]",
            "POST /v1/records HTTP/1.1 [2]",
            "POST /v1/records HTTP/1.1 [3]");
    assertThat(server.authorizations).containsOnly("Bearer secret").hasSize(3);
  }

  @Test
  void opensANewConnectionWhenTheServerAsksToCloseOrClosedAnIdleOne() throws Exception {
    server =
        new ScriptedServer(
            List.of(
                "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                SIZED + "CLOSE",
                SIZED));
    try (RecordPoster poster = new RecordPoster(null, TIMEOUT)) {
      assertThat(poster.post(server.url(), "[1]".getBytes())).isEqualTo(201);
      assertThat(poster.post(server.url(), "[2]".getBytes())).isEqualTo(200);
      // The server dropped the connection silently after [2]: the post goes out on a new one.
      assertThat(poster.post(server.url(), "[3]".getBytes())).isEqualTo(200);
    }
    assertThat(server.connections.get()).isEqualTo(3);
    assertThat(server.requests).hasSize(3);
    assertThat(server.authorizations).isEmpty();
  }

  @Test
  void aServerThatIsNotListeningFailsThePost() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    try (RecordPoster poster = new RecordPoster(null, TIMEOUT)) {
      assertThatThrownBy(() -> poster.post("http://127.0.0.1:" + port, new byte[0]))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aClosedPosterFailsWithAnIoError() throws Exception {
    server = new ScriptedServer(List.of(SIZED));
    RecordPoster poster = new RecordPoster(null, TIMEOUT);
    poster.close();
    assertThatThrownBy(() -> poster.post(server.url(), new byte[0]))
        .isInstanceOf(IOException.class);
  }

  @Test
  void postsOverHttpsToAServerItsTrustHolds() throws Exception {
    KeyStore keys = selfSignedKeyStore();
    List<String> received = startHttpsServer(keys);
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, trust.getTrustManagers(), null);

    try (RecordPoster poster = new RecordPoster("secret", TIMEOUT, client)) {
      assertThat(poster.post(httpsUrl(), "[1]".getBytes())).isEqualTo(201);
      assertThat(poster.post(httpsUrl(), "[2]".getBytes())).isEqualTo(201);
    }
    assertThat(received)
        .containsExactly(
            "POST /v1/records Bearer secret [1]", "POST /v1/records Bearer secret [2]");
  }

  @Test
  void refusesAnHttpsServerItsTrustDoesNotHold() throws Exception {
    startHttpsServer(selfSignedKeyStore());
    // The JVM's default trust: the system's certificate authorities, which did not sign this one.
    try (RecordPoster poster = new RecordPoster(null, TIMEOUT)) {
      assertThatThrownBy(() -> poster.post(httpsUrl(), "[1]".getBytes()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  private String httpsUrl() {
    return "https://127.0.0.1:" + https.getAddress().getPort();
  }

  /** An HTTPS server on loopback that answers 201 and notes each request. */
  private List<String> startHttpsServer(KeyStore keys) throws Exception {
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);
    List<String> received = new CopyOnWriteArrayList<>();
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    https.createContext(
        "/v1/records",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            received.add(
                exchange.getRequestMethod()
                    + " "
                    + exchange.getRequestURI()
                    + " "
                    + exchange.getRequestHeaders().getFirst("Authorization")
                    + " "
                    + new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    https.start();
    return received;
  }

  /** A key and a self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
  private KeyStore selfSignedKeyStore() throws Exception {
    Path file = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      keys.load(in, PASSWORD);
    }
    return keys;
  }
}
