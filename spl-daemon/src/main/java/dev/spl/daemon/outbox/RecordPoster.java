package dev.spl.daemon.outbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs records to another daemon's {@code /v1/records}: over {@link HttpPoster} for plain {@code
 * http://} URLs (one write per request, no thread hand-offs), else through the JDK's client. One
 * thread posts at a time; {@link #close()} may come from another thread to break off a post.
 */
public final class RecordPoster implements AutoCloseable {
  private final String token;
  private final Duration timeout;
  private final HttpPoster poster;
  private final ClassicClientPoster classic;
  private HttpClient http;

  public RecordPoster(String token, Duration timeout) {
    this.token = token;
    this.timeout = timeout;
    this.poster = new HttpPoster(token, Math.toIntExact(timeout.toMillis()));
    // Measuring the two against each other: -Dspl.poster=httpclient5 takes HttpClient 5 instead.
    this.classic =
        "httpclient5".equals(System.getProperty("spl.poster"))
            ? new ClassicClientPoster(token, timeout)
            : null;
  }

  /** POSTs a JSON body of one record or an array of records; returns the HTTP status. */
  public int post(String destination, byte[] body) throws IOException, InterruptedException {
    if (classic != null) {
      return classic.post(destination + "/v1/records", body);
    }
    if (HttpPoster.supports(destination)) {
      return poster.post(destination, "/v1/records", body);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(destination + "/v1/records"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Prefer", "return=minimal")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return jdkClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Built on first use: most fleets only ever post to plain http:// URLs. */
  private synchronized HttpClient jdkClient() {
    if (http == null) {
      http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofMillis(HttpPoster.CONNECT_TIMEOUT_MILLIS))
              .build();
    }
    return http;
  }

  @Override
  public void close() {
    poster.close();
    if (classic != null) {
      classic.close();
    }
  }
}
