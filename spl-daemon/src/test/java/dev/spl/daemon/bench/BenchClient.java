package dev.spl.daemon.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal keep-alive HTTP/1.1 client for the benchmark: TCP_NODELAY and one write per request.
 * HttpURLConnection writes the headers and the body in separate segments, which on loopback costs
 * about 1 ms per POST (Nagle's algorithm against delayed ACKs) and would measure the client instead
 * of the daemon.
 */
final class BenchClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] headPrefix;

  BenchClient(String host, int port, String path) throws IOException {
    socket = new Socket(host, port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    headPrefix =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: "
                + host
                + ":"
                + port
                + "\r\nContent-Type: application/json\r\n")
            .getBytes(StandardCharsets.US_ASCII);
  }

  /** Posts the body and returns the status; the response body is read and dropped. */
  int post(byte[] body) throws IOException {
    byte[] length =
        ("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[headPrefix.length + length.length + body.length];
    System.arraycopy(headPrefix, 0, request, 0, headPrefix.length);
    System.arraycopy(length, 0, request, headPrefix.length, length.length);
    System.arraycopy(body, 0, request, headPrefix.length + length.length, body.length);
    out.write(request);
    out.flush();
    String statusLine = readLine();
    int status = Integer.parseInt(statusLine.substring(9, 12));
    int contentLength = -1;
    boolean chunked = false;
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      String name = colon > 0 ? line.substring(0, colon).trim() : "";
      String value = colon > 0 ? line.substring(colon + 1).trim() : "";
      if (name.equalsIgnoreCase("content-length")) {
        contentLength = Integer.parseInt(value);
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        chunked = value.equalsIgnoreCase("chunked");
      }
    }
    byte[] response;
    if (chunked) {
      java.io.ByteArrayOutputStream collected = new java.io.ByteArrayOutputStream();
      for (int size = Integer.parseInt(readLine().trim(), 16);
          size > 0;
          size = Integer.parseInt(readLine().trim(), 16)) {
        collected.write(in.readNBytes(size));
        readLine();
      }
      readLine();
      response = collected.toByteArray();
    } else if (contentLength >= 0) {
      response = in.readNBytes(contentLength);
    } else {
      throw new IOException("expected a Content-Length or chunks in the response to " + statusLine);
    }
    if (status != 201) {
      throw new IOException(
          "expected 201 but got "
              + statusLine
              + ": "
              + new String(response, StandardCharsets.UTF_8));
    }
    return status;
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the daemon closed the connection");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
