package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.home.FleetToken;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fleet whose daemons all require the token: heartbeats and outbox deliveries carry it, and a
 * shell child that prints its whole environment shows no trace of it.
 */
class TokenFleetTest {
  private static final String TOKEN = FleetToken.generate();

  @RegisterExtension final TestFleet fleet = TestFleet.requiringToken(TOKEN);

  @Test
  void aFanOutRunsAcrossDaemonsThatRequireTheTokenAndNoChildSeesIt() throws Exception {
    Daemon coordinator = fleet.coordinator();
    Daemon worker =
        fleet.worker(
            coordinator,
            "worker-a",
            settings ->
                settings
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(FleetSettings.DEFAULT_ECHO_DELAY));
    fleet.awaitLive(coordinator, 1);

    String thread = ThreadIds.derive("task", "token-fleet");
    List<Record> records =
        FleetTestSupport.fanoutRecords(
            thread, "docs", "all", List.of("{\"goal\":\"dump\",\"run\":\"env; echo done\"}"));
    coordinator.records().appendAll(records);

    Await.until(
        "the join completed",
        () ->
            !FleetTestSupport.query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, null)
                .isEmpty());
    StoredRecord join =
        FleetTestSupport.query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, null).get(0);
    assertThat(join.record().body().path("verdict").asText()).isEqualTo("accept");
    for (Daemon daemon : fleet.daemons()) {
      for (StoredRecord stored :
          daemon.records().query(new dev.spl.core.RecordQuery(null, null, null, 0, 10_000))) {
        assertThat(stored.record().body().toString()).doesNotContain(TOKEN);
      }
    }
    try (Stream<Path> files = Files.walk(worker.home().resolve("work"))) {
      List<Path> logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
      assertThat(logs).isNotEmpty();
      for (Path log : logs) {
        String output = Files.readString(log);
        assertThat(output).contains("SPL_GOAL=dump").doesNotContain(TOKEN);
      }
    }
  }
}
