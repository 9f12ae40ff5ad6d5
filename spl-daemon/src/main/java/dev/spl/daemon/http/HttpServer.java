package dev.spl.daemon.http;

import io.javalin.Javalin;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP listener of a daemon, with a stop that lets requests in flight finish. */
public final class HttpServer {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  private final Javalin app;
  private final GracefulHandler inFlight;

  HttpServer(Javalin app, GracefulHandler inFlight) {
    this.app = app;
    this.inFlight = inFlight;
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
