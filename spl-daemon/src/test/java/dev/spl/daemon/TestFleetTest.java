package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The test fleet starts daemons only on 127.0.0.1 port 0 in homes of its own. */
class TestFleetTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();
  @TempDir Path elsewhere;

  @Test
  void aCoordinatorAndAWorkerStartInTheirOwnHomesOnAnyFreeLoopbackPort() {
    Daemon coordinator = fleet.coordinator();
    Daemon worker = fleet.worker(coordinator, "worker-a");
    fleet.awaitLive(coordinator, 1);

    assertThat(coordinator.home()).isEqualTo(fleet.home("coordinator"));
    assertThat(worker.home()).isEqualTo(fleet.home("worker-a"));
    assertThat(worker.url()).startsWith("http://127.0.0.1:").isNotEqualTo(coordinator.url());
    assertThat(fleet.daemons()).containsExactly(coordinator, worker);
  }

  @Test
  void aFixedPortAnotherAddressOrAHomeElsewhereIsRefused() {
    assertThatThrownBy(() -> fleet.start(fleet.config("a").port(9100).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a test daemon binds 127.0.0.1 port 0, but this one binds 127.0.0.1 port 9100");
    assertThatThrownBy(() -> fleet.start(fleet.config("b").bindHost("0.0.0.0").build()))
        .hasMessageContaining("but this one binds 0.0.0.0 port 0");
    assertThatThrownBy(
            () -> fleet.start(DaemonConfig.builder(elsewhere.resolve("c")).port(0).build()))
        .hasMessageContaining("keeps its home in")
        .hasMessageEndingWith("but this one in " + elsewhere.resolve("c"));
    assertThat(fleet.daemons()).isEmpty();
  }
}
