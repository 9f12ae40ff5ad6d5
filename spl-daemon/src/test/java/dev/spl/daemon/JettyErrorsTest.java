package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests Jetty refuses before they reach the routes still get spl's JSON error envelope. */
class JettyErrorsTest {
  @TempDir static Path home;
  private static Daemon daemon;

  @BeforeAll
  static void start() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
  }

  @AfterAll
  static void stop() {
    daemon.close();
  }

  static Stream<Arguments> badRequests() {
    String host = "Host: 127.0.0.1:{port}";
    return Stream.of(
        Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400, "BAD_HTTP_REQUEST"),
        Arguments.of(
            "bad percent-encoding",
            "GET /v1/records/%zz HTTP/1.1\r\n" + host + "\r\nConnection: close\r\n\r\n",
            400,
            "BAD_HTTP_REQUEST"),
        Arguments.of(
            "control character in the URI",
            "GET /v1/\u0001records HTTP/1.1\r\n" + host + "\r\nConnection: close\r\n\r\n",
            400,
            "BAD_HTTP_REQUEST"),
        Arguments.of(
            "header line without a colon",
            "GET /health HTTP/1.1\r\n" + host + "\r\nno colon here\r\n\r\n",
            400,
            "BAD_HTTP_REQUEST"),
        Arguments.of(
            "bad Content-Length",
            "POST /v1/records HTTP/1.1\r\n"
                + host
                + "\r\nContent-Type: application/json\r\nContent-Length: ten\r\n\r\n",
            400,
            "BAD_HTTP_REQUEST"),
        Arguments.of(
            "Content-Length and chunked together",
            "POST /v1/records HTTP/1.1\r\n"
                + host
                + "\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "BAD_HTTP_REQUEST"),
        Arguments.of(
            "URI too long",
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n" + host + "\r\n\r\n",
            414,
            "URI_TOO_LONG"),
        Arguments.of(
            "headers too large",
            "GET /health HTTP/1.1\r\n" + host + "\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
            431,
            "HEADERS_TOO_LARGE"),
        Arguments.of(
            "unknown HTTP version",
            "GET /health HTTP/7.0\r\n" + host + "\r\n\r\n",
            505,
            "HTTP_VERSION_NOT_SUPPORTED"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void isAnsweredWithTheJsonEnvelope(String name, String request, int status, String code) {
    long before = daemon.records().count();
    RawHttp.Response response =
        RawHttp.exchange(daemon.port(), request.replace("{port}", Integer.toString(daemon.port())));

    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.header("Content-Type")).startsWith("application/json");
    assertThat(response.body()).doesNotContain("<html").doesNotContain("Exception");
    assertThat(response.json().path("object").asText()).isEqualTo("error");
    assertThat(response.json().path("code").asText()).isEqualTo(code);
    assertThat(response.json().path("message").asText()).isNotBlank();
    assertThat(daemon.records().count()).isEqualTo(before);
  }
}
