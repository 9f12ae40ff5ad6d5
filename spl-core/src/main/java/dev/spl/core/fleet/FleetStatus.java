package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.control.ControlState;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import java.util.List;

/**
 * The data of {@code spl fleet status} and {@code GET /v1/fleet/status} at one moment: where the
 * coordinator is, how often instances beat, how many are in each status, the load of each, the
 * active freezes and the emergency stop.
 */
public record FleetStatus(
    String coordinatorUrl,
    long heartbeatIntervalMillis,
    FleetCounts counts,
    List<InstanceView> instances,
    List<Freeze> freezes,
    EmergencyStop emergency) {

  public FleetStatus {
    instances = List.copyOf(instances);
    freezes = List.copyOf(freezes);
  }

  public static FleetStatus of(
      String coordinatorUrl, Registry registry, ControlState control, long nowMillis) {
    List<InstanceView> instances = registry.list(nowMillis);
    return new FleetStatus(
        coordinatorUrl,
        registry.thresholds().heartbeatIntervalMillis(),
        FleetCounts.of(instances),
        instances,
        control.activeFreezes(),
        control.emergency());
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "fleet_status");
    node.put("coordinator_url", coordinatorUrl);
    node.put("heartbeat_interval_ms", heartbeatIntervalMillis);
    node.set("counts", counts.toJson());
    ArrayNode load = node.putArray("instances");
    instances.forEach(view -> load.add(view.toJson()));
    ArrayNode active = node.putArray("freezes");
    for (Freeze freeze : freezes) {
      ObjectNode entry = freeze.toBody();
      entry.remove("topic");
      if (freeze.hardDeadlineMillis() != Long.MAX_VALUE) {
        entry.put("deadline_at", freeze.hardDeadlineMillis());
      }
      active.add(entry);
    }
    node.set("emergency", emergency.toJson());
    return node;
  }
}
