package dev.spl.daemon.outbox;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * POSTs JSON over plain HTTP/1.1 from the calling thread, with one kept-alive connection per
 * destination. The JDK's HttpClient hands every request to its selector thread and the response
 * back through an executor, several thread switches per request that cost milliseconds each on a
 * busy machine and sit on the critical path of every fan-out hop; here the caller writes the
 * request in one segment (TCP_NODELAY) and blocks reading the answer.
 *
 * <p>A request that fails on a connection that had served an earlier request is retried once on a
 * new connection: the receiver may have closed it while idle. That is safe because what the outbox
 * posts is content-addressed: a repeat is a no-op at the receiver.
 *
 * <p>One sender thread posts; {@link #close()} may be called from another thread to break off a
 * request in progress (its socket is closed and the post fails).
 */
final class HttpPoster implements AutoCloseable {
  static final int CONNECT_TIMEOUT_MILLIS = 2000;
  static final int READ_TIMEOUT_MILLIS = 30_000;
  private static final int MAX_LINE = 16 * 1024;

  private final String token;
  private final int readTimeoutMillis;
  private final Map<String, Connection> connections = new ConcurrentHashMap<>();

  HttpPoster(String token) {
    this(token, READ_TIMEOUT_MILLIS);
  }

  HttpPoster(String token, int readTimeoutMillis) {
    this.token = token;
    this.readTimeoutMillis = readTimeoutMillis;
  }

  /** Whether this poster can reach {@code destination} (plain {@code http://} URLs). */
  static boolean supports(String destination) {
    return destination.regionMatches(true, 0, "http://", 0, 7);
  }

  /** POSTs {@code body} to {@code destination + path}; returns the status, drops the answer. */
  int post(String destination, String path, byte[] body) throws IOException {
    Connection connection = connections.get(destination);
    if (connection != null) {
      try {
        return exchange(destination, connection, path, body);
      } catch (IOException stale) {
        // Fall through to one try on a new connection.
      }
    }
    return exchange(destination, open(destination), path, body);
  }

  private int exchange(String destination, Connection connection, String path, byte[] body)
      throws IOException {
    try {
      Response response = connection.post(path, body, token);
      if (response.close()) {
        drop(destination);
      }
      return response.status();
    } catch (IOException | RuntimeException e) {
      drop(destination);
      throw e instanceof IOException io
          ? io
          : new IOException("malformed answer from " + destination + ": " + e.getMessage(), e);
    }
  }

  private Connection open(String destination) throws IOException {
    URI uri = URI.create(destination);
    String host = uri.getHost();
    if (host == null || !supports(destination)) {
      throw new IOException("expected an http://host:port URL but found '" + destination + "'");
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(readTimeoutMillis);
      socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    String prefix = uri.getRawPath() == null ? "" : stripTrailingSlash(uri.getRawPath());
    String hostHeader = uri.getRawAuthority();
    Connection connection = new Connection(socket, hostHeader, prefix);
    connections.put(destination, connection);
    return connection;
  }

  private static String stripTrailingSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private void drop(String destination) {
    Connection connection = connections.remove(destination);
    if (connection != null) {
      connection.close();
    }
  }

  @Override
  public void close() {
    connections.values().forEach(Connection::close);
    connections.clear();
  }

  private record Response(int status, boolean close) {}

  private static final class Connection {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;
    private final String pathPrefix;

    Connection(Socket socket, String host, String pathPrefix) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      this.host = host;
      this.pathPrefix = pathPrefix;
    }

    Response post(String path, byte[] body, String token) throws IOException {
      StringBuilder head = new StringBuilder(160);
      head.append("POST ").append(pathPrefix).append(path).append(" HTTP/1.1\r\n");
      head.append("Host: ").append(host).append("\r\n");
      head.append("Content-Type: application/json\r\n");
      // The sender only needs the status: the receiver need not serialise the records back.
      head.append("Prefer: return=minimal\r\n");
      head.append("Content-Length: ").append(body.length).append("\r\n");
      if (token != null) {
        head.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      head.append("\r\n");
      byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
      byte[] request = new byte[headBytes.length + body.length];
      System.arraycopy(headBytes, 0, request, 0, headBytes.length);
      System.arraycopy(body, 0, request, headBytes.length, body.length);
      out.write(request);
      out.flush();
      return readResponse();
    }

    private Response readResponse() throws IOException {
      String statusLine = readLine();
      if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
        throw new IOException("expected an HTTP/1.x status line but found '" + statusLine + "'");
      }
      int status = Integer.parseInt(statusLine.substring(9, 12));
      long contentLength = -1;
      boolean chunked = false;
      boolean close = statusLine.startsWith("HTTP/1.0");
      for (String line = readLine(); !line.isEmpty(); line = readLine()) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("content-length")) {
          contentLength = Long.parseLong(value);
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
        } else if (name.equalsIgnoreCase("connection")) {
          close = value.equalsIgnoreCase("close");
        }
      }
      if (chunked) {
        for (long size = chunkSize(); size > 0; size = chunkSize()) {
          skip(size);
          readLine();
        }
        // Trailers, up to the empty line.
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
          // dropped
        }
      } else if (contentLength >= 0) {
        skip(contentLength);
      } else {
        // The body runs to the end of the connection.
        while (in.read() >= 0) {
          // dropped
        }
        close = true;
      }
      return new Response(status, close);
    }

    private long chunkSize() throws IOException {
      String line = readLine();
      int extension = line.indexOf(';');
      return Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
    }

    private void skip(long n) throws IOException {
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          if (in.read() < 0) {
            throw new IOException("the connection closed " + left + " bytes before the answer end");
          }
          skipped = 1;
        }
        left -= skipped;
      }
    }

    private String readLine() throws IOException {
      StringBuilder line = new StringBuilder(64);
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("the connection closed in the middle of the answer");
        }
        if (line.length() >= MAX_LINE) {
          throw new IOException("an answer line is longer than " + MAX_LINE + " bytes");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // Nothing more to release.
      }
    }
  }
}
