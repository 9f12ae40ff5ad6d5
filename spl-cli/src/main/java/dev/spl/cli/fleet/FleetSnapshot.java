package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliException;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fleet.FleetCounts;
import dev.spl.core.fleet.FleetStatus;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Labels;
import dev.spl.core.fleet.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One answer of the coordinator's {@code GET /v1/fleet/status}, read back into the core's types,
 * with the raw JSON kept for {@code -o json} and for fields newer than this client.
 */
record FleetSnapshot(FleetStatus status, ObjectNode raw) {

  /** Coordinator first, then by alias, then by DID: the order people scan a fleet in. */
  static final Comparator<InstanceView> DISPLAY_ORDER =
      Comparator.comparing((InstanceView view) -> view.role() != Role.COORDINATOR)
          .thenComparing(view -> view.alias().isEmpty())
          .thenComparing(InstanceView::alias)
          .thenComparing(InstanceView::did);

  static FleetSnapshot parse(JsonNode json, String source) {
    if (!(json instanceof ObjectNode node)) {
      throw CliException.failure(
          "expected a fleet status object from " + source + " but found " + describe(json));
    }
    try {
      List<InstanceView> instances = new ArrayList<>();
      JsonNode array = node.path("instances");
      for (int i = 0; i < array.size(); i++) {
        instances.add(instance(array.get(i), "instances[" + i + "]"));
      }
      instances.sort(DISPLAY_ORDER);
      List<Freeze> freezes = new ArrayList<>();
      JsonNode frozen = node.path("freezes");
      for (int i = 0; i < frozen.size(); i++) {
        if (!(frozen.get(i) instanceof ObjectNode entry)) {
          throw new InvalidRecordException(
              "freezes[" + i + "]: expected an object but found " + describe(frozen.get(i)));
        }
        freezes.add(freeze(entry, "freezes[" + i + "]"));
      }
      EmergencyStop emergency =
          node.get("emergency") instanceof ObjectNode stop
              ? emergency(stop)
              : EmergencyStop.NEVER_ISSUED;
      JsonNode counts = node.path("counts");
      FleetCounts fleetCounts =
          counts.isObject()
              ? new FleetCounts(
                  counts.path("live").asInt(),
                  counts.path("stale").asInt(),
                  counts.path("archived").asInt())
              : FleetCounts.of(instances);
      FleetStatus status =
          new FleetStatus(
              node.path("coordinator_url").asText(""),
              node.path("heartbeat_interval_ms").asLong(),
              fleetCounts,
              instances,
              freezes,
              emergency);
      return new FleetSnapshot(status, node);
    } catch (InvalidRecordException | IllegalArgumentException | NullPointerException e) {
      throw CliException.failure(
          "the fleet status from " + source + " is not what this spl expects: " + e.getMessage());
    }
  }

  /** A freeze as the status shows it (the record body without its topic). */
  private static Freeze freeze(ObjectNode node, String where) {
    String level = text(node, "level", where);
    FreezeLevel parsed;
    try {
      parsed = FreezeLevel.valueOf(level.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException(
          where + ".level: expected 'soft' or 'hard' but found '" + level + "'");
    }
    return new Freeze(
        text(node, "namespace", where),
        parsed,
        node.path("grace_secs").asLong(Freeze.DEFAULT_GRACE_SECS),
        node.path("reason").asText(""),
        node.path("issued_by").asText(""),
        node.path("issued_at").asLong(-1));
  }

  /** The emergency stop as the status shows it; {@code issued_at} -1 means never issued. */
  private static EmergencyStop emergency(ObjectNode node) {
    return new EmergencyStop(
        node.path("active").asBoolean(false),
        node.path("reason").asText(""),
        node.path("issued_by").asText(""),
        node.path("issued_at").asLong(-1));
  }

  private static InstanceView instance(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new InvalidRecordException(where + ": expected an object but found " + describe(node));
    }
    return new InstanceView(
        text(node, "did", where),
        node.path("alias").asText(""),
        Role.parse(where + ".role", text(node, "role", where)),
        node.path("endpoint").asText(""),
        node.path("version").asText(""),
        InstanceStatus.parse(where + ".status", text(node, "status", where)),
        Health.parse(where + ".health", text(node, "health", where)),
        node.path("started_at").asLong(),
        node.path("uptime_secs").asLong(),
        node.path("active").asInt(),
        node.path("slots").asInt(),
        node.path("free_slots").asInt(),
        node.path("last_heartbeat_at").asLong(),
        node.path("last_heartbeat_age_ms").asLong(),
        node.hasNonNull("executor")
            ? ExecutorKind.parse(where + ".executor", text(node, "executor", where))
            : null,
        Labels.fromJson((ObjectNode) node, "labels", where + "."),
        node.hasNonNull("unreachable") ? node.get("unreachable").asText() : null);
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new InvalidRecordException(
          where + "." + field + ": expected a string but found " + describe(value));
    }
    return value.asText();
  }

  private static String describe(JsonNode node) {
    return node == null || node.isMissingNode() ? "nothing" : node.toString();
  }

  List<InstanceView> instances() {
    return status.instances();
  }

  /**
   * The instance named by a DID, an alias or a unique DID prefix. An alias can outlive an instance
   * (a worker home recreated under the same name gets a new DID), so a live one is preferred.
   */
  Optional<InstanceView> find(String name) {
    for (InstanceView view : instances()) {
      if (view.did().equals(name)) {
        return Optional.of(view);
      }
    }
    Optional<InstanceView> byAlias =
        instances().stream()
            .filter(view -> view.alias().equals(name))
            .min(
                Comparator.comparing(InstanceView::status)
                    .thenComparing(InstanceView::lastHeartbeatAt, Comparator.reverseOrder()));
    if (byAlias.isPresent()) {
      return byAlias;
    }
    List<InstanceView> byPrefix =
        instances().stream().filter(view -> view.did().startsWith(name)).toList();
    if (byPrefix.size() > 1) {
      throw CliException.badInput(
          "'"
              + name
              + "' matches "
              + byPrefix.size()
              + " instances ("
              + String.join(", ", byPrefix.stream().map(InstanceView::did).toList())
              + "); give more of the DID");
    }
    return byPrefix.stream().findFirst();
  }

  /**
   * The coordinator's fan-out summary, {@code fanouts}: {@code open} (a count) and {@code pending}
   * (one entry per fan-out whose join is not complete); empty when the answer has none.
   */
  Optional<JsonNode> fanouts() {
    JsonNode fanouts = raw.get("fanouts");
    return fanouts == null || !fanouts.isObject() ? Optional.empty() : Optional.of(fanouts);
  }
}
