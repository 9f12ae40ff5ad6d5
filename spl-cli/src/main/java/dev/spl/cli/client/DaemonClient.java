package dev.spl.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.home.FleetToken;
import dev.spl.core.tls.TlsTrust;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.HttpsURLConnection;

/**
 * A small JSON client for one daemon. It uses {@link HttpURLConnection} on purpose: the JDK's
 * {@code java.net.http.HttpClient} adds about half a second to the start-up of a one-request
 * command.
 */
public final class DaemonClient {
  /** Error codes that mean "the daemon is up but its state refuses this": exit code 3. */
  public static final Set<String> WRONG_STATE_CODES = Set.of("NAMESPACE_FROZEN", "EMERGENCY_STOP");

  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private final String baseUrl;
  private final String token;
  private final TlsTrust trust;
  private final String childCredential;

  /** A client that trusts the system trust store for HTTPS. */
  public DaemonClient(String baseUrl, String token) {
    this(baseUrl, token, TlsTrust.system());
  }

  /** {@code trust}: whom HTTPS answers are checked against (host names always are). */
  public DaemonClient(String baseUrl, String token, TlsTrust trust) {
    this(baseUrl, token, trust, null);
  }

  /**
   * {@code childCredential}: what a running child presents instead of a token ({@link
   * ChildCredential}), or null.
   */
  public DaemonClient(String baseUrl, String token, TlsTrust trust, String childCredential) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.trust = trust;
    this.childCredential = childCredential;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** Whom this client's HTTPS requests trust. */
  public TlsTrust trust() {
    return trust;
  }

  public JsonNode get(String path) {
    return send("GET", path, null, READ_TIMEOUT_MILLIS);
  }

  /** {@code GET} with a read timeout of its own (e.g. a ping that must not hang). */
  public JsonNode get(String path, int timeoutMillis) {
    return send("GET", path, null, timeoutMillis);
  }

  public JsonNode post(String path, JsonNode body) {
    return send("POST", path, body, READ_TIMEOUT_MILLIS);
  }

  /** {@code GET /health} with short timeouts; null when nothing answers there. */
  public JsonNode healthOrNull(int timeoutMillis) {
    try {
      return send("GET", "/health", null, timeoutMillis);
    } catch (CliException e) {
      return null;
    }
  }

  /** Builds {@code path?k=v&...} from the entries whose value is not null, URL-encoded. */
  public static String withQuery(String path, Map<String, ?> query) {
    StringBuilder sb = new StringBuilder(path);
    char separator = '?';
    for (var entry : query.entrySet()) {
      if (entry.getValue() == null) {
        continue;
      }
      sb.append(separator)
          .append(URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(String.valueOf(entry.getValue()), StandardCharsets.UTF_8));
      separator = '&';
    }
    return sb.toString();
  }

  /** Encodes one path segment (a record id or thread id typed by the user). */
  public static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode send(String method, String path, JsonNode body, int readTimeoutMillis) {
    String target = baseUrl + path;
    HttpURLConnection connection = null;
    try {
      connection = open(target);
      connection.setRequestMethod(method);
      connection.setConnectTimeout(Math.min(CONNECT_TIMEOUT_MILLIS, readTimeoutMillis));
      connection.setReadTimeout(readTimeoutMillis);
      connection.setRequestProperty("Accept", "application/json");
      if (token != null) {
        connection.setRequestProperty("Authorization", "Bearer " + token);
      }
      if (childCredential != null) {
        connection.setRequestProperty(ChildCredential.HEADER, childCredential);
      }
      if (body != null) {
        byte[] bytes = ClientJson.bytes(body);
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream os = connection.getOutputStream()) {
          os.write(bytes);
        }
      }
      int status = connection.getResponseCode();
      byte[] response =
          readAll(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
      if (status >= 200 && status < 300) {
        return response.length == 0 ? NullNode.getInstance() : parse(response, status, target);
      }
      throw errorFor(status, response, method, path);
    } catch (IOException e) {
      throw unreachable(e, method, path, readTimeoutMillis);
    } finally {
      if (connection != null) {
        connection.disconnect();
      }
    }
  }

  /** Reads an answer from its stream, as it arrives. */
  @FunctionalInterface
  public interface AnswerReader<T> {
    T read(InputStream answer) throws IOException;
  }

  /**
   * {@code GET path} of a JSON route whose answer is read by {@code reader} as it arrives rather
   * than parsed whole first (a page of a million results); an error answer is mapped as for {@link
   * #get}.
   */
  public <T> T getStreamed(String path, AnswerReader<T> reader) {
    return streamed(path, "application/json", reader);
  }

