package dev.spl.daemon.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fleet.FleetStatus;
import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceTransition;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.LatestHeartbeat;
import dev.spl.core.fleet.Registry;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.records.RecordClock;
import dev.spl.daemon.records.RecordService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's instance registry: the pure {@link Registry} fold, fed by heartbeats that are
 * diverted before the log, with the latest heartbeat of each instance kept in store metadata. Only
 * what the registry says must be recorded (first registration, restart, health, endpoint or version
 * change) is appended, plus {@code instance_transition} records when a status changes, so the log
 * does not grow with every beat.
 *
 * <p>A worker that registers for the first time, restarts, changes endpoint or comes back after
 * being stale or archived is sent every control record again, so freezes reach workers that were
 * down when they were issued.
 *
 * <p>An instance that beats from another endpoint than before (a worker restarted with {@code
 * --port 0}) takes along what the outbox still holds for the old one: its children and control
 * records would otherwise be retried at an address nobody answers. Unless another instance is live
 * at the old endpoint now: then what is queued there is that one's. The reconciler may queue for
 * the old endpoint from a directory it read just before the move, so the instance's next beat moves
 * whatever arrived there since, until a beat finds nothing left.
 *
 * <p>Thread-safe: heartbeats arrive on HTTP threads, ticks come from the reconciler; one lock
 * guards the fold.
 */
