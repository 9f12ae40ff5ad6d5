package dev.spl.daemon.outbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that answers each request with the next of its scripted answers; an answer
 * ending in "CLOSE" closes the connection right after it without saying so.
 */
final class ScriptedServer implements AutoCloseable {
  final ServerSocket socket;
  final AtomicInteger connections = new AtomicInteger();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> answers;
  private final AtomicInteger next = new AtomicInteger();
  private final Thread thread;

  ScriptedServer(List<String> answers) throws IOException {
    this.answers = answers;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.thread = new Thread(this::serve, "scripted-server");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  String url() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket connection = socket.accept()) {
        connections.incrementAndGet();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = connection.getOutputStream();
        while (true) {
          String requestLine = in.readLine();
          if (requestLine == null) {
            break;
          }
          int length = 0;
          for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase().startsWith("authorization:")) {
              authorizations.add(line.substring(14).trim());
            }
            if (line.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          char[] body = new char[length];
          int read = 0;
          while (read < length) {
            read += in.read(body, read, length - read);
          }
          requests.add(requestLine + " " + new String(body));
          String answer = answers.get(Math.min(next.getAndIncrement(), answers.size() - 1));
          boolean close = answer.endsWith("CLOSE");
          out.write(
              answer
                  .substring(0, close ? answer.length() - 5 : answer.length())
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (close) {
            break;
          }
        }
      } catch (IOException e) {
        // The test closed the server, or the client went away: accept the next connection.
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
