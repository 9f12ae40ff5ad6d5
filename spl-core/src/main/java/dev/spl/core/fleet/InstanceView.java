package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.fanout.ExecutorKind;
import java.util.Collections;
import java.util.SortedMap;

/**
 * One instance as {@code spl fleet list}, {@code spl fleet show} and {@code GET /v1/fleet/status}
 * present it, at one moment.
 *
 * @param uptimeSecs the reported uptime, advanced by the age of the heartbeat while the instance is
 *     live (a stale or archived instance shows the uptime it last reported)
 * @param executor how the worker runs children; null for a coordinator or when not reported
 * @param labels the instance's labels
 */
public record InstanceView(
    String did,
    String alias,
    Role role,
    String endpoint,
    String version,
    InstanceStatus status,
    Health health,
    long startedAt,
    long uptimeSecs,
    int active,
    int slots,
    int freeSlots,
    long lastHeartbeatAt,
    long lastHeartbeatAgeMillis,
    ExecutorKind executor,
    SortedMap<String, String> labels) {

  public InstanceView {
    labels = labels == null ? Collections.emptySortedMap() : labels;
  }

  /** A view without executor and labels (an instance that does not report them). */
  public InstanceView(
      String did,
      String alias,
      Role role,
      String endpoint,
      String version,
      InstanceStatus status,
      Health health,
      long startedAt,
      long uptimeSecs,
      int active,
      int slots,
      int freeSlots,
      long lastHeartbeatAt,
      long lastHeartbeatAgeMillis) {
    this(
        did,
        alias,
        role,
        endpoint,
        version,
        status,
        health,
        startedAt,
        uptimeSecs,
        active,
        slots,
        freeSlots,
        lastHeartbeatAt,
        lastHeartbeatAgeMillis,
        null,
        null);
  }

  /** Uptime as people read it: {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
  public String uptimeText() {
    return formatDuration(uptimeSecs);
  }

  public static String formatDuration(long secs) {
    if (secs < 60) {
      return secs + "s";
    }
    if (secs < 3600) {
      return String.format("%dm%02ds", secs / 60, secs % 60);
    }
    if (secs < 86_400) {
      return String.format("%dh%02dm", secs / 3600, (secs % 3600) / 60);
    }
    return String.format("%dd%02dh", secs / 86_400, (secs % 86_400) / 3600);
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("did", did);
    node.put("alias", alias);
    node.put("role", role.wire());
    node.put("endpoint", endpoint);
    node.put("version", version);
    node.put("status", status.wire());
    node.put("health", health.wire());
    node.put("started_at", startedAt);
    node.put("uptime_secs", uptimeSecs);
    node.put("active", active);
    node.put("slots", slots);
    node.put("free_slots", freeSlots);
    node.put("last_heartbeat_at", lastHeartbeatAt);
    node.put("last_heartbeat_age_ms", lastHeartbeatAgeMillis);
    if (executor == null) {
      node.putNull("executor");
    } else {
      node.put("executor", executor.wire());
    }
    node.set("labels", Labels.toJson(labels));
    return node;
  }
}
