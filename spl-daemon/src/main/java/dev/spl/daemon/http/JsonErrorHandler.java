package dev.spl.daemon.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request line, URI or headers it cannot parse, a URI or headers over
 * the size limits, a request refused before it reaches the routes) in the API's JSON envelope
 * instead of an HTML page, whatever the client's {@code Accept} says.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    if (HttpStatus.hasNoBody(code)) {
      callback.succeeded();
      return;
    }
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    ErrorEnvelope.write(response, callback, code, code(code), describe(code, message));
  }

  static String code(int status) {
    return switch (status) {
      case 400 -> "BAD_HTTP_REQUEST";
      case 404 -> "ROUTE_NOT_FOUND";
      case 405 -> "METHOD_NOT_ALLOWED";
      case 408 -> "REQUEST_TIMEOUT";
      case 413 -> "REQUEST_TOO_LARGE";
      case 414 -> "URI_TOO_LONG";
      case 415 -> "UNSUPPORTED_MEDIA_TYPE";
      case 431 -> "HEADERS_TOO_LARGE";
      case 500 -> "INTERNAL";
      case 503 -> "UNAVAILABLE";
      case 505 -> "HTTP_VERSION_NOT_SUPPORTED";
      default -> "HTTP_" + status;
    };
  }

  /** Jetty's reason (e.g. "Ambiguous URI empty segment") with what the limit or rule is. */
  private static String describe(int status, String message) {
    String reason =
        message == null || message.isBlank() ? HttpStatus.getMessage(status) : message.strip();
    return switch (status) {
      case 400 -> "the request is not valid HTTP/1.1: " + reason;
      case 414 -> "request URI: longer than this daemon accepts (" + reason + ")";
      case 431 -> "request headers: larger than this daemon accepts (" + reason + ")";
      case 500 -> "the daemon failed to handle this request; see the daemon log";
      default -> reason;
    };
  }
}
