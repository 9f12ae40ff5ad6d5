package dev.spl.daemon.http;

import dev.spl.core.auth.ChildCredential;
import dev.spl.daemon.records.RecordRejectedException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The checks every request passes before anything of its body is read, in front of the routes:
 *
 * <ol>
 *   <li>{@code Host} names this daemon ({@link HostNames}): a page whose name was rebound to
 *       127.0.0.1 cannot talk to the daemon through the victim's browser;
 *   <li>a request carrying {@code Origin} comes from a page served by this daemon itself: no other
 *       site's script may call it, and no CORS header is ever sent, so browsers share no answer;
 *   <li>the bearer token, when the daemon has one (not for the dashboard's own files, which hold no
 *       data);
 *   <li>a write ({@code POST}, {@code PUT}, {@code PATCH}) says {@code Content-Type:
 *       application/json}: the content types a cross-site form or a "simple" fetch may send without
 *       asking first ({@code text/plain}, form encodings) are refused.
 * </ol>
 *
 * Each refusal is the API's JSON error envelope with a code naming the rule.
 */
final class RequestGuard extends Handler.Wrapper {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH");

  private final HostNames hosts;
  private final byte[] expectedAuthorization;
  private final ChildGate children;

  /**
   * Verifies the credential a running child presents instead of the token ({@link
   * dev.spl.core.auth.ChildCredential}); throws {@link RecordRejectedException} (403) when it does
   * not count.
   */
  @FunctionalInterface
  interface ChildGate {
    /** No child credential counts. */
    ChildGate NONE =
        credential -> {
          throw new RecordRejectedException(
              403, "CHILD_CREDENTIAL_INVALID", -1, "this daemon takes no child credentials", null);
        };

    void verify(String credential);
  }

  /** {@code token} null: no Authorization is required. */
  RequestGuard(HostNames hosts, String token, Handler next) {
    this(hosts, token, ChildGate.NONE, next);
  }

