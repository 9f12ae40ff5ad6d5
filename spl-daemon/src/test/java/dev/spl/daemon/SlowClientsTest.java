package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that never finish their request hold a connection, not a thread: the daemon keeps
 * answering everyone else, and a body that stops short of its Content-Length is answered 408 once
 * the request's idle timeout passes.
 */
class SlowClientsTest {
  private static final String T1 = Records.thread("slow");
  private static final int SLOW_CONNECTIONS = 1000;

  @TempDir Path home;
  private Daemon daemon;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
  }

  @AfterEach
  void stop() {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    daemon.close();
  }

  private Socket open() throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), daemon.port()), 20_000);
    socket.setSoTimeout(20_000);
    return socket;
  }

  private String head(int contentLength) {
    return "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1:"
        + daemon.port()
        + "\r\nContent-Type: application/json\r\nContent-Length: "
        + contentLength
        + "\r\n\r\n";
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Test
  void aBodyShorterThanItsContentLengthIsAnswered408AndStoresNothing() throws Exception {
    String record = Records.json(T1, "INTEND", "task", 1);
    Socket socket = open();
    send(socket, head(record.length() + 100) + record);

    RawHttp.Response response = RequestGuardTest.readOne(socket.getInputStream());

    RequestGuardTest.assertError(
        response, 408, "REQUEST_TIMEOUT", record.length() + " of the " + (record.length() + 100));
    assertThat(response.header("Connection")).isEqualTo("close");
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aThousandSlowConnectionsDoNotStarveHealthOrWrites() throws Exception {
    String partialHead = head(500).substring(0, 40);
    String shortBody = head(1000) + "{\"thread\":\"" + T1;
    List<Socket> shortBodies = new ArrayList<>();
    for (int i = 0; i < SLOW_CONNECTIONS; i++) {
      Socket socket = open();
      if (i % 2 == 0) {
        send(socket, partialHead);
      } else {
        send(socket, shortBody);
        shortBodies.add(socket);
      }
    }

    Http http = new Http(daemon.url());
    Http.Response health = http.get("/health");
    assertThat(health.status()).isEqualTo(200);
    Http.Response written = http.post("/v1/records", Records.json(T1, "INTEND", "task", 1));
    assertThat(written.status()).as(written.text()).isEqualTo(201);

    for (Socket socket : shortBodies) {
      RawHttp.Response response = RequestGuardTest.readOne(socket.getInputStream());
      assertThat(response.status()).as(response.body()).isEqualTo(408);
    }
    assertThat(daemon.records().count()).isEqualTo(1);
  }
}
