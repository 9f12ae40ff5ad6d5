package dev.spl.daemon.http;

import dev.spl.core.tls.ServerIdentity;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener of a daemon, with a stop that lets requests in flight finish, and the limits
 * that keep slow or hostile clients from using up its connections and threads.
 */
public final class HttpServer {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  /**
   * How long a connection may stay silent outside a request: between keep-alive requests, and while
   * a client is still sending the request line and headers (which takes no thread).
   */
  static final Duration CONNECTION_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long a request may go without progress once its headers are in: a body that stops short of
   * its Content-Length is answered 408 after this. A route that is busy (not waiting for the
   * client) is not cut off by it.
   */
  static final Duration REQUEST_IDLE_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Connections open at once. At the limit the daemon stops accepting until some close, and every
   * open connection's idle timeout drops to {@link #LIMITED_IDLE_TIMEOUT}, so idle and stalled ones
   * make room within a second.
   */
  static final int MAX_CONNECTIONS = 2048;

  static final Duration LIMITED_IDLE_TIMEOUT = Duration.ofSeconds(1);

  static final int ACCEPT_QUEUE = 1024;

  /** Request line plus headers; larger ones are answered 431 (414 for a long URI). */
  static final int MAX_REQUEST_HEADER_BYTES = 8 * 1024;

  private final Javalin app;
  private final GracefulHandler inFlight;

  HttpServer(Javalin app, GracefulHandler inFlight) {
    this.app = app;
    this.inFlight = inFlight;
  }

  /**
   * Sets up Jetty for {@code config}: one connector on {@code host:port} with the timeouts and the
   * connection limit above, the JSON error handler, and {@code front} (a chain of wrappers whose
   * last one has no next handler yet) in front of the routes.
   */
  static void configureJetty(
      JavalinConfig config, String host, int port, ServerIdentity identity, Handler.Wrapper front) {
    config.jetty.modifyHttpConfiguration(
        http -> {
          http.setIdleTimeout(REQUEST_IDLE_TIMEOUT.toMillis());
          http.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
          http.setSendServerVersion(false);
          http.setSendXPoweredBy(false);
        });
    config.jetty.addConnector(
        (server, http) -> {
          ServerConnector connector =
              identity == null
                  ? new ServerConnector(server, new HttpConnectionFactory(http))
                  : new ServerConnector(
                      server, tls(identity), new HttpConnectionFactory(https(http)));
          connector.setHost(host);
          connector.setPort(port);
          connector.setIdleTimeout(CONNECTION_IDLE_TIMEOUT.toMillis());
          // A burst of connections (workers, CLI commands, slow clients) waits in the kernel
          // instead of being refused.
          connector.setAcceptQueueSize(ACCEPT_QUEUE);
          return connector;
        });
    config.jetty.modifyServer(
        server -> {
          // HttpServer.stop() drains requests itself; Jetty's own graceful stop would also wait
          // for idle keep-alive connections to go away.
          server.setStopTimeout(0);
          server.setErrorHandler(new JsonErrorHandler());
          NetworkConnectionLimit limit = new NetworkConnectionLimit(MAX_CONNECTIONS, server);
          limit.setEndPointIdleTimeout(LIMITED_IDLE_TIMEOUT.toMillis());
          server.addBean(limit);
          server.insertHandler(front);
        });
  }

  /**
   * Jetty's TLS for {@code identity}: its own key store, the JDK's protocols and ciphers (Jetty
   * excludes the weak ones), no client certificates.
   */
  private static SslContextFactory.Server tls(ServerIdentity identity) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(identity.keyStore());
    ssl.setKeyStorePassword(new String(identity.password()));
    return ssl;
  }

  /**
   * The HTTP settings of an HTTPS connector: requests know they came over TLS. The client checks
   * the host name against the certificate; the server does not also require SNI to match, since
   * clients that call an IP address send none.
   */
  private static HttpConfiguration https(HttpConfiguration http) {
    HttpConfiguration https = new HttpConfiguration(http);
    https.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
    return https;
  }

  /** Binds and starts serving; throws when the address cannot be bound. */
  public void start() {
    app.start();
  }

  public int port() {
    return app.port();
  }

  /**
   * Stops accepting connections, waits up to {@code drain} for requests in flight to finish (new
   * requests on open connections are answered 503 meanwhile), then closes every connection.
   */
  public void stop(Duration drain) {
    try {
      // Connectors are Graceful: shutdown() closes the listening socket.
      for (Connector connector : app.jettyServer().server().getConnectors()) {
        connector.shutdown();
      }
      inFlight.shutdown().get(drain.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn(
          "{} requests still running after {} ms; closing their connections",
          inFlight.getCurrentRequestCount(),
          drain.toMillis());
    } catch (ExecutionException e) {
      LOG.warn("waiting for requests in flight failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("stopping the listener gracefully failed", e);
    }
    app.stop();
  }
}
