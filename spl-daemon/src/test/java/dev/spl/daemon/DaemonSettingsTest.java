package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.SettingsChanged;
import dev.spl.core.home.SettingsFile;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon keeps the settings it runs with in its home and records when they change. */
class DaemonSettingsTest {
  @TempDir Path dir;

  private static List<StoredRecord> settingsChanges(Daemon daemon) {
    return daemon
        .records()
        .query(
            new RecordQuery(ThreadIds.INSTANCE_REGISTRY, SettingsChanged.TOPIC, Act.LEARN, 0, 100));
  }

  private DaemonConfig echoWorker(Path home, String coordinator) {
    return DaemonConfig.builder(home)
        .port(0)
        .fleet(
            FleetSettings.builder()
                .worker("worker-a", coordinator)
                .executor(FleetSettings.ExecutorKind.ECHO)
                .echoDelay(Duration.ZERO)
                .labels(Map.of("zone", "a"))
                .build())
        .build();
  }

  @Test
  void theFirstStartWritesItsSettingsAndAnUnchangedRestartRecordsNothing() throws Exception {
    Path home = dir.resolve("home");
    DaemonConfig config = echoWorker(home, "http://127.0.0.1:1");
    try (Daemon daemon = Daemon.start(config)) {
      assertThat(SettingsFile.read(home)).contains(config.settings());
      assertThat(settingsChanges(daemon)).isEmpty();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(SettingsFile.of(home))))
        .isEqualTo("rw-------");
    InstanceSettings stored = SettingsFile.read(home).orElseThrow();
    assertThat(stored.executor()).isEqualTo(ExecutorKind.ECHO);
    assertThat(stored.labels()).containsEntry("zone", "a");
    assertThat(DaemonConfig.of(home, stored, null).settings()).isEqualTo(stored);

    try (Daemon again = Daemon.start(config)) {
      assertThat(settingsChanges(again)).isEmpty();
    }
  }

  @Test
  void aStartWithOtherSettingsRecordsTheChangeInItsOwnLog() throws Exception {
    Path home = dir.resolve("home");
    DaemonConfig echo = echoWorker(home, "http://127.0.0.1:1");
    try (Daemon daemon = Daemon.start(echo)) {
      assertThat(daemon.did()).isNotEmpty();
    }
    DaemonConfig shell =
        echo.toBuilder()
            .fleet(
                echo.fleet().toBuilder()
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(Duration.ZERO)
                    .slots(8)
                    .build())
            .build();

    try (Daemon daemon = Daemon.start(shell)) {
      List<StoredRecord> changes = settingsChanges(daemon);
      assertThat(changes).hasSize(1);
      StoredRecord change = changes.get(0);
      assertThat(change.record().actor()).isEqualTo(daemon.did());
      SettingsChanged body = SettingsChanged.fromBody(change.record().body());
      assertThat(body.changed()).containsExactly("executor", "slots");
      assertThat(body.from()).isEqualTo(echo.settings());
      assertThat(body.to()).isEqualTo(shell.settings());
      assertThat(SettingsFile.read(home)).contains(shell.settings());
    }
  }

  @Test
  void aBrokenSettingsFileFailsTheStartNamingIt() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    Files.writeString(SettingsFile.of(home), "{\"role\":\"worker\"}");

    assertThatThrownBy(() -> Daemon.start(DaemonConfig.builder(home).port(0).build()))
        .isInstanceOf(DaemonStartException.class)
        .hasMessageContaining(SettingsFile.of(home).toString())
        .hasMessageContaining("alias: expected a string");
  }

  @Test
  void aWorkersHeartbeatCarriesItsExecutorAndLabels() {
    try (Daemon coordinator =
            Daemon.start(
                DaemonConfig.builder(dir.resolve("coordinator"))
                    .port(0)
                    .fleet(
                        FleetSettings.builder().heartbeatInterval(Duration.ofMillis(100)).build())
                    .build());
        Daemon worker =
            Daemon.start(
                echoWorker(dir.resolve("worker"), coordinator.url()).toBuilder()
                    .fleet(
                        echoWorker(dir.resolve("worker"), coordinator.url()).fleet().toBuilder()
                            .heartbeatInterval(Duration.ofMillis(100))
                            .build())
                    .build())) {
      Await.until(
          "the worker's executor in the fleet status",
          () -> {
            for (JsonNode instance :
                new Http(coordinator.url()).get("/v1/fleet/status").json().path("instances")) {
              if (instance.path("did").asText().equals(worker.did())) {
                return "echo".equals(instance.path("executor").asText())
                    && "a".equals(instance.path("labels").path("zone").asText())
                    && instance.path("slots").asInt() == 4;
              }
            }
            return false;
          });
    }
  }
}
