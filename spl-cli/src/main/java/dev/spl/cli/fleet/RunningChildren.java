package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliException;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.client.TaskRecords;
import dev.spl.core.Json;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Role;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The children each live worker runs now, as its {@code GET /v1/children} answers, with the alias
 * of the task each belongs to. A worker that does not answer is listed with the reason rather than
 * failing the whole status.
 *
 * @param children per worker DID, in the fleet's display order
 * @param problems per worker DID that could not be asked, why
 */
record RunningChildren(Map<String, List<Child>> children, Map<String, String> problems) {
  private static final int TIMEOUT_MILLIS = 2_000;

  static final RunningChildren NONE = new RunningChildren(Map.of(), Map.of());

  /**
   * One running attempt.
   *
   * @param task the alias of the task it belongs to, or its parent thread when the task has none
   */
  record Child(
      String task,
      String parentThread,
      String childThread,
      int index,
      int attempt,
      String goal,
      long elapsedMillis,
      BigDecimal spentUsd) {}

  /** Asks every live worker of {@code snapshot}; task aliases come from {@code coordinator}. */
  static RunningChildren fetch(FleetSnapshot snapshot, DaemonClient coordinator, String token) {
    Map<String, List<JsonNode>> answers = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    for (InstanceView view : snapshot.instances()) {
      if (view.role() != Role.WORKER || view.status() != InstanceStatus.LIVE) {
        continue;
      }
      try {
        DaemonClient worker =
            new DaemonClient(
                Resolution.normalizeUrl(view.endpoint(), "worker endpoint"),
                token,
                coordinator.trust());
        List<JsonNode> entries = new ArrayList<>();
        worker.get("/v1/children", TIMEOUT_MILLIS).path("data").forEach(entries::add);
        answers.put(view.did(), entries);
      } catch (CliException e) {
        problems.put(
            view.did(),
            "ROUTE_NOT_FOUND".equals(e.code())
                ? "does not report its children (an older spl)"
                : e.getMessage());
      }
    }
    Map<String, String> aliases =
        answers.values().stream().allMatch(List::isEmpty)
            ? Map.of()
            : TaskRecords.aliasesByThread(new RecordsApi(coordinator));
    Map<String, List<Child>> children = new LinkedHashMap<>();
    answers.forEach(
        (did, entries) -> {
          List<Child> running = new ArrayList<>();
          for (JsonNode entry : entries) {
            String parent = entry.path("parent_thread").asText("");
            running.add(
                new Child(
                    aliases.getOrDefault(parent, parent),
                    parent,
                    entry.path("child_thread").asText(""),
                    entry.path("index").asInt(),
                    entry.path("attempt").asInt(1),
                    entry.path("goal").asText(""),
                    entry.path("elapsed_ms").asLong(),
                    entry.path("spent_usd").isNumber()
                        ? entry.get("spent_usd").decimalValue()
                        : BigDecimal.ZERO));
          }
          children.put(did, running);
        });
    return new RunningChildren(children, problems);
  }

  /** The {@code running_children} array of {@code fleet status -o json}. */
  ArrayNode toJson(FleetSnapshot snapshot) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    for (InstanceView view : snapshot.instances()) {
      for (Child child : children.getOrDefault(view.did(), List.of())) {
        ObjectNode entry = array.addObject();
        entry.put("instance", FleetText.name(view));
        entry.put("did", view.did());
        entry.put("task", child.task());
        entry.put("parent_thread", child.parentThread());
        entry.put("child_thread", child.childThread());
        entry.put("subtask", child.index());
        entry.put("attempt", child.attempt());
        entry.put("goal", child.goal());
        entry.put("elapsed_ms", child.elapsedMillis());
        entry.put("spent_usd", child.spentUsd());
      }
      String problem = problems.get(view.did());
      if (problem != null) {
        ObjectNode entry = array.addObject();
        entry.put("instance", FleetText.name(view));
        entry.put("did", view.did());
        entry.put("error", problem);
      }
    }
    return array;
  }
}
