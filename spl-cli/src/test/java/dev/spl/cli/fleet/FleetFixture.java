package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fleet.FleetStatus;
import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Registry;
import dev.spl.core.fleet.Role;
import java.util.List;

/**
 * A fleet status built with the core's registry, as a coordinator would answer {@code GET
 * /v1/fleet/status}: a coordinator, a live busy worker-a, a worker-b silent for 20 s (stale) and a
 * worker-c that stopped cleanly (archived).
 */
final class FleetFixture {
  static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  static final String WORKER_A = "did:sync:instance:000000000000000a";
  static final String WORKER_B = "did:sync:instance:000000000000000b";
  static final String WORKER_C = "did:sync:instance:00000000000000cc";
  static final long T0 = 1_700_000_000_000L;
  static final long NOW = T0 + 120_000;

  private FleetFixture() {}

  static Heartbeat beat(
      String did,
      String alias,
      Role role,
      String endpoint,
      long sentAt,
      int active,
      Health health) {
    return new Heartbeat(
        did,
        alias,
        role,
        endpoint,
        "0.1.0",
        T0,
        (sentAt - T0) / 1000,
        active,
        4,
        4 - active,
        health,
        sentAt);
  }

  /** The status JSON with each instance's endpoint at {@code baseUrl} (one server answers all). */
  static ObjectNode statusJson(String baseUrl, List<Freeze> freezes, EmergencyStop emergency) {
    Registry registry = new Registry(FleetThresholds.DEFAULT);
    registry.receive(
        beat(COORDINATOR, "coordinator", Role.COORDINATOR, baseUrl, NOW - 1_000, 0, Health.HEALTHY),
        NOW - 1_000);
    registry.receive(
        beat(WORKER_A, "worker-a", Role.WORKER, baseUrl, NOW - 2_000, 3, Health.HEALTHY),
        NOW - 2_000);
    registry.receive(
        beat(
            WORKER_B,
            "worker-b",
            Role.WORKER,
            "http://127.0.0.1:1",
            NOW - 20_000,
            0,
            Health.HEALTHY),
        NOW - 20_000);
    registry.receive(
        beat(
            WORKER_C,
            "worker-c",
            Role.WORKER,
            "http://127.0.0.1:1",
            NOW - 5_000,
            0,
            Health.STOPPED),
        NOW - 5_000);
    FleetStatus status =
        new FleetStatus(
            baseUrl,
            registry.thresholds().heartbeatIntervalMillis(),
            registry.counts(NOW),
            registry.list(NOW),
            freezes,
            emergency);
    return status.toJson();
  }

  static ObjectNode statusJson(String baseUrl) {
    return statusJson(baseUrl, List.of(), EmergencyStop.NEVER_ISSUED);
  }

  static Freeze freeze() {
    return new Freeze(
        "docs/v0.11", FreezeLevel.SOFT, 60, "wrong approach on section A", "did:sync:user:ada", T0);
  }
}
