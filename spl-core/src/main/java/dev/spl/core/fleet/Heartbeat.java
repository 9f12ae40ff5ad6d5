package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ExecutorKind;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * What an instance says about itself every heartbeat interval: the body of a {@code DO heartbeat}
 * record on {@code th_instance_registry} (see docs/records.md).
 *
 * @param executor how a worker runs children; null for a coordinator, or a worker too old to say
 * @param labels the instance's labels ({@code --label}); empty when it has none
 */
public record Heartbeat(
    String did,
    String alias,
    Role role,
    String endpoint,
    String version,
    long startedAt,
    long uptimeSecs,
    int active,
    int slots,
    int freeSlots,
    Health health,
    long sentAt,
    ExecutorKind executor,
    SortedMap<String, String> labels) {

  public static final String TOPIC = "heartbeat";

  /**
   * How far ahead of the receiver's clock a heartbeat's times may be: clocks of two machines
   * disagree a little; a beat from further ahead would hide every real one that follows it.
   */
  public static final long MAX_CLOCK_SKEW_MILLIS = 30_000;

  /** A heartbeat without executor and labels (a coordinator's, or an older worker's). */
  public Heartbeat(
      String did,
      String alias,
      Role role,
      String endpoint,
      String version,
      long startedAt,
      long uptimeSecs,
      int active,
      int slots,
      int freeSlots,
      Health health,
      long sentAt) {
    this(
        did,
        alias,
        role,
        endpoint,
        version,
        startedAt,
        uptimeSecs,
        active,
        slots,
        freeSlots,
        health,
        sentAt,
        null,
        null);
  }

  public Heartbeat {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(health, "health");
    if (!Actors.isInstance(did)) {
      throw new InvalidRecordException(
          "body.did: expected did:sync:instance:<16 hex> but found '" + did + "'");
    }
    if (endpoint.isBlank()) {
      throw new InvalidRecordException("body.endpoint: expected a URL but found an empty string");
    }
    requireNonNegative("started_at", startedAt);
    requireNonNegative("uptime_secs", uptimeSecs);
    requireNonNegative("active", active);
    requireNonNegative("slots", slots);
    requireNonNegative("free_slots", freeSlots);
    requireNonNegative("sent_at", sentAt);
    if (freeSlots > slots) {
      throw new InvalidRecordException(
          "body.free_slots: expected at most slots (" + slots + ") but found " + freeSlots);
    }
    try {
      labels = Labels.of(labels == null ? Map.of() : labels);
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException("body." + e.getMessage());
    }
  }

  private static void requireNonNegative(String field, long value) {
    if (value < 0) {
      throw new InvalidRecordException(
          "body." + field + ": expected a non-negative integer but found " + value);
    }
  }

  /** The display name: the alias, or the DID when the instance has none. */
  public String name() {
    return alias.isEmpty() ? did : alias;
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("did", did);
    body.put("alias", alias);
    body.put("role", role.wire());
    body.put("endpoint", endpoint);
    body.put("version", version);
    body.put("started_at", startedAt);
    body.put("uptime_secs", uptimeSecs);
    body.put("active", active);
    body.put("slots", slots);
    body.put("free_slots", freeSlots);
    body.put("health", health.wire());
    body.put("sent_at", sentAt);
    if (executor != null) {
      body.put("executor", executor.wire());
    }
    if (!labels.isEmpty()) {
      body.set("labels", Labels.toJson(labels));
    }
    return body;
  }

  /**
   * Reads a heartbeat body; {@code alias} may be missing (an instance started without one), and
   * {@code executor} and {@code labels} (a coordinator, or a worker from before they were sent).
   */
  public static Heartbeat fromBody(ObjectNode body) {
    String topic = BodyFields.optionalText(body, "topic", null);
    if (!TOPIC.equals(topic)) {
      throw new InvalidRecordException(
          "body.topic: expected 'heartbeat' but found " + BodyFields.describe(body.get("topic")));
    }
    return new Heartbeat(
        BodyFields.text(body, "did"),
        BodyFields.optionalText(body, "alias", ""),
        Role.parse("body.role", BodyFields.text(body, "role")),
        BodyFields.text(body, "endpoint"),
        BodyFields.text(body, "version"),
        BodyFields.nonNegativeLong(body, "started_at"),
        BodyFields.nonNegativeLong(body, "uptime_secs"),
        BodyFields.nonNegativeInt(body, "active"),
        BodyFields.nonNegativeInt(body, "slots"),
        BodyFields.nonNegativeInt(body, "free_slots"),
        Health.parse("body.health", BodyFields.text(body, "health")),
        BodyFields.nonNegativeLong(body, "sent_at"),
        body.hasNonNull("executor")
            ? ExecutorKind.parse("body.executor", BodyFields.text(body, "executor"))
            : null,
        Labels.fromJson(body, "labels", "body."));
  }

  /** The heartbeat as a record written by the instance itself on the registry thread. */
  public Record toRecord(long clock) {
    return new Record(ThreadIds.INSTANCE_REGISTRY, did, Act.DO, toBody(), clock, List.of());
  }

  /**
   * Whether this heartbeat, arriving after {@code previous} (null when the instance is unknown),
   * must be appended to the log. Only the uptime, load and send time change from beat to beat; a
   * heartbeat that changes nothing else is kept as the latest only, so the log does not grow with
   * time.
   */
  public static AppendDecision decideAppend(Heartbeat previous, Heartbeat next) {
    if (previous == null) {
      return AppendDecision.FIRST_REGISTRATION;
    }
    if (previous.startedAt != next.startedAt) {
      return AppendDecision.RESTART;
    }
    if (previous.health != next.health) {
      return AppendDecision.HEALTH_CHANGED;
    }
    if (!previous.endpoint.equals(next.endpoint)) {
      return AppendDecision.ENDPOINT_CHANGED;
    }
    if (!previous.version.equals(next.version)) {
      return AppendDecision.VERSION_CHANGED;
    }
    if (!previous.alias.equals(next.alias)) {
      return AppendDecision.ALIAS_CHANGED;
    }
    if (previous.role != next.role || previous.slots != next.slots) {
      return AppendDecision.CAPACITY_OR_ROLE_CHANGED;
    }
    if (previous.executor != next.executor || !previous.labels.equals(next.labels)) {
      return AppendDecision.EXECUTOR_OR_LABELS_CHANGED;
    }
    return AppendDecision.KEEP_LATEST_ONLY;
  }

  /** Why a heartbeat is appended to the log, or that it is only kept as the latest. */
  public enum AppendDecision {
    FIRST_REGISTRATION,
    RESTART,
    HEALTH_CHANGED,
    ENDPOINT_CHANGED,
    VERSION_CHANGED,
    ALIAS_CHANGED,
    CAPACITY_OR_ROLE_CHANGED,
    EXECUTOR_OR_LABELS_CHANGED,
    KEEP_LATEST_ONLY,
    /** Older than the latest beat already held (a late delivery): neither kept nor appended. */
    IGNORED_OUT_OF_ORDER;

    public boolean appends() {
      return this != KEEP_LATEST_ONLY && this != IGNORED_OUT_OF_ORDER;
    }
  }
}
