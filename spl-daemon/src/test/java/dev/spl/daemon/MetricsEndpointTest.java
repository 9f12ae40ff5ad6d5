package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.home.FleetToken;
import dev.spl.core.store.Durability;
import dev.spl.testing.Await;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /metrics}: the Prometheus text a scraper reads, behind the token. */
class MetricsEndpointTest {
  private static final String TOKEN = FleetToken.generate();

  @RegisterExtension final TestFleet fleet = TestFleet.requiringToken(TOKEN);

  private static double value(String metrics, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in:\n" + metrics);
    }
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aFanOutShowsInTheCoordinatorsMetricsAndTheTokenIsRequired() throws Exception {
    Daemon coordinator =
        fleet.start(
            FleetTestSupport.coordinatorConfig(fleet.home("coordinator")).toBuilder()
                .durability(Durability.DURABLE)
                .build());
    fleet.worker(coordinator, "worker-a");
    Http anonymous = new Http(coordinator.url());
    assertThat(anonymous.get("/metrics").status()).isEqualTo(401);

    Http http = new Http(coordinator.url(), "Bearer " + TOKEN);
    Await.until(
        "the worker is live",
        () ->
            coordinator.fleetRegistry().orElseThrow().instances().stream()
                .anyMatch(i -> i.alias().equals("worker-a") && i.status().wire().equals("live")));
    String thread = ThreadIds.derive("task", "metrics");
    List<Record> records =
        FleetTestSupport.fanoutRecords(
            thread, "docs", "all", List.of("{\"goal\":\"a\"}", "{\"goal\":\"b\"}"));
    coordinator.records().appendAll(records);
    Await.until(
        "the join completed",
        () ->
            !FleetTestSupport.query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, null)
                .isEmpty());

    Http.Response response = http.get("/metrics");
    assertThat(response.status()).isEqualTo(200);
    java.net.http.HttpResponse<Void> head =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(coordinator.url() + "/metrics"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(head.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/plain; version=0.0.4");
    String metrics = response.text();
    // One LEARN chunk, the parent INTEND, and at least the spawn and join records.
    assertThat(value(metrics, "spl_records_appended_total{act=\"INTEND\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(metrics, "spl_records_appended_total{act=\"KNOW\"}"))
        .isGreaterThanOrEqualTo(2);
    assertThat(value(metrics, "spl_append_latency_seconds_count")).isGreaterThan(0);
    assertThat(value(metrics, "spl_fsync_latency_seconds_count")).isGreaterThan(0);
    assertThat(metrics).contains("spl_append_latency_seconds_bucket{le=");
    assertThat(value(metrics, "spl_child_spawn_to_done_seconds_count")).isEqualTo(2);
    assertThat(value(metrics, "spl_fanouts_open")).isZero();
    assertThat(value(metrics, "spl_fanout_children{state=\"active\"}")).isZero();
    assertThat(value(metrics, "spl_freezes_active")).isZero();
    assertThat(value(metrics, "spl_reconciler_lag_records")).isGreaterThanOrEqualTo(0);
    assertThat(metrics).containsPattern("spl_heartbeat_age_seconds\\{alias=\"worker-a\",[^}]*\\} ");
  }

  @Test
  void failedDeliveriesAndTheOutboxDepthAreCountedPerDestination() throws Exception {
    Daemon coordinator = fleet.coordinator();
    String nowhere = "http://127.0.0.1:1";
    Record record =
        new Record(
            ThreadIds.derive("task", "undeliverable"),
            FleetTestSupport.USER,
            dev.spl.core.Act.INTEND,
            (com.fasterxml.jackson.databind.node.ObjectNode)
                FleetTestSupport.parse("{\"topic\":\"note\"}"),
            1,
            List.of());
    coordinator
        .records()
        .appendAll(List.of(record), List.of(new dev.spl.core.OutboxEntry(nowhere, record.id())));

    Http http = new Http(coordinator.url(), "Bearer " + TOKEN);
    Await.until(
        "a failed delivery is counted",
        () ->
            http.get("/metrics")
                .text()
                .contains("spl_outbox_delivery_failures_total{destination=\"" + nowhere + "\"}"));
    String metrics = http.get("/metrics").text();
    assertThat(value(metrics, "spl_outbox_depth{destination=\"" + nowhere + "\"}")).isEqualTo(1);
    assertThat(
            value(metrics, "spl_outbox_delivery_failures_total{destination=\"" + nowhere + "\"}"))
        .isGreaterThanOrEqualTo(1);
  }
}
