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
 * @param unreachable why the coordinator cannot reach the endpoint the instance reports (e.g. a
 *     wrong {@code --advertise}); null while it can, or has not tried yet
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
    SortedMap<String, String> labels,
    String unreachable) {

  public InstanceView {
    labels = labels == null ? Collections.emptySortedMap() : labels;
  }

  /** A view of an instance whose endpoint is not known to be unreachable. */
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
      long lastHeartbeatAgeMillis,
      ExecutorKind executor,
      SortedMap<String, String> labels) {
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
        executor,
        labels,
        null);
  }

  /** This view with {@code reason} why its endpoint cannot be reached (null: it can). */
  public InstanceView withUnreachable(String reason) {
    return new InstanceView(
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
        executor,
        labels,
        reason);
  }

  /**
   * The status as people read it: {@code unreachable} for an instance that beats but whose endpoint
   * the coordinator cannot reach, so it does not look live; else the status.
   */
  public String statusText() {
    return unreachable != null && status == InstanceStatus.LIVE ? "unreachable" : status.wire();
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
    node.put("reachable", unreachable == null);
    if (unreachable != null) {
      node.put("unreachable", unreachable);
    }
    return node;
  }
}