public final class FleetRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(FleetRegistry.class);
  static final String META_INDEX = "fleet.registry.instances";
  static final String META_LATEST = "fleet.registry.latest.";
  private static final Set<Heartbeat.AppendDecision> REGISTERS =
      EnumSet.of(
          Heartbeat.AppendDecision.FIRST_REGISTRATION,
          Heartbeat.AppendDecision.RESTART,
          Heartbeat.AppendDecision.ENDPOINT_CHANGED);

  private final Registry registry;
  private final RecordService records;
  private final RecordStore store;
  private final Clock clock;
  private final ControlDeliveries control;
  private final Set<String> indexed;
  // The endpoint each instance moved away from, until a beat finds nothing more queued there.
  private final Map<String, String> leftEndpoints = new HashMap<>();

  /**
   * When this coordinator began listening for heartbeats, or began again after it did not run: it
   * cannot have heard any in between.
   */
  private long watchingSinceMillis;

  /** What the coordinator did with one heartbeat. */
  public record Intake(
      String did, Heartbeat.AppendDecision decision, InstanceStatus status, boolean appended) {
    public ObjectNode toJson() {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("object", "heartbeat");
      node.put("did", did);
      node.put("status", status == null ? "unknown" : status.wire());
      node.put("decision", decision.name().toLowerCase(java.util.Locale.ROOT));
      node.put("appended", appended);
      return node;
    }
  }

  private FleetRegistry(
      Registry registry, RecordService records, Clock clock, Set<String> indexed) {
    this.registry = registry;
    this.records = records;
    this.store = records.store();
    this.clock = clock;
    this.control = new ControlDeliveries(records);
    this.indexed = indexed;
    this.watchingSinceMillis = clock.millis();
  }

  /**
   * Rebuilds the registry from the registry thread's records and the latest heartbeats in metadata,
   * then keeps folding registry records as they are appended.
   */
  public static FleetRegistry restore(
      RecordService records, FleetThresholds thresholds, Clock clock) {
    RecordStore store = records.store();
    Set<String> indexed = new TreeSet<>();
    List<LatestHeartbeat> latest = new ArrayList<>();
    store.getMeta(META_INDEX).ifPresent(bytes -> indexed.addAll(readIndex(bytes)));
    for (String did : indexed) {
      store
          .getMeta(META_LATEST + did)
          .ifPresent(
              bytes -> {
                try {
                  JsonNode node = Json.MAPPER.readTree(bytes);
                  if (node instanceof ObjectNode object) {
                    latest.add(LatestHeartbeat.fromJson(object));
                  }
                } catch (IOException | InvalidRecordException e) {
                  LOG.warn("skipping the stored latest heartbeat of {}: {}", did, e.getMessage());
                }
              });
    }
    List<StoredRecord> registryRecords = new ArrayList<>();
    long after = 0;
    while (true) {
      List<StoredRecord> page =
          records.query(
              new RecordQuery(
                  ThreadIds.INSTANCE_REGISTRY, null, null, after, RecordQuery.MAX_LIMIT));
      if (page.isEmpty()) {
        break;
      }
      registryRecords.addAll(page);
      after = page.get(page.size() - 1).seq();
    }
    Registry registry = Registry.restore(thresholds, registryRecords, latest);
    FleetRegistry fleet = new FleetRegistry(registry, records, clock, indexed);
    records.subscribe(fleet::fold);
    return fleet;
  }

  private static List<String> readIndex(byte[] bytes) {
    List<String> dids = new ArrayList<>();
    try {
      for (JsonNode did : Json.MAPPER.readTree(bytes)) {
        dids.add(did.asText());
      }
    } catch (IOException e) {
      LOG.warn("the registry index in metadata does not parse: {}", e.getMessage());
    }
    return dids;
  }

  public FleetThresholds thresholds() {
    return registry.thresholds();
  }

  /** Whether {@code record} is a heartbeat, which the coordinator takes instead of appending. */
  public static boolean isHeartbeat(Record record) {
    return ThreadIds.INSTANCE_REGISTRY.equals(record.thread())
        && record.act() == Act.DO
        && Heartbeat.TOPIC.equals(record.topic());
  }

  /**
   * Takes a heartbeat record POSTed by an instance. Throws {@link InvalidRecordException} when its
   * body is not a heartbeat or its actor is not the instance it describes.
   */
  public Intake receive(Record record) {
    Heartbeat heartbeat = Heartbeat.fromBody(record.body());
    if (!record.actor().equals(heartbeat.did())) {
      throw new InvalidRecordException(
          "actor: expected the heartbeat's own DID ("
              + heartbeat.did()
              + ") but found '"
              + record.actor()
              + "'");
    }
    return receive(heartbeat, record);
  }

  /**
   * Takes the coordinator's own heartbeat. It is kept as the latest only and never appended: the
   * coordinator lists itself while it runs without writing to its log.
   */
  public synchronized void receiveOwn(Heartbeat heartbeat) {
    registry.receive(heartbeat, clock.millis());
  }

  /** Takes a heartbeat; {@code asRecord} is what gets appended if the registry says so. */
  public synchronized Intake receive(Heartbeat heartbeat, Record asRecord) {
    long now = clock.millis();
    Optional<InstanceView> before = registry.find(heartbeat.did(), now);
    Heartbeat.AppendDecision decision = registry.receive(heartbeat, now);
    if (decision == Heartbeat.AppendDecision.IGNORED_OUT_OF_ORDER) {
      return new Intake(
          heartbeat.did(), decision, before.map(InstanceView::status).orElse(null), false);
    }
    persistLatest(new LatestHeartbeat(heartbeat, now));
    boolean appended = false;
    if (decision.appends()) {
      appended = records.append(asRecord).created();
    }
    boolean returning =
        REGISTERS.contains(decision)
            || before.isEmpty()
            || before.get().status() != InstanceStatus.LIVE;
    if (heartbeat.role() == Role.WORKER && heartbeat.health() != Health.STOPPED && returning) {
      control.sendAllTo(List.of(heartbeat.endpoint()));
    }
    followToEndpoint(
        heartbeat.did(),
        before.filter(view -> view.did().equals(heartbeat.did())).map(InstanceView::endpoint),
        heartbeat.endpoint(),
        now);
    InstanceStatus status =
        registry.find(heartbeat.did(), now).map(InstanceView::status).orElse(null);
    return new Intake(heartbeat.did(), decision, status, appended);
  }

  /**
   * Moves what is queued for the endpoint {@code did} beat from before ({@code previous}) to the
   * one it beats from now, or what arrived since at the endpoint it last moved away from.
   */
  private void followToEndpoint(String did, Optional<String> previous, String endpoint, long now) {
    boolean moving = previous.isPresent() && !previous.get().equals(endpoint);
    String from = moving ? previous.get() : leftEndpoints.get(did);
    if (from == null || from.equals(endpoint)) {
      leftEndpoints.remove(did);
      return;
    }
    if (registry.liveAtForAnother(from, did, now)) {
      leftEndpoints.remove(did);
      LOG.info(
          "{} moved from {} to {}; another instance is live at {}, so its deliveries stay there",
          did,
          from,
          endpoint,
          from);
      return;
    }
    int moved = records.readdressDeliveries(from, endpoint);
    if (moving) {
      leftEndpoints.put(did, from);
    } else if (moved == 0) {
      leftEndpoints.remove(did);
    }
    if (moving || moved > 0) {
      LOG.info(
          "{} moved from {} to {}: {} queued deliveries follow it", did, from, endpoint, moved);
    }
  }

  private void persistLatest(LatestHeartbeat latest) {
    String did = latest.heartbeat().did();
    try {
      store.putMeta(META_LATEST + did, Json.MAPPER.writeValueAsBytes(latest.toJson()));
      if (indexed.add(did)) {
        ArrayNode index = Json.MAPPER.createArrayNode();
        indexed.forEach(index::add);
        store.putMeta(META_INDEX, index.toString().getBytes(StandardCharsets.UTF_8));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private synchronized void fold(List<StoredRecord> appended) {
    for (StoredRecord stored : appended) {
      if (ThreadIds.INSTANCE_REGISTRY.equals(stored.record().thread())) {
        registry.apply(stored);
      }
    }
  }

  /**
   * Appends an {@code instance_transition} record for every instance whose status changed, written
   * by {@code actor}. Returns how many were appended.
   */
  public synchronized int recordTransitions(String actor, RecordClock recordClock) {
    List<InstanceTransition> due = registry.transitions(clock.millis());
    if (due.isEmpty()) {
      return 0;
    }
    List<Record> transitionRecords = new ArrayList<>(due.size());
    for (InstanceTransition transition : due) {
      transitionRecords.add(transition.toRecord(actor, recordClock.next()));
    }
    records.appendAll(transitionRecords);
    return due.size();
  }

  /**
   * The workers a fan-out may use now: {@link Registry#directory}, with silence counted from when
   * this coordinator began listening for heartbeats, or began again ({@link #resumedListening}).
   */
  public synchronized WorkerDirectory directory(String coordinatorUrl, long leaseMillis) {
    return registry.directory(coordinatorUrl, clock.millis(), leaseMillis, watchingSinceMillis);
  }

  /**
   * The coordinator did not run for a while (a paused process or container, a suspended machine):
   * heartbeats sent to it meanwhile went unanswered, and their senders backed off as they do while
   * a coordinator is down. Silence counts again from now, as after a restart, so their children do
   * not move away before they could beat again.
   */
  public synchronized void resumedListening() {
    watchingSinceMillis = Math.max(watchingSinceMillis, clock.millis());
  }

  /** What the coordinator found calling {@code endpoint} of {@code did}: see {@link Registry}. */
  public synchronized void noteReachability(String did, String endpoint, String reason) {
    registry.noteReachability(did, endpoint, reason);
  }

  /** The endpoint an instance last reported, if it is known. */
  public synchronized Optional<String> endpointOf(String did) {
    return registry.find(did, clock.millis()).map(InstanceView::endpoint);
  }

  /** The start of the life an instance last reported, if it is known. */
  public synchronized OptionalLong startedAtOf(String did) {
    return registry
        .find(did, clock.millis())
        .map(view -> OptionalLong.of(view.startedAt()))
        .orElse(OptionalLong.empty());
  }

  /** Endpoints of workers that are not archived: where fleet-wide records are sent at once. */
  public synchronized List<String> reachableWorkerEndpoints() {
    List<String> endpoints = new ArrayList<>();
    for (InstanceView view : registry.list(clock.millis())) {
      if (view.role() == Role.WORKER && view.status() != InstanceStatus.ARCHIVED) {
        endpoints.add(view.endpoint());
      }
    }
    return endpoints;
  }

  /** Every known instance as of now. */
  public synchronized List<InstanceView> instances() {
    return registry.list(clock.millis());
  }

  /** The registry part of {@code GET /v1/fleet/status}, with the control state of {@code gate}. */
  public synchronized FleetStatus status(String coordinatorUrl, ControlGate gate) {
    long now = clock.millis();
    return gate.read(state -> FleetStatus.of(coordinatorUrl, registry, state, now));
  }
}
