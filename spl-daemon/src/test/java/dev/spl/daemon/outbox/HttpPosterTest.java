package dev.spl.daemon.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpPosterTest {
  /**
   * A loopback server that answers each request with the next of its scripted answers; an answer
   * ending in "CLOSE" closes the connection right after it without saying so.
   */
  static final class ScriptedServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> answers;
    private final AtomicInteger next = new AtomicInteger();
    private final Thread thread;

    ScriptedServer(List<String> answers) throws IOException {
      this.answers = answers;
      this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.thread = new Thread(this::serve, "scripted-server");
      this.thread.setDaemon(true);
      this.thread.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket connection = socket.accept()) {
          connections.incrementAndGet();
          BufferedReader in =
              new BufferedReader(
                  new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
          OutputStream out = connection.getOutputStream();
          while (true) {
            String requestLine = in.readLine();
            if (requestLine == null) {
              break;
            }
            int length = 0;
            for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
              if (line.toLowerCase().startsWith("authorization:")) {
                authorizations.add(line.substring(14).trim());
              }
              if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
              }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
              read += in.read(body, read, length - read);
            }
            requests.add(requestLine + " " + new String(body));
            String answer = answers.get(Math.min(next.getAndIncrement(), answers.size() - 1));
            boolean close = answer.endsWith("CLOSE");
            out.write(
                answer
                    .substring(0, close ? answer.length() - 5 : answer.length())
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (close) {
              break;
            }
          }
        } catch (IOException e) {
          // The test closed the server, or the client went away: accept the next connection.
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private ScriptedServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private static final String CHUNKED =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\n\r\n";
  private static final String SIZED = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  @Test
  void keepsOneConnectionForSuccessiveRequestsAndReadsChunkedAndSizedAnswers() throws Exception {
    server = new ScriptedServer(List.of(CHUNKED, SIZED, CHUNKED));
    try (HttpPoster poster = new HttpPoster("secret")) {
      assertThat(poster.post(server.url(), "/v1/records", "[1]".getBytes())).isEqualTo(201);
      assertThat(poster.post(server.url(), "/v1/records", "[2]".getBytes())).isEqualTo(200);
      assertThat(poster.post(server.url(), "/v1/records", "[3]".getBytes())).isEqualTo(201);
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
    try (HttpPoster poster = new HttpPoster(null)) {
      assertThat(poster.post(server.url(), "/v1/records", "[1]".getBytes())).isEqualTo(201);
      assertThat(poster.post(server.url(), "/v1/records", "[2]".getBytes())).isEqualTo(200);
      // The server dropped the connection silently after [2]: the post is retried on a new one.
      assertThat(poster.post(server.url(), "/v1/records", "[3]".getBytes())).isEqualTo(200);
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
    try (HttpPoster poster = new HttpPoster(null)) {
      assertThatThrownBy(() -> poster.post("http://127.0.0.1:" + port, "/v1/records", new byte[0]))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void takesOnlyPlainHttpUrls() {
    assertThat(HttpPoster.supports("http://127.0.0.1:9100")).isTrue();
    assertThat(HttpPoster.supports("HTTP://127.0.0.1:9100")).isTrue();
    assertThat(HttpPoster.supports("https://example.test")).isFalse();
  }
}
