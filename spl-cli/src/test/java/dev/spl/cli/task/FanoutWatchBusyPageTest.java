package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.Json;
import dev.spl.core.fanout.JoinStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A coordinator whose reconciler is too busy to answer one page of children (503 {@code
 * RECONCILER_BUSY}, as a wide fan-out on a loaded machine gives) costs the watch a round, not the
 * command: it reads again from what it had read completely.
 */
class FanoutWatchBusyPageTest {
  private static final String FANOUT = "f".repeat(64);

  private HttpServer coordinator;
  private final List<String> children = new ArrayList<>();
  private boolean secondPageBusy = true;

  @BeforeEach
  void start() throws IOException {
    coordinator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    coordinator.createContext("/v1/fanouts/" + FANOUT, this::answer);
    coordinator.start();
  }

  @AfterEach
  void stop() {
    coordinator.stop(0);
  }

  private ObjectNode summary() {
    ObjectNode summary = Json.MAPPER.createObjectNode();
    summary.put("fanout", FANOUT);
    summary.put("thread", "th_" + "a".repeat(64));
    summary.put("namespace", "ns");
    summary.put("epoch", 7);
    summary.put("version", 5);
    summary.put("width", 3);
    summary.put("spawned", 3);
    summary.put("completed", 1);
    summary.put("join", "all");
    summary.put("complete", false);
    return summary;
  }

  private static ObjectNode row(int index) {
    ObjectNode row = Json.MAPPER.createObjectNode();
    row.put("index", index);
    row.put("goal", "child " + index);
    row.put("target", "least-loaded");
    row.put("lifecycle", index == 0 ? "done" : "in_progress");
    row.put("state", index == 0 ? "accept" : "running");
    row.put("attempt", 1);
    row.put("child_thread", "th_" + Integer.toString(index).repeat(64));
    row.put("summary", "");
    return row;
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String query = exchange.getRequestURI().getRawQuery();
    children.add(path + "?" + query);
    int status = 200;
    ObjectNode body;
    if (!path.endsWith("/children")) {
      body = summary();
    } else if (query.contains("after=-1")) {
      body = page(List.of(row(0), row(1)), true);
    } else if (secondPageBusy) {
      secondPageBusy = false;
      status = 503;
      body = Json.MAPPER.createObjectNode();
      body.put("object", "error");
      body.put("code", "RECONCILER_BUSY");
      body.put("message", "the coordinator's reconciler did not answer within 10 s; try again");
    } else {
      body = page(List.of(row(2)), false);
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private ObjectNode page(List<ObjectNode> rows, boolean hasMore) {
    ObjectNode page = Json.MAPPER.createObjectNode();
    page.put("epoch", 7);
    page.put("version", 5);
    page.set("summary", summary());
    ArrayNode data = page.putArray("data");
    rows.forEach(data::add);
    page.put("has_more", hasMore);
    if (hasMore) {
      page.put("next_after", rows.get(rows.size() - 1).path("index").asInt());
    }
    return page;
  }

  @Test
  void aBusyPageCostsARoundAndTheNextRoundReadsEveryChild() {
    FanoutWatch watch =
        new FanoutWatch(
            new DaemonClient("http://127.0.0.1:" + coordinator.getAddress().getPort(), null),
            FANOUT);

    assertThat(watch.poll()).as("the round cut short by the busy page").isNull();
    assertThat(watch.poll()).as("the first complete round").isEmpty();

    JoinStatus status = watch.status();
    assertThat(status.perSubtask())
        .extracting(JoinStatus.SubtaskStatus::state)
        .containsExactly("accept", "running", "running");
    assertThat(watch.progress()).isEqualTo("spawned 3/3 · completed 1/3");
    // The second round read from the start again, with no changed_after cursor.
    assertThat(children.stream().filter(r -> r.contains("after=-1")).toList())
        .hasSize(2)
        .noneMatch(r -> r.contains("changed_after"));
  }
}
