package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.CliException;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A watch starts by asking the coordinator for the task's fan-out; a reconciler too busy to answer
 * (503 {@code RECONCILER_BUSY}, a wide fan-out on a loaded machine) is asked again until the
 * watch's deadline instead of ending the command.
 */
class FanoutWatchBusyListingTest {
  private static final String FANOUT = "f".repeat(64);
  private static final String THREAD = "th_" + "a".repeat(64);

  private HttpServer coordinator;
  private final AtomicInteger busyAnswersLeft = new AtomicInteger();
  private final AtomicInteger listings = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    coordinator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    coordinator.createContext("/v1/fanouts", this::answer);
    coordinator.start();
  }

  @AfterEach
  void stop() {
    coordinator.stop(0);
  }

  private void answer(HttpExchange exchange) throws IOException {
    listings.incrementAndGet();
    ObjectNode body = Json.MAPPER.createObjectNode();
    int status = 200;
    if (busyAnswersLeft.getAndDecrement() > 0) {
      status = 503;
      body.put("object", "error");
      body.put("code", "RECONCILER_BUSY");
      body.put("message", "the coordinator's reconciler did not answer within 10 s; try again");
    } else {
      body.put("object", "list");
      ObjectNode fanout = body.putArray("data").addObject();
      fanout.put("fanout", FANOUT);
      fanout.put("thread", THREAD);
      fanout.putNull("replaced_by");
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private DaemonClient client() {
    return new DaemonClient("http://127.0.0.1:" + coordinator.getAddress().getPort(), null);
  }

  @Test
  void aBusyReconcilerIsAskedAgainUntilItAnswers() throws InterruptedException {
    busyAnswersLeft.set(2);

    assertThat(FanoutWatch.listedFanout(client(), THREAD, System.nanoTime() + 60_000_000_000L, 1))
        .contains(FANOUT);
    assertThat(listings).hasValue(3);
  }

  @Test
  void pastTheDeadlineTheBusyAnswerIsTheError() {
    busyAnswersLeft.set(Integer.MAX_VALUE);

    assertThatThrownBy(() -> FanoutWatch.listedFanout(client(), THREAD, System.nanoTime(), 1))
        .isInstanceOf(CliException.class)
        .extracting(e -> ((CliException) e).code())
        .isEqualTo("RECONCILER_BUSY");
  }
}
