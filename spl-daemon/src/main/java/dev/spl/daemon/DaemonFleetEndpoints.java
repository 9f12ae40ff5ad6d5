package dev.spl.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Actors;
import dev.spl.core.AppendResult;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.auth.AuthRule;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.InvalidControlRequestException;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.http.ApiException;
import dev.spl.daemon.http.FanoutEndpoints;
import dev.spl.daemon.http.FleetEndpoints;
import java.security.PublicKey;
import java.util.Optional;

/**
 * The fleet routes of a daemon. The coordinator answers the fleet status and takes heartbeats; a
 * worker answers both with {@code 409 NOT_COORDINATOR} naming the coordinator to ask. Every daemon
 * lists its permission rules.
 */
final class DaemonFleetEndpoints implements FleetEndpoints {
  private final Daemon daemon;
  private final ControlGate gate;
  private final FleetRegistry fleet;
  private final FleetSettings settings;
  private final FanoutEndpoints fanouts;

  DaemonFleetEndpoints(
      Daemon daemon, ControlGate gate, FleetRegistry fleet, FleetSettings settings) {
    this.daemon = daemon;
    this.gate = gate;
    this.fleet = fleet;
    this.settings = settings;
    this.fanouts = fleet == null ? FanoutEndpoints.NONE : new DaemonFanoutEndpoints(daemon, fleet);
  }

  @Override
  public FanoutEndpoints fanouts() {
    return fanouts;
  }

  @Override
  public ObjectNode freeze(
      String namespace, String level, Long graceSecs, String reason, String user) {
    Daemon self = running();
    if (fleet == null) {
      throw notCoordinator("freezes (the coordinator sends them on to every worker)");
    }
    if (graceSecs != null && !"hard".equals(level)) {
      throw new ApiException(
          400,
          "INVALID_REQUEST",
          "grace_secs: applies to level 'hard' (a soft freeze never stops running work)");
    }
    String actor = Actors.user(user);
    Freeze freeze;
    try {
      freeze =
          ControlRequests.freeze(namespace, level, graceSecs, reason, actor, self.clock().millis());
    } catch (InvalidControlRequestException e) {
      throw new ApiException(400, "INVALID_REQUEST", e.getMessage());
    }
    return appendControl(self, freeze.toRecord(actor, self.context().recordClock().next()));
  }

  @Override
  public ObjectNode unfreeze(String namespace, String user) {
    Daemon self = running();
    if (fleet == null) {
      throw notCoordinator("unfreezes (the coordinator sends them on to every worker)");
    }
    String actor = Actors.user(user);
    Unfreeze unfreeze;
    try {
      unfreeze =
          gate.read(
              state -> ControlRequests.unfreeze(state, namespace, actor, self.clock().millis()));
    } catch (InvalidControlRequestException e) {
      throw new ApiException(400, "INVALID_REQUEST", e.getMessage());
    }
    return appendControl(self, unfreeze.toRecord(actor, self.context().recordClock().next()));
  }

  /**
   * Appends a control record as {@code spl kill} and {@code spl unkill} would post it; the
   * reconciler sends it on to the workers.
   */
  private static ObjectNode appendControl(Daemon self, Record record) {
    AppendResult result = self.records().append(record);
    ObjectNode node = RecordJson.toJson(result.stored());
    node.put("object", "record");
    node.put("created", result.created());
    return node;
  }

  @Override
  public ObjectNode fleetStatus() {
    Daemon self = running();
    if (fleet == null) {
      throw notCoordinator("the fleet status and registry");
    }
    ObjectNode node = fleet.status(self.context().url(), gate).toJson();
    Optional<Reconciler> reconciler = self.reconciler();
    ObjectNode fanouts;
    if (reconciler.isPresent()) {
      fanouts = DaemonFanoutEndpoints.answerOf(reconciler.get().fanoutSummary());
    } else {
      fanouts = Json.MAPPER.createObjectNode().put("open", 0);
      fanouts.putArray("pending");
    }
    node.set("fanouts", fanouts);
    node.set("refusals", self.trust().refusals().toJson());
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
  public ObjectNode forget(String instance) {
    Daemon self = running();
    if (fleet == null) {
      throw notCoordinator("registered keys");
    }
    // Every instance the name matches: a DID, or every instance that went by that alias.
    java.util.Set<String> dids = new java.util.TreeSet<>();
    for (InstanceView view : fleet.instances()) {
      if (view.did().equals(instance) || view.alias().equals(instance)) {
        dids.add(view.did());
      }
    }
    if (dids.isEmpty() && dev.spl.core.Actors.isInstance(instance)) {
      dids.add(instance);
    }
    if (dids.isEmpty()) {
      throw new ApiException(
          404,
          "INSTANCE_NOT_FOUND",
          "no instance with DID or alias '" + instance + "' (see spl fleet list)");
    }
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "forgotten_keys");
    var data = node.putArray("data");
    for (String did : dids) {
      ObjectNode entry = data.addObject();
      entry.put("did", did);
      entry.put("forgotten", self.trust().forget(did));
    }
    return node;
  }

  @Override
  public void requireHeartbeatTaker() {
    if (fleet == null) {
      throw notCoordinator("heartbeats");
    }
  }

  @Override
  public ObjectNode heartbeat(Record record, PublicKey registers) {
    Daemon self = running();
    if (fleet == null) {
      throw notCoordinator("heartbeats");
    }
    if (registers != null) {
      requireAliasFree(self, record);
    }
    ObjectNode node = fleet.receive(record).toJson();
    if (registers != null) {
      self.trust().register(record.actor(), registers);
    }
    node.put("coordinator_url", self.context().url());
    node.put("coordinator_did", self.did());
    node.put("coordinator_public_key", self.trust().key().publicKeyText());
    node.put("heartbeat_interval_ms", settings.heartbeatInterval().toMillis());
    return node;
  }

  /**
   * A new instance may not take the alias of a live one: a made-up DID registering as {@code
   * worker-a} would otherwise share its children. A worker whose home was recreated registers again
   * once the old instance is no longer live, or at once after {@code spl fleet forget}.
   */
  private void requireAliasFree(Daemon self, Record record) {
    String alias = record.body().path("alias").asText("");
    if (alias.isEmpty()) {
      return;
    }
    for (InstanceView view : fleet.instances()) {
      if (view.alias().equals(alias)
          && !view.did().equals(record.actor())
          && view.status() == InstanceStatus.LIVE) {
        self.trust().refusals().count(AuthRule.ALIAS_HELD_BY_LIVE_INSTANCE);
        ObjectNode details = Json.MAPPER.createObjectNode();
        details.put("rule", AuthRule.ALIAS_HELD_BY_LIVE_INSTANCE.name());
        details.put("held_by", view.did());
        throw new ApiException(
            403,
            AuthRule.ALIAS_HELD_BY_LIVE_INSTANCE.name(),
            "alias '"
                + alias
                + "' belongs to the live instance "
                + view.did()
                + "; "
                + record.actor()
                + " registers under it once that instance stops beating, or after an operator"
                + " runs: spl fleet forget "
                + view.did(),
            details);
      }
    }
  }

  private Daemon running() {
    return daemon.running();
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
