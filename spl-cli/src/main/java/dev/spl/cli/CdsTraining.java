package dev.spl.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the launcher's class-data-sharing archive: runs the client paths of
 * {@code spl} in-process so the JVM records the classes they load. It never loads daemon classes.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException {
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
    Map<String, String> env = Map.of("USER", "training");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort;
    String thread = "th_" + "0".repeat(64);
    List<String[]> runs =
        List.of(
            new String[] {"--version"},
            new String[] {"--help"},
            new String[] {"records", "list", "--url", url, "--limit", "1"},
            new String[] {"-o", "json", "records", "get", "--url", url, "0".repeat(64)},
            new String[] {
              "records", "emit", "--url", url, "--thread", thread, "--act", "DO", "--body", "{}"
            },
            new String[] {"daemon", "status", "--url", url, "--home", "/nonexistent-spl-home"},
            new String[] {"fleet", "list", "--url", url});
    for (String[] run : runs) {
      Spl.run(sink, sink, env, run);
    }
    // The answer side: parsing a list page and printing it as text and JSON.
    var page =
        dev.spl.core.Json.MAPPER.readTree(
            "{\"object\":\"list\",\"data\":[{\"seq\":1,\"id\":\"ab\",\"act\":\"DO\","
                + "\"body\":{\"topic\":\"t\"},\"thread\":\"th_x\"}],\"next_after\":1}");
    Table.print(sink, List.of("SEQ", "ID"), List.<String[]>of(new String[] {"1", "ab"}));
    sink.println(
        dev.spl.core.Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(page));
  }
}
