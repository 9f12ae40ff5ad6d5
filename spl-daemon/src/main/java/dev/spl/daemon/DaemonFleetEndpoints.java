package dev.spl.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.http.ApiException;
import dev.spl.daemon.http.FleetEndpoints;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fleet routes of a daemon. The coordinator answers the fleet status and takes heartbeats; a
 * worker answers both with {@code 409 NOT_COORDINATOR} naming the coordinator to ask. Every daemon
 * lists its permission rules.
 */
final class DaemonFleetEndpoints implements FleetEndpoints {
  private static final long SUMMARY_TIMEOUT_SECONDS = 10;

  private final Daemon daemon;
  private final ControlGate gate;
  private final FleetRegistry fleet;
  private final FleetSettings settings;

  DaemonFleetEndpoints(
      Daemon daemon, ControlGate gate, FleetRegistry fleet, FleetSettings settings) {
    this.daemon = daemon;
    this.gate = gate;
    this.fleet = fleet;
    this.settings = settings;
  }

  @Override
  public ObjectNode fleetStatus() {
    DaemonContext context = running();
    if (fleet == null) {
      throw notCoordinator("the fleet status and registry");
    }
    ObjectNode node = fleet.status(context.url(), gate).toJson();
    Optional<Reconciler> reconciler = daemon.reconciler();
    ObjectNode fanouts;
    if (reconciler.isPresent()) {
      try {
        fanouts = reconciler.get().fanoutSummary().get(SUMMARY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new ApiException(
            503,
            "RECONCILER_BUSY",
            "the coordinator's reconciler did not answer within "
                + SUMMARY_TIMEOUT_SECONDS
                + " s (it may still be replaying its log); try again");
      } catch (ExecutionException e) {
        throw new ApiException(
            503, "RECONCILER_UNAVAILABLE", "the coordinator's reconciler is not running");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiException(503, "RECONCILER_UNAVAILABLE", "interrupted");
      }
    } else {
      fanouts = Json.MAPPER.createObjectNode().put("open", 0);
      fanouts.putArray("pending");
    }
    node.set("fanouts", fanouts);
    return node;
  }

  @Override
  public ObjectNode rules() {
    return gate.rulesJson();
  }

  @Override
  public boolean takesHeartbeats() {
    return true;
  }

  @Override
  public ObjectNode heartbeat(Record record) {
    DaemonContext context = running();
    if (fleet == null) {
      throw notCoordinator("heartbeats");
    }
    ObjectNode node = fleet.receive(record).toJson();
    node.put("coordinator_url", context.url());
    node.put("heartbeat_interval_ms", settings.heartbeatInterval().toMillis());
    return node;
  }

  /** The context of the daemon, which exists once its API listens. */
  private DaemonContext running() {
    DaemonContext context = daemon.context();
    if (context == null) {
      throw starting();
    }
    return context;
  }

  /** The answer to a request that arrives while the daemon is still starting. */
  static ApiException starting() {
    return new ApiException(503, "STARTING", "the daemon is still starting; try again");
  }

  private ApiException notCoordinator(String what) {
    ObjectNode details = Json.MAPPER.createObjectNode();
    details.put("role", settings.role().wire());
    details.put("coordinator_url", settings.coordinatorUrl());
    return new ApiException(
        409,
        "NOT_COORDINATOR",
        "this daemon is a worker; "
            + what
            + " belong to the coordinator: ask "
            + settings.coordinatorUrl(),
        details);
  }
}
