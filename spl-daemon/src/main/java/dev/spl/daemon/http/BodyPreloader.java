package dev.spl.daemon.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Receives a request body without a thread before the routes see it. The routes read bodies with
 * blocking servlet reads; without this, every client that sends less than its {@code
 * Content-Length} would hold one of the server's threads until it gave up, and a few hundred such
 * clients would leave none for {@code /health} or heartbeats. Here the bytes are gathered as they
 * arrive (Jetty calls back when there are more), and the route runs once the body is complete, on a
 * body that is already in memory.
 *
 * <p>At most {@code maxRequestBytes + 1} bytes are gathered: one more than the limit is enough for
 * the route to answer 413. A body whose declared length is over the limit is not read at all. A
 * client that stops sending is answered 408 when the request's idle timeout passes.
 *
 * <p>Jetty's {@code EagerContentHandler} does much the same, but its retained-content loader keeps
 * waiting after an idle timeout (the timeout arrives as a transient failure it stores as content),
 * so a stalled body would never be answered.
 */
final class BodyPreloader extends Handler.Wrapper {
  private final long maxRequestBytes;

  BodyPreloader(long maxRequestBytes, Handler next) {
    super(next);
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long declared = request.getLength();
    boolean chunked =
        request
            .getHeaders()
            .contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
    if (declared == 0 || (declared < 0 && !chunked) || declared > maxRequestBytes) {
      // No body, or one the route refuses by its declared size without reading it.
      return super.handle(request, response, callback);
    }
    new Loader(request, response, callback, declared).run();
    return true;
  }

  /** Gathers one body; runs again each time Jetty has more of it. */
  private final class Loader implements Runnable {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long declared;
    private final ByteArrayOutputStream body;

    Loader(Request request, Response response, Callback callback, long declared) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.declared = declared;
      this.body =
          new ByteArrayOutputStream((int) Math.min(declared > 0 ? declared : 8192, 1 << 20));
    }

    @Override
    public void run() {
      while (true) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          refuse(chunk.getFailure());
          return;
        }
        ByteBuffer bytes = chunk.getByteBuffer();
        if (bytes.hasArray()) {
          body.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
          byte[] copy = new byte[bytes.remaining()];
          bytes.duplicate().get(copy);
          body.write(copy, 0, copy.length);
        }
        boolean last = chunk.isLast();
        chunk.release();
        if (last || body.size() > maxRequestBytes) {
          dispatch(last);
          return;
        }
      }
    }

    private void dispatch(boolean complete) {
      Request loaded = new Loaded(request, body.toByteArray(), complete);
      try {
        if (!getHandler().handle(loaded, response, callback)) {
          Response.writeError(loaded, response, callback, 404);
        }
      } catch (Throwable failure) {
        Response.writeError(loaded, response, callback, failure);
      }
    }

    private void refuse(Throwable failure) {
      String received =
          body.size() + (declared > 0 ? " of the " + declared + " bytes its Content-Length" : "");
      response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      if (failure instanceof TimeoutException) {
        ErrorEnvelope.write(
            response,
            callback,
            408,
            "REQUEST_TIMEOUT",
            "request body: "
                + received
                + (declared > 0 ? " declares" : " bytes")
                + " arrived, then nothing for "
                + request.getConnectionMetaData().getConnection().getEndPoint().getIdleTimeout()
                + " ms; send the whole body at once");
      } else {
        ErrorEnvelope.write(
            response,
            callback,
            400,
            "UNREADABLE_BODY",
            "request body: could not be read after "
                + received
                + (declared > 0 ? " declares" : " bytes")
                + " ("
                + failure.getMessage()
                + ")");
      }
    }
  }

  /** The request with its body already in memory: the routes' reads never wait. */
  private static final class Loaded extends Request.Wrapper {
    private Content.Chunk preloaded;

    Loaded(Request request, byte[] body, boolean complete) {
      super(request);
      this.preloaded = Content.Chunk.from(ByteBuffer.wrap(body), complete);
    }

    @Override
    public Content.Chunk read() {
      synchronized (this) {
        if (preloaded != null) {
          Content.Chunk chunk = preloaded;
          preloaded = null;
          return chunk;
        }
      }
      return super.read();
    }
  }
}
