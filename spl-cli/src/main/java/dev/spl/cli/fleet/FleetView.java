package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliException;
import dev.spl.cli.client.RecordsApi;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlState;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fanout.WorkerInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the commands need to know about the fleet: its workers (to check pinned targets) and its
 * freezes (to refuse work in a frozen namespace before writing anything).
 *
 * <p>It comes from the coordinator's {@code GET /v1/fleet/status}. A daemon that is not a
 * coordinator has no such route; then there are no workers, and the freezes come from folding its
 * own {@code th_fleet_control} thread, which every daemon keeps.
 *
 * @param slotsByWorker the slots of every worker the registry knows (live or not), by DID
 */
public record FleetView(
    boolean hasRegistry,
    String coordinatorUrl,
    List<WorkerInfo> live,
    List<WorkerInfo> lost,
    Map<String, Integer> slotsByWorker,
    List<Freeze> freezes,
    EmergencyStop emergency) {

  public static FleetView load(RecordsApi api) {
    JsonNode status;
    try {
      status = api.client().get("/v1/fleet/status");
    } catch (CliException e) {
      if ("ROUTE_NOT_FOUND".equals(e.code())) {
        return fromControlThread(api);
      }
      throw e;
    }
    return parse(status, api.client().baseUrl());
  }

  /** Reads the JSON of {@code GET /v1/fleet/status} (see {@code FleetStatus.toJson}). */
  static FleetView parse(JsonNode status, String fallbackUrl) {
    List<WorkerInfo> live = new ArrayList<>();
    List<WorkerInfo> lost = new ArrayList<>();
    Map<String, Integer> slots = new HashMap<>();
    for (JsonNode instance : status.path("instances")) {
      if (!"worker".equals(instance.path("role").asText("worker"))) {
        continue;
      }
      String did = instance.path("did").asText("");
      if (did.isEmpty()) {
        continue;
      }
      WorkerInfo info =
          new WorkerInfo(
              did,
              instance.path("alias").asText(null),
              instance.path("endpoint").asText(null),
              instance.path("active").asInt(0),
              instance.path("free_slots").asInt(0),
              executorOf(instance),
              instance.path("version").asText(null),
              labelsOf(instance));
      slots.put(did, instance.path("slots").asInt(0));
      if ("live".equals(instance.path("status").asText())) {
        live.add(info);
      } else {
        lost.add(info);
      }
    }
    List<Freeze> freezes = new ArrayList<>();
    for (JsonNode freeze : status.path("freezes")) {
      ObjectNode body = freeze.deepCopy();
      body.remove("deadline_at");
      try {
        freezes.add(Freeze.fromBody(body));
      } catch (InvalidRecordException e) {
        throw CliException.failure("the coordinator reported a freeze spl cannot read: " + freeze);
      }
    }
    // Read by hand: a stop that was never issued is reported with issued_at -1, which the record
    // parser rightly refuses.
    JsonNode stop = status.path("emergency");
    EmergencyStop emergency =
        stop.path("active").asBoolean(false)
            ? new EmergencyStop(
                true,
                stop.path("reason").asText(""),
                stop.path("issued_by").asText(""),
                stop.path("issued_at").asLong(-1))
            : EmergencyStop.NEVER_ISSUED;
    return new FleetView(
        true,
        status.path("coordinator_url").asText(fallbackUrl),
        live,
        lost,
        Map.copyOf(slots),
        freezes,
        emergency);
  }

  /** The executor a worker reports; null when it does not (an older worker) or it is unknown. */
  private static ExecutorKind executorOf(JsonNode instance) {
    String executor = instance.path("executor").asText(null);
    for (ExecutorKind kind : ExecutorKind.values()) {
      if (kind.wire().equals(executor)) {
        return kind;
      }
    }
    return null;
  }

  private static FleetView fromControlThread(RecordsApi api) {
    ControlState control = control(api.thread(ThreadIds.FLEET_CONTROL));
    return new FleetView(
        false,
        api.client().baseUrl(),
        List.of(),
        List.of(),
        Map.of(),
        control.activeFreezes(),
        control.emergency());
  }

  public static ControlState control(List<StoredRecord> records) {
    ControlState control = new ControlState();
    records.forEach(control::apply);
    return control;
  }

  /** The endpoint of a registered worker, live or not. */
  public Optional<String> endpointOf(String did) {
    for (List<WorkerInfo> workers : List.of(live, lost)) {
      for (WorkerInfo worker : workers) {
        if (worker.did().equals(did) && worker.endpoint() != null) {
          return Optional.of(worker.endpoint());
        }
      }
    }
    return Optional.empty();
  }

  /** The alias of a registered worker, or its DID when it has none or is not known. */
  public String nameOf(String did) {
    for (List<WorkerInfo> workers : List.of(live, lost)) {
      for (WorkerInfo worker : workers) {
        if (worker.did().equals(did) && worker.alias() != null && !worker.alias().isEmpty()) {
          return worker.alias();
        }
      }
    }
    return did;
  }

  public WorkerDirectory directory() {
    return new WorkerDirectory(coordinatorUrl, live, lost);
  }

  Optional<Freeze> freezeOf(String namespace) {
    return freezes.stream().filter(f -> f.namespace().equals(namespace)).findFirst();
  }

  /**
   * Why new work in {@code namespace} would be refused now (the emergency stop, or a freeze of the
   * namespace), or empty when it would not.
   */
  public Optional<String> refusal(String namespace) {
    if (emergency.active()) {
      return Optional.of(
          "the emergency stop is active ("
              + emergency.reason()
              + "); lift it with `spl unkill --emergency`");
    }
    return freezeOf(namespace)
        .map(
            freeze ->
                "namespace '"
                    + namespace
                    + "' is frozen ("
                    + freeze.level().wire()
                    + ": "
                    + freeze.reason()
                    + "); lift it with `spl unkill --namespace "
                    + namespace
                    + "`");
  }

  /** The labels the registry lists for an instance; a malformed list reads as none. */
  private static java.util.SortedMap<String, String> labelsOf(JsonNode instance) {
    java.util.SortedMap<String, String> labels = new java.util.TreeMap<>();
    instance
        .path("labels")
        .fields()
        .forEachRemaining(
            entry -> {
              if (entry.getValue().isTextual()) {
                labels.put(entry.getKey(), entry.getValue().textValue());
              }
            });
    return labels;
  }
}