  /**
   * {@code GET path} of a route that answers with text (a child's output), copied to {@code sink}
   * as it arrives rather than held in memory; an error answer is mapped as for JSON routes.
   */
  public void copyText(String path, OutputStream sink) {
    streamed(
        path,
        "text/plain, application/json",
        in -> {
          in.transferTo(sink);
          sink.flush();
          return null;
        });
  }

  private <T> T streamed(String path, String accept, AnswerReader<T> reader) {
    HttpURLConnection connection = null;
    try {
      connection = open(baseUrl + path);
      connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      connection.setReadTimeout(READ_TIMEOUT_MILLIS);
      connection.setRequestProperty("Accept", accept);
      if (token != null) {
        connection.setRequestProperty("Authorization", "Bearer " + token);
      }
      if (childCredential != null) {
        connection.setRequestProperty(ChildCredential.HEADER, childCredential);
      }
      int status = connection.getResponseCode();
      if (status < 200 || status >= 300) {
        throw errorFor(status, readAll(connection.getErrorStream()), "GET", path);
      }
      try (InputStream in = connection.getInputStream()) {
        return reader.read(in);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw CliException.failure(
            "expected JSON from "
                + baseUrl
                + path
                + " (HTTP "
                + status
                + ") but: "
                + e.getMessage());
      }
    } catch (IOException e) {
      throw unreachable(e, "GET", path, READ_TIMEOUT_MILLIS);
    } finally {
      if (connection != null) {
        connection.disconnect();
      }
    }
  }

  private HttpURLConnection open(String target) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL(target).openConnection();
    if (connection instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(trust.sslContext().getSocketFactory());
    }
    return connection;
  }

  private CliException unreachable(
      IOException e, String method, String path, int readTimeoutMillis) {
    Optional<String> tls = trust.describeFailure(baseUrl, e);
    if (tls.isPresent()) {
      return CliException.unavailable(tls.get());
    }
    if (e instanceof ConnectException) {
      return CliException.unavailable(
          "no spl daemon answers at "
              + baseUrl
              + " (connection refused); start one with `spl daemon start`");
    }
    if (e instanceof SocketTimeoutException) {
      return CliException.unavailable(
          "the spl daemon at "
              + baseUrl
              + " did not answer "
              + method
              + " "
              + path
              + " within "
              + readTimeoutMillis / 1000.0
              + " s");
    }
    if (e instanceof UnknownHostException) {
      return CliException.unavailable(
          "cannot reach a spl daemon at " + baseUrl + ": unknown host " + e.getMessage());
    }
    return CliException.unavailable("cannot reach a spl daemon at " + baseUrl + ": " + e);
  }

  private static JsonNode parse(byte[] response, int status, String target) {
    try {
      return ClientJson.read(response);
    } catch (IOException e) {
      throw CliException.failure(
          "expected JSON from "
              + target
              + " (HTTP "
              + status
              + ") but "
              + (e instanceof com.fasterxml.jackson.core.JsonProcessingException json
                  ? json.getOriginalMessage()
                  : e.getMessage())
              + ": "
              + excerpt(response));
    }
  }

  /** Maps an error answer to an exit code: see docs/cli.md, "Exit codes". */
  public static CliException errorFor(int status, byte[] response, String method, String path) {
    String code = null;
    String message = null;
    try {
      JsonNode node = ClientJson.read(response);
      if (node != null && "error".equals(node.path("object").asText())) {
        code = node.path("code").asText(null);
        message = node.path("message").asText(null);
      }
    } catch (IOException notJson) {
      // Not an error envelope (a proxy or another server answered): show the raw text instead.
    }
    String text =
        code != null
            ? code + ": " + (message == null ? "(no message)" : message)
            : "HTTP " + status + " for " + method + " " + path + ": " + excerpt(response);
    if (status == 401) {
      text +=
          "; give the fleet's token with --token-file FILE (a 0600 file) or "
              + FleetToken.VARIABLE
              + " (--token TOKEN works too but shows in the process list)";
    }
    return new CliException(exitCodeFor(status, code), text, code);
  }

  public static int exitCodeFor(int status, String code) {
    if (status == 503 || (code != null && WRONG_STATE_CODES.contains(code))) {
      return ExitCodes.UNAVAILABLE;
    }
    if (status >= 400 && status < 500) {
      return ExitCodes.BAD_INPUT;
    }
    return ExitCodes.FAILURE;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    if (in == null) {
      return new byte[0];
    }
    try (in) {
      return in.readAllBytes();
    }
  }

  private static String excerpt(byte[] response) {
    String text = new String(response, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "(empty body)";
    }
    return text.length() > 200 ? text.substring(0, 197) + "..." : text;
  }

  /** Query parameters in the order given, skipping nulls at encoding time. */
  public static Map<String, Object> query() {
    return new LinkedHashMap<>();
  }
}
