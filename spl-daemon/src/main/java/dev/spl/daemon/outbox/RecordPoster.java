package dev.spl.daemon.outbox;

import dev.spl.core.tls.TlsTrust;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.io.HttpClientResponseHandler;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * POSTs records to another daemon's {@code /v1/records} with Apache HttpClient 5 (classic,
 * blocking): pooled kept-alive connections, plain HTTP and HTTPS alike, the request written and the
 * answer read on the calling thread. The outbox, the worker's heartbeats and its attempt fence post
 * through it. It was measured against a hand-written HTTP/1.1 client over plain sockets on the
 * fan-out benchmark and was as fast (docs/benchmarks.md), and it speaks TLS.
 *
 * <p>A connection idle for ten seconds is checked before it is used again, and a post that fails on
 * a connection (e.g. one the receiver closed while idle) is tried once more on a new one. That is
 * safe although the request is a POST because what is posted is content-addressed: a repeat is a
 * no-op at the receiver.
 *
 * <p>{@link #close()} may be called from another thread to break off a post in progress.
 */
public final class RecordPoster implements AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Checking a kept-alive connection before reusing it costs a read that waits a millisecond for
   * nothing to arrive, and a fan-out of one child posts three times after a pause: so a connection
   * is checked only after an idle spell a third of a daemon's own idle timeout (30 s). A post on a
   * connection the receiver closed sooner (a restart, its connection limit) fails and goes out once
   * more on a new connection.
   */
  private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(10);

  private final String token;
  private final Duration timeout;
  private final TlsTrust trust;
  private final TlsSocketStrategy tls;
  private CloseableHttpClient client; // built on the first post; guarded by this
  private boolean closed; // guarded by this

  /** {@code timeout}: how long a post may wait for the answer to progress. */
  public RecordPoster(String token, Duration timeout) {
    this(token, timeout, TlsTrust.system());
  }

  /**
   * {@code trust}: whom HTTPS posts trust ({@code --tls-ca}, else the system trust store); host
   * names are checked against the certificate.
   */
  public RecordPoster(String token, Duration timeout, TlsTrust trust) {
    this.token = token;
    this.timeout = timeout;
    this.trust = trust;
    this.tls = new TlsOnFirstUse(trust);
  }

  /** A poster on a TLS context of the test's own. */
  RecordPoster(String token, Duration timeout, SSLContext tls) {
    this.token = token;
    this.timeout = timeout;
    this.trust = TlsTrust.system();
    this.tls = new DefaultClientTlsStrategy(tls);
  }

  /**
   * POSTs a JSON body of one record or an array of records to {@code destination} (a daemon's base
   * URL); returns the HTTP status and drops the answer.
   */
  public int post(String destination, byte[] body) throws IOException {
    return post(destination, body, false).status();
  }

  /** An answer: its HTTP status and, when asked for, its body (else empty). */
  public record Answer(int status, byte[] body) {}

  /** As {@link #post(String, byte[])}, keeping the answer's body when {@code keepBody}. */
  public Answer post(String destination, byte[] body, boolean keepBody) throws IOException {
    HttpPost request = new HttpPost(destination + "/v1/records");
    // The sender only needs the status: the receiver need not serialise the records back.
    request.setHeader("Prefer", "return=minimal");
    if (token != null) {
      request.setHeader("Authorization", "Bearer " + token);
    }
    request.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    return execute(
        destination,
        request,
        response -> {
          if (keepBody && response.getEntity() != null) {
            return new Answer(response.getCode(), EntityUtils.toByteArray(response.getEntity()));
          }
          EntityUtils.consume(response.getEntity());
          return new Answer(response.getCode(), new byte[0]);
        });
  }

  /**
   * POSTs a JSON {@code body} to {@code path} of {@code destination} (a daemon's base URL), with
   * the token, and returns the answer with its body. Only for requests that may be sent twice (a
   * question, like the attempt fence's): a post that fails on a kept-alive connection is retried.
   */
  public Answer postJson(String destination, String path, byte[] body) throws IOException {
    HttpPost request = new HttpPost(destination + path);
    request.setHeader("Accept", "application/json");
    if (token != null && !token.isEmpty()) {
      request.setHeader("Authorization", "Bearer " + token);
    }
    request.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    return execute(destination, request, RecordPoster::answer);
  }

  /** {@code GET path} of {@code destination} (a daemon's base URL), with the token. */
  public Answer get(String destination, String path) throws IOException {
    HttpGet request = new HttpGet(destination + path);
    request.setHeader("Accept", "application/json");
    if (token != null) {
      request.setHeader("Authorization", "Bearer " + token);
    }
    return execute(destination, request, RecordPoster::answer);
  }

  private static Answer answer(ClassicHttpResponse response) throws IOException {
    return new Answer(
        response.getCode(),
        response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity()));
  }

  private <T> T execute(
      String destination, ClassicHttpRequest request, HttpClientResponseHandler<T> handler)
      throws IOException {
    try {
      return client().execute(request, handler);
    } catch (SSLException e) {
      // The handshake failed: say why, and against which CA, instead of the bare exception.
      Optional<String> described = trust.describeFailure(destination, e);
      if (described.isEmpty()) {
        throw e;
      }
      SSLHandshakeException refused = new SSLHandshakeException(described.get());
      refused.initCause(e);
      throw refused;
    } catch (IllegalStateException closedMeanwhile) {
      // The pool was shut down by close(), possibly while this post waited for a connection.
      throw new IOException("the poster is closed", closedMeanwhile);
    }
  }

  /**
   * The client, built when first needed: loading it costs a daemon a few hundred milliseconds that
   * its start need not wait for.
   */
  private synchronized CloseableHttpClient client() throws IOException {
    if (closed) {
      throw new IOException("the poster is closed");
    }
    if (client == null) {
      PoolingHttpClientConnectionManager pool =
          PoolingHttpClientConnectionManagerBuilder.create()
              .setTlsSocketStrategy(tls)
              .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
              .setDefaultConnectionConfig(
                  ConnectionConfig.custom()
                      .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                      .setSocketTimeout(Timeout.of(timeout))
                      .setValidateAfterInactivity(VALIDATE_AFTER_IDLE)
                      .build())
              .build();
      client =
          HttpClients.custom()
              .setConnectionManager(pool)
              .setRetryStrategy(new ContentAddressedRetry())
              .disableCookieManagement()
              .disableRedirectHandling()
              .disableAuthCaching()
              .disableContentCompression()
              .build();
    }
    return client;
  }

  /** Stops the poster; a post in progress on another thread fails at once. */
  @Override
  public void close() {
    CloseableHttpClient built;
    synchronized (this) {
      closed = true;
      built = client;
    }
    if (built != null) {
      built.close(CloseMode.IMMEDIATE);
    }
  }

  /**
   * The trust's TLS, set up on the first HTTPS connection: loading the system trust store costs a
   * few hundred milliseconds, which a fleet on plain HTTP never pays.
   */
  private static final class TlsOnFirstUse implements TlsSocketStrategy {
    private final TlsTrust trust;
    private TlsSocketStrategy strategy; // guarded by this

    TlsOnFirstUse(TlsTrust trust) {
      this.trust = trust;
    }

    @Override
    public SSLSocket upgrade(
        Socket socket, String target, int port, Object attachment, HttpContext context)
        throws IOException {
      return strategy().upgrade(socket, target, port, attachment, context);
    }

    private synchronized TlsSocketStrategy strategy() throws IOException {
      if (strategy == null) {
        strategy = new DefaultClientTlsStrategy(trust.sslContext());
      }
      return strategy;
    }
  }

  /** One more try after an I/O failure, for POSTs too: what is posted is content-addressed. */
  private static final class ContentAddressedRetry extends DefaultHttpRequestRetryStrategy {
    ContentAddressedRetry() {
      super(1, TimeValue.ZERO_MILLISECONDS);
    }

    @Override
    protected boolean handleAsIdempotent(HttpRequest request) {
      return true;
    }

    /** An answer, whatever its status, goes back to the caller, which has a back-off of its own. */
    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
      return false;
    }
  }
}
