package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.fanout.CommandTemplate;
import dev.spl.core.fanout.ExecutorKind;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * How one daemon runs, as it keeps it in its home ({@code settings.json}) and as a {@code
 * settings_changed} record shows it: what a later start without options runs with again.
 *
 * @param alias the name the fleet knows the instance by; may be empty (a worker without one)
 * @param coordinatorUrl the coordinator a worker reports to; null for a coordinator
 * @param advertiseUrl the URL others reach the daemon at; null: the URL it binds
 * @param port the port asked for; 0 means any free port on every start
 * @param leaseMillis the lease as given; null means three heartbeat intervals
 * @param durability {@code durable} or {@code fast}
 * @param echoMode what echo children do besides echoing: {@code plain} or {@code compute}
 * @param maxChildren the most children one fan-out may have on a coordinator ({@code max_children})
 * @param tlsCert the certificate (PEM) the daemon serves HTTPS with; null: plain HTTP
 * @param tlsKey the certificate's private key (PEM); set exactly when {@code tlsCert} is
 * @param tlsCa the CA file the daemon's own requests to other daemons trust; null: the system trust
 *     store
 * @param insecureHttp whether it serves plain HTTP on an address other than loopback
 * @param commandTemplate the command line of the command executor; null for the other executors
 * @param repo the git repository a worktree worker makes its children's worktrees in (an absolute
 *     path), or null
 * @param maxFanoutDepth the deepest nested fan-out a coordinator takes ({@code max_fanout_depth}; a
 *     task's own fan-out is depth 1)
 */
public record InstanceSettings(
    Role role,
    String alias,
    String coordinatorUrl,
    String advertiseUrl,
    String bind,
    int port,
    long maxRequestBytes,
    long heartbeatIntervalMillis,
    Long leaseMillis,
    ExecutorKind executor,
    long echoDelayMillis,
    int slots,
    String durability,
    SortedMap<String, String> labels,
    String echoMode,
    int maxChildren,
    String tlsCert,
    String tlsKey,
    String tlsCa,
    boolean insecureHttp,
    String commandTemplate,
    String repo,
    int maxFanoutDepth) {

  /** The format of {@code settings.json}; written into it as {@code version}. */
  public static final int FORMAT = 1;

  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 9100;
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
  public static final long DEFAULT_ECHO_DELAY_MILLIS = 1_000;
  public static final String DURABLE = "durable";
  public static final String FAST = "fast";
  public static final String COORDINATOR_ALIAS = "coordinator";
  public static final String ECHO_PLAIN = "plain";
  public static final String ECHO_COMPUTE = "compute";

  /** The fields, by their JSON names, in the order messages list them (see {@link Setting}). */
  public static final List<String> FIELDS = Setting.fields();

  public InstanceSettings {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(durability, "durability");
    labels = Labels.of(labels == null ? Map.of() : labels);
    Objects.requireNonNull(echoMode, "echoMode");
    if (!alias.isEmpty()) {
      Setting.ALIAS.check(alias);
    }
    requireCoordinatorOfWorker(role, coordinatorUrl);
    if (role == Role.COORDINATOR && coordinatorUrl != null) {
      throw new IllegalArgumentException(
          "coordinator: only a worker reports to a coordinator, but the role is coordinator");
    }
    Setting.BIND.check(bind);
    Setting.PORT.check(port);
    Setting.MAX_REQUEST_BYTES.check(maxRequestBytes);
    Setting.HEARTBEAT_INTERVAL.check(heartbeatIntervalMillis);
    if (leaseMillis != null) {
      checkLease(heartbeatIntervalMillis, leaseMillis);
    }
    Setting.ECHO_DELAY.check(echoDelayMillis);
    Setting.SLOTS.check(slots);
    Setting.DURABILITY.check(durability);
    Setting.ECHO_MODE.check(echoMode);
    Setting.MAX_CHILDREN.check(maxChildren);
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          tlsCert == null
              ? "tls_key: set without tls_cert; HTTPS needs both"
              : "tls_cert: set without tls_key; HTTPS needs both");
    }
    if (insecureHttp && tlsCert != null) {
      throw new IllegalArgumentException(
          "insecure_http: set with tls_cert, but a daemon serves either HTTPS or plain HTTP");
    }
    checkCommandTemplate(executor, commandTemplate);
    Setting.MAX_FANOUT_DEPTH.check(maxFanoutDepth);
    if (executor == ExecutorKind.WORKTREE && repo == null) {
      throw new IllegalArgumentException(
          "repo: the worktree executor needs the git repository its children work in (--repo PATH)"
              + " but none is set");
    }
  }

  /** Refuses a worker without the URL of its coordinator. */
  public static void requireCoordinatorOfWorker(Role role, String coordinatorUrl) {
    if (role == Role.WORKER && (coordinatorUrl == null || coordinatorUrl.isBlank())) {
      throw new IllegalArgumentException(
          "coordinator: a worker needs the URL of its coordinator but none is set");
    }
  }

  /** Refuses a lease no longer than the heartbeat interval (both in milliseconds). */
  public static void checkLease(long heartbeatIntervalMillis, long leaseMillis) {
    if (leaseMillis <= heartbeatIntervalMillis) {
      throw new IllegalArgumentException(
          "lease_secs: expected more than the heartbeat interval ("
              + seconds(heartbeatIntervalMillis)
              + " s) but found "
              + seconds(leaseMillis));
    }
  }

  /**
   * Refuses the command executor without a command template that parses, and a template for any
   * other executor.
   */
  public static void checkCommandTemplate(ExecutorKind executor, String commandTemplate) {
    if (executor == ExecutorKind.COMMAND) {
      if (commandTemplate == null) {
        throw new IllegalArgumentException(
            "command_template: the command executor needs a command template but none is set");
      }
      CommandTemplate.parse("command_template", commandTemplate);
    } else if (commandTemplate != null) {
      throw new IllegalArgumentException(
          "command_template: applies to the command executor only, but the executor is "
              + executor.wire());
    }
  }

  /** Whether the daemon serves HTTPS. */
  public boolean servesTls() {
    return tlsCert != null;
  }

  /** What a daemon started without any option runs with. */
  public static InstanceSettings defaults() {
    return builder().build();
  }

  /** Settings that start from {@link #defaults}; set what differs. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds {@link InstanceSettings}; each field starts at its default (see {@link #defaults}). */
  public static final class Builder {
    private Role role = Setting.ROLE.defaultValue();
    private String alias = Setting.ALIAS.defaultValue();
    private String coordinatorUrl;
    private String advertiseUrl;
    private String bind = Setting.BIND.defaultValue();
    private int port = Setting.PORT.defaultValue();
    private long maxRequestBytes = Setting.MAX_REQUEST_BYTES.defaultValue();
    private long heartbeatIntervalMillis = Setting.HEARTBEAT_INTERVAL.defaultValue();
    private Long leaseMillis;
    private ExecutorKind executor = Setting.EXECUTOR.defaultValue();
    private long echoDelayMillis = Setting.ECHO_DELAY.defaultValue();
    private int slots = Setting.SLOTS.defaultValue();
    private String durability = Setting.DURABILITY.defaultValue();
    private SortedMap<String, String> labels;
    private String echoMode = Setting.ECHO_MODE.defaultValue();
    private int maxChildren = Setting.MAX_CHILDREN.defaultValue();
    private String tlsCert;
    private String tlsKey;
    private String tlsCa;
    private boolean insecureHttp;
    private String commandTemplate;
    private String repo;
    private int maxFanoutDepth = Setting.MAX_FANOUT_DEPTH.defaultValue();

    private Builder() {}

    private Builder(InstanceSettings settings) {
      role = settings.role;
      alias = settings.alias;
      coordinatorUrl = settings.coordinatorUrl;
      advertiseUrl = settings.advertiseUrl;
      bind = settings.bind;
      port = settings.port;
      maxRequestBytes = settings.maxRequestBytes;
      heartbeatIntervalMillis = settings.heartbeatIntervalMillis;
      leaseMillis = settings.leaseMillis;
      executor = settings.executor;
      echoDelayMillis = settings.echoDelayMillis;
      slots = settings.slots;
      durability = settings.durability;
      labels = settings.labels;
      echoMode = settings.echoMode;
      maxChildren = settings.maxChildren;
      tlsCert = settings.tlsCert;
      tlsKey = settings.tlsKey;
      tlsCa = settings.tlsCa;
      insecureHttp = settings.insecureHttp;
      commandTemplate = settings.commandTemplate;
      repo = settings.repo;
      maxFanoutDepth = settings.maxFanoutDepth;
    }

    public Builder role(Role value) {
      role = value;
      return this;
    }

    public Builder alias(String value) {
      alias = value;
      return this;
    }

    public Builder coordinatorUrl(String value) {
      coordinatorUrl = value;
      return this;
    }

    public Builder advertiseUrl(String value) {
      advertiseUrl = value;
      return this;
    }

    public Builder bind(String value) {
      bind = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public Builder maxRequestBytes(long value) {
      maxRequestBytes = value;
      return this;
    }

    public Builder heartbeatIntervalMillis(long value) {
      heartbeatIntervalMillis = value;
      return this;
    }

    public Builder leaseMillis(Long value) {
      leaseMillis = value;
      return this;
    }

    public Builder executor(ExecutorKind value) {
      executor = value;
      return this;
    }

    public Builder echoDelayMillis(long value) {
      echoDelayMillis = value;
      return this;
    }

    public Builder slots(int value) {
      slots = value;
      return this;
    }

    public Builder durability(String value) {
      durability = value;
      return this;
    }

    public Builder labels(SortedMap<String, String> value) {
      labels = value;
      return this;
    }

    public Builder echoMode(String value) {
      echoMode = value;
      return this;
    }

    public Builder maxChildren(int value) {
      maxChildren = value;
      return this;
    }

    public Builder tlsCert(String value) {
      tlsCert = value;
      return this;
    }

    public Builder tlsKey(String value) {
      tlsKey = value;
      return this;
    }

    public Builder tlsCa(String value) {
      tlsCa = value;
      return this;
    }

    public Builder insecureHttp(boolean value) {
      insecureHttp = value;
      return this;
    }

    public Builder commandTemplate(String value) {
      commandTemplate = value;
      return this;
    }

    public Builder repo(String value) {
      repo = value;
      return this;
    }

    public Builder maxFanoutDepth(int value) {
      maxFanoutDepth = value;
      return this;
    }

    public InstanceSettings build() {
      return new InstanceSettings(
          role,
          alias,
          coordinatorUrl,
          advertiseUrl,
          bind,
          port,
          maxRequestBytes,
          heartbeatIntervalMillis,
          leaseMillis,
          executor,
          echoDelayMillis,
          slots,
          durability,
          labels,
          echoMode,
          maxChildren,
          tlsCert,
          tlsKey,
          tlsCa,
          insecureHttp,
          commandTemplate,
          repo,
          maxFanoutDepth);
    }
  }

  /** The alias an instance of {@code role} has when none is given. */
  public static String defaultAlias(Role role) {
    return role == Role.COORDINATOR ? COORDINATOR_ALIAS : "";
  }

  /** The lease in force: as given, else three heartbeat intervals. */
  public long effectiveLeaseMillis() {
    return leaseMillis != null
        ? leaseMillis
        : heartbeatIntervalMillis * FleetThresholds.LIVE_INTERVALS;
  }

  /** The value of one field (by its JSON name) as messages show it: {@code echo}, {@code 5 s}. */
  public String describe(String field) {
    if (field.equals(Setting.LEASE.field()) && leaseMillis == null) {
      return "three heartbeat intervals (" + seconds(effectiveLeaseMillis()) + " s)";
    }
    return describeValue(field, valueOf(field));
  }

  /**
   * The value of one field (by its JSON name): a {@link String}, {@link Integer}, {@link Long}
   * (durations in milliseconds), {@link Role}, {@link ExecutorKind} or the labels' map; the lease
   * is the one in force.
   */
  public Object valueOf(String field) {
    return Setting.ofField(field).valueIn(this);
  }

  /** A value of {@code field} as messages show it (see {@link #valueOf}). */
  public static String describeValue(String field, Object value) {
    return Setting.ofField(field).describeAny(value);
  }

  /** The fields (JSON names) whose values differ between this and {@code other}. */
  public List<String> changedFields(InstanceSettings other) {
    List<String> changed = new ArrayList<>();
    ObjectNode mine = toJson();
    ObjectNode theirs = other.toJson();
    for (String field : FIELDS) {
      if (!Objects.equals(mine.get(field), theirs.get(field))) {
        changed.add(field);
      }
    }
    return changed;
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("version", FORMAT);
    node.put(Setting.ROLE.field(), role.wire());
    node.put(Setting.ALIAS.field(), alias);
    putText(node, Setting.COORDINATOR.field(), coordinatorUrl);
    putText(node, Setting.ADVERTISE.field(), advertiseUrl);
    node.put(Setting.BIND.field(), bind);
    node.put(Setting.PORT.field(), port);
    node.put(Setting.MAX_REQUEST_BYTES.field(), maxRequestBytes);
    putSeconds(node, Setting.HEARTBEAT_INTERVAL.field(), heartbeatIntervalMillis);
    if (leaseMillis != null) {
      putSeconds(node, Setting.LEASE.field(), leaseMillis);
    } else {
      node.putNull(Setting.LEASE.field());
    }
    node.put(Setting.EXECUTOR.field(), executor.wire());
    putSeconds(node, Setting.ECHO_DELAY.field(), echoDelayMillis);
    node.put(Setting.SLOTS.field(), slots);
    node.put(Setting.DURABILITY.field(), durability);
    node.set(Setting.LABELS.field(), Labels.toJson(labels));
    node.put(Setting.ECHO_MODE.field(), echoMode);
    node.put(Setting.MAX_CHILDREN.field(), maxChildren);
    putText(node, Setting.TLS_CERT.field(), tlsCert);
    putText(node, Setting.TLS_KEY.field(), tlsKey);
    putText(node, Setting.TLS_CA.field(), tlsCa);
    node.put(Setting.INSECURE_HTTP.field(), insecureHttp);
    putText(node, Setting.COMMAND_TEMPLATE.field(), commandTemplate);
    if (repo != null) {
      node.put(Setting.REPO.field(), repo);
    }
    node.put(Setting.MAX_FANOUT_DEPTH.field(), maxFanoutDepth);
    return node;
  }

  /**
   * Reads settings written by {@link #toJson}; {@code where} prefixes field names in messages
   * ({@code settings.json: }, {@code body.to.}). Throws {@link InvalidRecordException} naming the
   * field.
   */
  public static InstanceSettings fromJson(ObjectNode node, String where) {
    JsonNode version = node.get("version");
    if (version != null && (!version.canConvertToExactIntegral() || version.asInt() != FORMAT)) {
      throw new InvalidRecordException(
          where + "version: expected " + FORMAT + " but found " + BodyFields.describe(version));
    }
    try {
      return new InstanceSettings(
          Role.parse(where + Setting.ROLE.field(), text(node, Setting.ROLE.field(), where)),
          text(node, Setting.ALIAS.field(), where),
          optionalText(node, Setting.COORDINATOR.field(), where),
          optionalText(node, Setting.ADVERTISE.field(), where),
          text(node, Setting.BIND.field(), where),
          (int) integer(node, Setting.PORT, where),
          integer(node, Setting.MAX_REQUEST_BYTES, where),
          millis(node, Setting.HEARTBEAT_INTERVAL.field(), where),
          node.hasNonNull(Setting.LEASE.field())
              ? millis(node, Setting.LEASE.field(), where)
              : null,
          ExecutorKind.parse(
              where + Setting.EXECUTOR.field(), text(node, Setting.EXECUTOR.field(), where)),
          millis(node, Setting.ECHO_DELAY.field(), where),
          (int) integer(node, Setting.SLOTS, where),
          text(node, Setting.DURABILITY.field(), where),
          Labels.fromJson(node, Setting.LABELS.field(), where),
          // Kept since a later version of the format's writer: absent means the default.
          node.has(Setting.ECHO_MODE.field())
              ? text(node, Setting.ECHO_MODE.field(), where)
              : Setting.ECHO_MODE.defaultValue(),
          node.has(Setting.MAX_CHILDREN.field())
              ? (int) integer(node, Setting.MAX_CHILDREN, where)
              : Setting.MAX_CHILDREN.defaultValue(),
          optionalText(node, Setting.TLS_CERT.field(), where),
          optionalText(node, Setting.TLS_KEY.field(), where),
          optionalText(node, Setting.TLS_CA.field(), where),
          node.has(Setting.INSECURE_HTTP.field())
              && bool(node, Setting.INSECURE_HTTP.field(), where),
          optionalText(node, Setting.COMMAND_TEMPLATE.field(), where),
          optionalText(node, Setting.REPO.field(), where),
          node.has(Setting.MAX_FANOUT_DEPTH.field())
              ? (int) integer(node, Setting.MAX_FANOUT_DEPTH, where)
              : Setting.MAX_FANOUT_DEPTH.defaultValue());
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException(where + e.getMessage());
    }
  }

  /** Seconds with up to millisecond precision, as written: {@code 5}, {@code 0.2}. */
  public static String seconds(long millis) {
    return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  private static void putText(ObjectNode node, String field, String value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private static void putSeconds(ObjectNode node, String field, long millis) {
    if (millis % 1000 == 0) {
      node.put(field, millis / 1000);
    } else {
      node.put(field, millis / 1000.0);
    }
  }

  private static String text(ObjectNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new InvalidRecordException(
          where + field + ": expected a string but found " + BodyFields.describe(value));
    }
    return value.asText();
  }

  private static String optionalText(ObjectNode node, String field, String where) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : text(node, field, where);
  }

  private static boolean bool(ObjectNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (!value.isBoolean()) {
      throw new InvalidRecordException(
          where + field + ": expected true or false but found " + BodyFields.describe(value));
    }
    return value.asBoolean();
  }

  private static long integer(ObjectNode node, Setting<?> setting, String where) {
    String field = setting.field();
    long max = setting.max();
    JsonNode value = node.get(field);
    if (value == null
        || !value.canConvertToExactIntegral()
        || !value.canConvertToLong()
        || value.asLong() < 0
        || value.asLong() > max) {
      throw new InvalidRecordException(
          where
              + field
              + ": expected a whole number from 0 to "
              + max
              + " but found "
              + BodyFields.describe(value));
    }
    return value.asLong();
  }

  private static long millis(ObjectNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw new InvalidRecordException(
          where + field + ": expected a number of seconds but found " + BodyFields.describe(value));
    }
    BigDecimal millis = new BigDecimal(value.asText()).movePointRight(3);
    if (millis.signum() < 0
        || millis.stripTrailingZeros().scale() > 0
        || millis.compareTo(BigDecimal.valueOf(86_400_000L * 365)) > 0) {
      throw new InvalidRecordException(
          where
              + field
              + ": expected seconds from 0 to a year with at most 3 decimals but found "
              + value);
    }
    return millis.longValueExact();
  }
}
