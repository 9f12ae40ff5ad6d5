package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker whose heartbeats reach the coordinator but whose {@code --advertise} URL the coordinator
 * cannot call: it shows as unreachable, with the reason, and gets no children.
 */
class UnreachableAdvertiseTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();

  private Daemon worker(Daemon coordinator, String alias, String advertise) {
    return fleet.worker(coordinator, alias, settings -> settings.advertiseUrl(advertise));
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
    Daemon coordinator = fleet.coordinator();
    String wrong = "http://127.0.0.1:" + closedPort();
    worker(coordinator, "worker-a", wrong);
    Daemon good = worker(coordinator, "worker-b", null);

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
    Daemon coordinator = fleet.coordinator();
    // worker-a advertises the coordinator's own URL: something answers there, but not worker-a.
    worker(coordinator, "worker-a", coordinator.url());

    Await.until(
        "worker-a is noted unreachable",
        () -> view(coordinator, "worker-a").map(v -> v.unreachable() != null).orElse(false));
    assertThat(view(coordinator, "worker-a").orElseThrow().unreachable())
        .contains("another daemon answers there", coordinator.did());
  }
}
