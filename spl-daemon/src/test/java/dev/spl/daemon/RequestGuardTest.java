package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a browser, or a page whose name was rebound to 127.0.0.1, can no longer do. */
class RequestGuardTest {
  private static final String T1 = Records.thread("guard");
  private static final String RECORD = Records.json(T1, "INTEND", "task", 1);
  private static final String TOKEN = "a-token-of-at-least-16-bytes";

  @TempDir Path home;
  private Daemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private Daemon start(DaemonConfig config) {
    daemon = Daemon.start(config);
    return daemon;
  }

  private Daemon loopback() {
    return start(DaemonConfig.builder(home).port(0).build());
  }

  private String host() {
    return "Host: 127.0.0.1:" + daemon.port();
  }

  private RawHttp.Response post(String... headers) {
    return RawHttp.exchange(
        daemon.port(), RawHttp.request("POST /v1/records HTTP/1.1", RECORD, headers));
  }

  private RawHttp.Response get(String path, String... headers) {
    return RawHttp.exchange(
        daemon.port(), RawHttp.request("GET " + path + " HTTP/1.1", null, headers));
  }

  static Stream<Arguments> foreignContentTypes() {
    return Stream.of(
        Arguments.of("text/plain", "'text/plain'"),
        Arguments.of("text/plain;charset=UTF-8", "text/plain"),
        Arguments.of("application/x-www-form-urlencoded", "x-www-form-urlencoded"),
        Arguments.of("multipart/form-data; boundary=x", "multipart/form-data"),
        Arguments.of("application/json; charset=iso-8859-1", "iso-8859-1"),
        Arguments.of("application/json; charset=utf-8; x=y", "x=y"),
        Arguments.of("application/jsonp", "application/jsonp"),
        Arguments.of(null, "missing"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("foreignContentTypes")
  void aWriteThatIsNotJsonIs415AndStoresNothing(String contentType, String named) {
    loopback();
    RawHttp.Response response =
        contentType == null ? post(host()) : post(host(), "Content-Type: " + contentType);

    assertError(response, 415, "UNSUPPORTED_MEDIA_TYPE", named);
    assertThat(response.json().path("type").asText()).isEqualTo("unsupported_media_type");
    assertThat(daemon.records().count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/json; charset=\"utf-8\""
      })
  void jsonWithOrWithoutUtf8IsAccepted(String contentType) {
    loopback();

    assertThat(post(host(), "Content-Type: " + contentType).status()).isEqualTo(201);
    assertThat(daemon.records().count()).isEqualTo(1);
  }

  @Test
  void theContentTypeIsRefusedBeforeTheBodyIsRead() throws Exception {
    loopback();
    // The body never comes: the answer can only be written before reading it.
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), daemon.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/records HTTP/1.1\r\n"
                  + host()
                  + "\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RawHttp.Response response = readOne(socket.getInputStream());

      assertError(response, 415, "UNSUPPORTED_MEDIA_TYPE", "text/plain");
    }
    assertThat(daemon.records().count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Host: evil.example",
        "Host: evil.example:%d",
        "Host: 127.0.0.1",
        "Host: 127.0.0.1:1",
        "Host: localhost.evil.example:%d",
        "Host: [::2]:%d"
      })
  void aForeignHostIsRefusedAndStoresNothing(String host) {
    loopback();
    RawHttp.Response response =
        post(host.formatted(daemon.port()), "Content-Type: application/json");

    assertError(response, 403, "FOREIGN_HOST", "127.0.0.1:" + daemon.port());
    assertThat(daemon.records().count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Host: 127.0.0.1:%d:1", "Host: [::1", "Host: 127.0.0.1:%dx"})
  void aMalformedHostIsABadRequest(String host) {
    loopback();
    RawHttp.Response response =
        post(host.formatted(daemon.port()), "Content-Type: application/json");

    assertError(response, 400, "BAD_HTTP_REQUEST", "Host");
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aRequestWithoutHostIsRefused() {
    loopback();
    RawHttp.Response response =
        RawHttp.exchange(daemon.port(), RawHttp.request("GET /health HTTP/1.0", null));

    assertError(response, 403, "FOREIGN_HOST", "found none");
  }

  @Test
  void twoHostHeadersAreRefused() {
    loopback();
    RawHttp.Response response =
        post(host(), "Host: evil.example", "Content-Type: application/json");

    assertError(response, 400, "BAD_HTTP_REQUEST", "Duplicate Host");
    assertThat(daemon.records().count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "localhost", "LOCALHOST", "[::1]", "[0:0:0:0:0:0:0:1]"})
  void aLoopbackDaemonAnswersToItsLoopbackNames(String name) {
    loopback();

    assertThat(get("/health", "Host: " + name + ":" + daemon.port()).status()).isEqualTo(200);
  }

  @Test
  void anAdvertisedNameIsTheDaemonsOwnWithItsPortOrTheBoundOne() {
    start(
        DaemonConfig.builder(home)
            .port(0)
            .fleet(FleetSettings.builder().advertiseUrl("http://coordinator.example:8080").build())
            .build());

    assertThat(get("/health", "Host: coordinator.example:8080").status()).isEqualTo(200);
    assertThat(get("/health", "Host: coordinator.example:" + daemon.port()).status())
        .isEqualTo(200);
    assertError(get("/health", "Host: coordinator.example:8081"), 403, "FOREIGN_HOST", "8080");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://evil.example",
        "http://evil.example:%d",
        "null",
        "http://127.0.0.1:1",
        "https://127.0.0.1",
        "file://",
        "http://127.0.0.1:%d/path"
      })
  void aForeignOriginIsRefusedAndStoresNothing(String origin) {
    loopback();
    RawHttp.Response response =
        post(
            host(), "Content-Type: application/json", "Origin: " + origin.formatted(daemon.port()));

    assertError(response, 403, "FOREIGN_ORIGIN", "comes from");
    assertThat(daemon.records().count()).isZero();
    assertNoCorsHeaders(response);
  }

  @Test
  void aPageOfTheDaemonItselfMayWrite() {
    loopback();

    for (String origin :
        new String[] {
          "http://127.0.0.1:" + daemon.port(), "http://localhost:" + daemon.port(),
        }) {
      RawHttp.Response response =
          post(host(), "Content-Type: application/json", "Origin: " + origin);
      assertThat(response.status()).as(response.body()).isIn(200, 201);
      assertNoCorsHeaders(response);
    }
    assertThat(daemon.records().count()).isEqualTo(1);
  }

  @Test
  void aPreflightIsRefusedWithoutCorsHeaders() {
    loopback();
    RawHttp.Response response =
        RawHttp.exchange(
            daemon.port(),
            RawHttp.request(
                "OPTIONS /v1/records HTTP/1.1",
                null,
                host(),
                "Origin: http://evil.example",
                "Access-Control-Request-Method: POST",
                "Access-Control-Request-Headers: content-type"));

    assertError(response, 403, "FOREIGN_ORIGIN", "evil.example");
    assertNoCorsHeaders(response);
  }

  @Test
  void readsAreRefusedToForeignOriginsToo() {
    loopback();

    RawHttp.Response response = get("/health", host(), "Origin: http://evil.example");

    assertError(response, 403, "FOREIGN_ORIGIN", "evil.example");
    assertNoCorsHeaders(response);
  }

  @Test
  void theTokenIsCheckedBeforeTheBodyIsRead() throws Exception {
    start(DaemonConfig.builder(home).port(0).token(TOKEN).build());
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), daemon.port())) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("POST /v1/records HTTP/1.1\r\n"
                      + host()
                      + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response response = readOne(socket.getInputStream());

      assertError(response, 401, "UNAUTHORIZED", "Authorization: Bearer");
      assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
    }
    assertThat(
            post(host(), "Content-Type: application/json", "Authorization: Bearer " + TOKEN)
                .status())
        .isEqualTo(201);
    assertThat(daemon.records().count()).isEqualTo(1);
  }

  private static void assertNoCorsHeaders(RawHttp.Response response) {
    assertThat(response.headers().keySet()).noneMatch(name -> name.startsWith("access-control-"));
  }

  static void assertError(RawHttp.Response response, int status, String code, String named) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.header("Content-Type")).startsWith("application/json");
    assertThat(response.json().path("object").asText()).isEqualTo("error");
    assertThat(response.json().path("code").asText()).isEqualTo(code);
    assertThat(response.json().path("message").asText()).contains(named);
  }

  /** Reads one response whose length is declared, leaving the connection open. */
  static RawHttp.Response readOne(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("the connection closed before a response: " + head);
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    byte[] all = new byte[head.length() + body.length];
    System.arraycopy(
        head.toString().getBytes(StandardCharsets.ISO_8859_1), 0, all, 0, head.length());
    System.arraycopy(body, 0, all, head.length(), body.length);
    return RawHttp.parse(all);
  }
}
