package dev.spl.daemon.outbox;

import java.io.IOException;
import java.net.Socket;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
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
 * answer read on the calling thread. The outbox and the worker's heartbeats post through it. It was
 * measured against a hand-written HTTP/1.1 client over plain sockets on the fan-out benchmark and
 * was as fast (docs/benchmarks.md), and it speaks TLS.
 *
 * <p>A connection idle for a second is checked before it is used again, and a post that fails on a
 * connection (e.g. one the receiver closed while idle) is tried once more on a new one. That is
 * safe although the request is a POST because what is posted is content-addressed: a repeat is a
 * no-op at the receiver.
 *
 * <p>{@link #close()} may be called from another thread to break off a post in progress.
 */
public final class RecordPoster implements AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(1);

  private final String token;
  private final Duration timeout;
  private final TlsSocketStrategy tls;
  private CloseableHttpClient client; // built on the first post; guarded by this
  private boolean closed; // guarded by this

  /** {@code timeout}: how long a post may wait for the answer to progress. */
  public RecordPoster(String token, Duration timeout) {
    this(token, timeout, null);
  }

  /** {@code tls} null means the JVM's default TLS (its trust store, {@code javax.net.ssl.*}). */
  RecordPoster(String token, Duration timeout, SSLContext tls) {
    this.token = token;
    this.timeout = timeout;
    this.tls = tls == null ? new DefaultTlsOnFirstUse() : new DefaultClientTlsStrategy(tls);
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
    try {
      return client()
          .execute(
              request,
              response -> {
                if (keepBody && response.getEntity() != null) {
                  return new Answer(
                      response.getCode(), EntityUtils.toByteArray(response.getEntity()));
                }
                EntityUtils.consume(response.getEntity());
                return new Answer(response.getCode(), new byte[0]);
              });
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
   * The JVM's default TLS, set up on the first HTTPS connection: loading the trust store costs a
   * few hundred milliseconds, which a fleet on plain HTTP never pays.
   */
  private static final class DefaultTlsOnFirstUse implements TlsSocketStrategy {
    private TlsSocketStrategy strategy; // guarded by this

    @Override
    public SSLSocket upgrade(
        Socket socket, String target, int port, Object attachment, HttpContext context)
        throws IOException {
      return strategy().upgrade(socket, target, port, attachment, context);
    }

    private synchronized TlsSocketStrategy strategy() throws IOException {
      if (strategy == null) {
        try {
          strategy = new DefaultClientTlsStrategy(SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
          throw new IOException("TLS is not available in this JVM: " + e.getMessage(), e);
        }
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
