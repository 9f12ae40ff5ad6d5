package dev.spl.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The one error body of the API: {@code {"object":"error","type":...,"code":...,"message":...}}.
 * Routes answer it through Javalin; the request checks in front of Javalin and Jetty's own error
 * handling write it directly on the Jetty response.
 */
final class ErrorEnvelope {
  static final String JSON = "application/json";

  private ErrorEnvelope() {}

  /** The envelope; {@code details} are extra fields, or null. */
  static ObjectNode json(int status, String code, String message, ObjectNode details) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "error");
    node.put("type", type(status));
    node.put("code", code);
    node.put("message", message);
    if (details != null) {
      details
          .fields()
          .forEachRemaining(field -> node.putIfAbsent(field.getKey(), field.getValue()));
    }
    return node;
  }

  static byte[] bytes(int status, String code, String message) {
    try {
      return Json.MAPPER.writeValueAsBytes(json(status, code, message, null));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** Answers the envelope on a Jetty response and completes {@code callback}. */
  static void write(Response response, Callback callback, int status, String code, String message) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.write(true, ByteBuffer.wrap(bytes(status, code, message)), callback);
  }

  static String type(int status) {
    return switch (status) {
      case 400 -> "invalid_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 408 -> "request_timeout";
      case 409 -> "conflict";
      case 413 -> "request_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "headers_too_large";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal" : "error";
    };
  }
}
