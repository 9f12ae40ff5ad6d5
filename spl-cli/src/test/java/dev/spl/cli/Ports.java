package dev.spl.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

public final class Ports {
  private Ports() {}

  /** A loopback port that was just free and has nothing listening on it now. */
  public static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
