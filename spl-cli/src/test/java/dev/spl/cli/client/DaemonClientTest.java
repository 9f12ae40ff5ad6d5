package dev.spl.cli.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.CliException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DaemonClientTest {
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private String serve(String body) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void anAnswerThatIsNotJsonNamesWhatTheParserFoundWrong() throws Exception {
    String url = serve("{\"object\":\"list\",\"version\":1,\"version\":2}");
    DaemonClient client = new DaemonClient(url, null);

    assertThatThrownBy(() -> client.get("/v1/health"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("expected JSON from " + url + "/v1/health (HTTP 200) but ")
        .hasMessageContaining("Duplicate field 'version'")
        .hasMessageContaining("{\"object\":\"list\"");
  }
}
