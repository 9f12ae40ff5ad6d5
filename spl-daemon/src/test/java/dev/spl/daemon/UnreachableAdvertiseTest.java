package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Role;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose heartbeats reach the coordinator but whose {@code --advertise} URL the coordinator
 * cannot call: it shows as unreachable, with the reason, and gets no children.
 */
class UnreachableAdvertiseTest {
  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private Daemon worker(String alias, String coordinatorUrl, String advertise) {
    FleetSettings fleet =
        FleetSettings.builder()
            .worker(alias, coordinatorUrl)
            .heartbeatInterval(FleetTestSupport.INTERVAL)
            .build();
    return start(
        DaemonConfig.builder(dir.resolve(alias))
            .port(0)
            .durability(Durability.FAST)
            .fleet(advertise == null ? fleet : fleet.toBuilder().advertiseUrl(advertise).build())
            .build());
  }

  /** A loopback port nothing listens on: bound, then released. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Optional<InstanceView> view(Daemon coordinator, String alias) {
    return coordinator.fleetRegistry().orElseThrow().instances().stream()
        .filter(v -> v.alias().equals(alias))
        .findFirst();
  }

  @Test
  void aWorkerTheCoordinatorCannotCallShowsAsUnreachableAndGetsNoChildren() throws Exception {
    Daemon coordinator = start(FleetTestSupport.coordinatorConfig(dir.resolve("coordinator")));
    String wrong = "http://127.0.0.1:" + closedPort();
    worker("worker-a", coordinator.url(), wrong);
    Daemon good = worker("worker-b", coordinator.url(), null);

    Await.until(
        "worker-a is noted unreachable",
        () -> view(coordinator, "worker-a").map(v -> v.unreachable() != null).orElse(false));
    InstanceView unreachable = view(coordinator, "worker-a").orElseThrow();
    assertThat(unreachable.endpoint()).isEqualTo(wrong);
    assertThat(unreachable.unreachable()).contains("connection refused");
    assertThat(unreachable.statusText()).isEqualTo("unreachable");

    Await.until("worker-b is live", () -> view(coordinator, "worker-b").isPresent());
    FleetRegistry registry = coordinator.fleetRegistry().orElseThrow();
    Await.until(
        "only worker-b may take children",
        () ->
            registry.directory(coordinator.url(), 60_000).live().stream()
                .map(w -> w.did())
                .toList()
                .equals(List.of(good.did())));

    JsonNode status = new Http(coordinator.url()).get("/v1/fleet/status").json();
    JsonNode a = null;
    for (JsonNode instance : status.path("instances")) {
      if (instance.path("alias").asText().equals("worker-a")) {
        a = instance;
      }
    }
    assertThat(a).isNotNull();
    assertThat(a.path("reachable").asBoolean(true)).isFalse();
    assertThat(a.path("unreachable").asText()).contains("connection refused");
    assertThat(view(coordinator, "worker-b").orElseThrow().role()).isEqualTo(Role.WORKER);
  }

  @Test
  void anAdvertisedUrlWhereAnotherDaemonAnswersIsUnreachable() {
    Daemon coordinator = start(FleetTestSupport.coordinatorConfig(dir.resolve("coordinator")));
    // worker-a advertises the coordinator's own URL: something answers there, but not worker-a.
    worker("worker-a", coordinator.url(), coordinator.url());

    Await.until(
        "worker-a is noted unreachable",
        () -> view(coordinator, "worker-a").map(v -> v.unreachable() != null).orElse(false));
    assertThat(view(coordinator, "worker-a").orElseThrow().unreachable())
        .contains("another daemon answers there", coordinator.did());
  }
}