  RequestGuard(HostNames hosts, String token, ChildGate children, Handler next) {
    super(next);
    this.hosts = hosts;
    this.children = children;
    this.expectedAuthorization =
        token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String refusal = checkHost(request);
    if (refusal != null) {
      ErrorEnvelope.write(response, callback, 403, "FOREIGN_HOST", refusal);
      return true;
    }
    refusal = checkOrigin(request);
    if (refusal != null) {
      ErrorEnvelope.write(response, callback, 403, "FOREIGN_ORIGIN", refusal);
      return true;
    }
    if (isChildCommand(request)) {
      // A child's spl shim: no token, its child credential, which the route itself verifies (only
      // the worker that issued it can), and a content type no page can send without the header.
      if (request.getHeaders().get(ChildCredential.HEADER) == null) {
        ErrorEnvelope.write(
            response,
            callback,
            401,
            "UNAUTHORIZED",
            "a child's spl command needs its child credential: send '"
                + ChildCredential.HEADER
                + ": $SPL_CHILD_CREDENTIAL'");
        return true;
      }
      return super.handle(request, response, callback);
    }
    refusal = isDashboardFile(request) ? null : checkToken(request);
    String credential = request.getHeaders().get(ChildCredential.HEADER);
    if (refusal != null && credential != null) {
      if (!coveredForChildren(request)) {
        ErrorEnvelope.write(
            response,
            callback,
            403,
            "CHILD_CREDENTIAL_OUT_OF_SCOPE",
            "a child credential covers reads (GET) and writing records (POST /v1/records) only,"
                + " not "
                + request.getMethod()
                + " "
                + Request.getPathInContext(request));
        return true;
      }
      try {
        children.verify(credential);
      } catch (RecordRejectedException e) {
        ErrorEnvelope.write(response, callback, e.httpStatus(), e.code(), e.getMessage());
        return true;
      }
      refusal = null;
    }
    if (refusal != null) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      ErrorEnvelope.write(response, callback, 401, "UNAUTHORIZED", refusal);
      return true;
    }
    refusal = checkContentType(request);
    if (refusal != null) {
      ErrorEnvelope.write(response, callback, 415, "UNSUPPORTED_MEDIA_TYPE", refusal);
      return true;
    }
    return super.handle(request, response, callback);
  }

  /** {@code POST /v1/children/spl}, which takes a child credential and never the token. */
  private static boolean isChildCommand(Request request) {
    return request.getMethod().equals("POST")
        && Request.getPathInContext(request).equals(ChildRoutes.COMMAND_PATH);
  }

  /** Whether a request with a child credential may go on to the routes. */
  private static boolean coveredForChildren(Request request) {
    String method = request.getMethod();
    return method.equals("GET")
        || method.equals("HEAD")
        || (method.equals("POST") && Request.getPathInContext(request).equals("/v1/records"));
  }

  private String checkHost(Request request) {
    int port = Request.getLocalPort(request);
    List<String> values = request.getHeaders().getValuesList(HttpHeader.HOST);
    if (values.size() != 1) {
      return "Host: expected one header naming this daemon ("
          + hosts.describe(port)
          + ") but found "
          + (values.isEmpty() ? "none" : values.size());
    }
    String host = values.get(0);
    if (!hosts.allows(host, port)) {
      return "Host: expected one of this daemon's names ("
          + hosts.describe(port)
          + ") but found '"
          + printable(host)
          + "'; call the daemon by the address it listens on, or start it with --advertise URL";
    }
    // An absolute request target (POST http://name/... HTTP/1.1) names the host too.
    HttpURI uri = request.getHttpURI();
    if (uri.getHost() != null && !uri.getHost().isEmpty()) {
      String authority =
          uri.getPort() > 0 ? bracketed(uri.getHost()) + ":" + uri.getPort() : uri.getHost();
      if (!hosts.allows(authority, port)) {
        return "request target: expected one of this daemon's names ("
            + hosts.describe(port)
            + ") but found '"
            + printable(authority)
            + "'";
      }
    }
    return null;
  }

  private String checkOrigin(Request request) {
    int port = Request.getLocalPort(request);
    for (String origin : request.getHeaders().getValuesList(HttpHeader.ORIGIN)) {
      if (!hosts.allowsOrigin(origin.trim(), port)) {
        return "Origin: requests from web pages are accepted only from this daemon's own pages ("
            + hosts.describe(port)
            + ") but this one comes from '"
            + printable(origin)
            + "'";
      }
    }
    return null;
  }

  private String checkToken(Request request) {
    if (expectedAuthorization == null) {
      return null;
    }
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    byte[] given = header == null ? new byte[0] : header.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(given, expectedAuthorization)) {
      return null;
    }
    return header == null
        ? "this daemon requires a token: send 'Authorization: Bearer <token>'"
        : "the token in the Authorization header is not this daemon's token";
  }

  /**
   * A read of the dashboard's own files ({@code GET /ui}, {@code GET /ui/<file>}): they hold no
   * data, so a browser can load the page before it has the token; the page's data requests carry
   * it.
   */
  static boolean isDashboardFile(Request request) {
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return false;
    }
    String path = Request.getPathInContext(request);
    return path.equals(DashboardRoutes.PREFIX)
        || path.equals(DashboardRoutes.PREFIX + "/")
        || (path.startsWith(DashboardRoutes.PREFIX + "/")
            && path.indexOf('/', DashboardRoutes.PREFIX.length() + 1) < 0);
  }

  private static String checkContentType(Request request) {
    if (!WRITES.contains(request.getMethod())) {
      return null;
    }
    List<String> values = request.getHeaders().getValuesList(HttpHeader.CONTENT_TYPE);
    String expected = "Content-Type: expected application/json (optionally with charset=utf-8)";
    if (values.isEmpty()) {
      return expected + " but the header is missing";
    }
    if (values.size() > 1 || !isJson(values.get(0))) {
      return expected + " but found '" + printable(String.join(", ", values)) + "'";
    }
    return null;
  }

  /** {@code application/json}, with at most a {@code charset=utf-8} parameter. */
  static boolean isJson(String contentType) {
    String[] parts = contentType.split(";", -1);
    if (!parts[0].trim().equalsIgnoreCase("application/json")) {
      return false;
    }
    if (parts.length == 1) {
      return true;
    }
    if (parts.length > 2) {
      return false;
    }
    String parameter = parts[1].trim().toLowerCase(Locale.ROOT);
    return parameter.equals("charset=utf-8") || parameter.equals("charset=\"utf-8\"");
  }

  private static String bracketed(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** At most 200 characters, control characters shown as '?', so a message cannot be abused. */
  private static String printable(String value) {
    String cut = value.length() > 200 ? value.substring(0, 200) + "..." : value;
    StringBuilder out = new StringBuilder(cut.length());
    cut.chars().forEach(c -> out.append(c < 0x20 || c == 0x7f ? '?' : (char) c));
    return out.toString();
  }
}
