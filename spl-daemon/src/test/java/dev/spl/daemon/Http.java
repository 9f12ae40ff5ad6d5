package dev.spl.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A tiny HTTP client for tests: JSON in, status and JSON out. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Response(int status, String text) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(text);
      } catch (IOException e) {
        throw new AssertionError("response is not JSON: " + text, e);
      }
    }
  }

  private final String base;
  private final String authorization;

  Http(String base) {
    this(base, null);
  }

  Http(String base, String authorization) {
    this.base = base;
    this.authorization = authorization;
  }

  Response get(String path) {
    return send(builder(path).GET().build());
  }

  /** A GET with extra request headers given as name, value, name, value... */
  Response get(String path, String... headers) {
    return send(builder(path).headers(headers).GET().build());
  }

  Response post(String path, String body) {
    return send(
        builder(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** Posts raw bytes, for bodies that are not UTF-8. */
  Response post(String path, byte[] body) {
    return send(
        builder(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  /** Posts with extra request headers given as name, value, name, value... */
  Response post(String path, String body, String... headers) {
    return send(
        builder(path)
            .header("Content-Type", "application/json")
            .headers(headers)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** Posts without a Content-Length (chunked), so only the bytes actually read count. */
  Response postChunked(String path, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return send(
        builder(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
            .build());
  }

  Response method(String method, String path) {
    return send(builder(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  private HttpRequest.Builder builder(String path) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    return builder;
  }

  private static Response send(HttpRequest request) {
    try {
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new AssertionError("request " + request + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
