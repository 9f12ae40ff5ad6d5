package dev.spl.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.fanout.CommandTemplate;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.NestedFanouts;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.regex.Pattern;

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
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** The fields, by their JSON names, in the order messages list them. */
  public static final List<String> FIELDS =
      List.of(
          "role",
          "alias",
          "coordinator",
          "advertise",
          "bind",
          "port",
          "max_request_bytes",
          "heartbeat_interval_secs",
          "lease_secs",
          "executor",
          "echo_delay_secs",
          "slots",
          "durability",
          "labels",
          "echo_mode",
          "max_children",
          "tls_cert",
          "tls_key",
          "tls_ca",
          "insecure_http",
          "command_template",
          "repo",
          "max_fanout_depth");

  public InstanceSettings {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(durability, "durability");
    labels = Labels.of(labels == null ? Map.of() : labels);
    if (!alias.isEmpty()) {
      checkAlias("alias", alias);
    }
    if (role == Role.WORKER && (coordinatorUrl == null || coordinatorUrl.isBlank())) {
      throw new IllegalArgumentException(
          "coordinator: a worker needs the URL of its coordinator but none is set");
    }
    if (role == Role.COORDINATOR && coordinatorUrl != null) {
      throw new IllegalArgumentException(
          "coordinator: only a worker reports to a coordinator, but the role is coordinator");
    }
    if (bind.isBlank()) {
      throw new IllegalArgumentException("bind: expected a host address but found nothing");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port: expected 0..65535 but found " + port);
    }
    if (maxRequestBytes < 1) {
      throw new IllegalArgumentException(
          "max_request_bytes: expected a positive number but found " + maxRequestBytes);
    }
    if (heartbeatIntervalMillis < 1) {
      throw new IllegalArgumentException(
          "heartbeat_interval_secs: expected at least 0.001 but found "
              + seconds(heartbeatIntervalMillis));
    }
    if (leaseMillis != null && leaseMillis <= heartbeatIntervalMillis) {
      throw new IllegalArgumentException(
          "lease_secs: expected more than the heartbeat interval ("
              + seconds(heartbeatIntervalMillis)
              + " s) but found "
              + seconds(leaseMillis));
    }
    if (echoDelayMillis < 0) {
      throw new IllegalArgumentException(
          "echo_delay_secs: expected >= 0 but found " + seconds(echoDelayMillis));
    }
    if (slots < 1 || slots > WorkerSlots.MAX) {
      throw new IllegalArgumentException(
          "slots: expected 1.." + WorkerSlots.MAX + " but found " + slots);
    }
    if (!DURABLE.equals(durability) && !FAST.equals(durability)) {
      throw new IllegalArgumentException(
          "durability: expected 'durable' or 'fast' but found '" + durability + "'");
    }
    Objects.requireNonNull(echoMode, "echoMode");
    if (!ECHO_PLAIN.equals(echoMode) && !ECHO_COMPUTE.equals(echoMode)) {
      throw new IllegalArgumentException(
          "echo_mode: expected 'plain' or 'compute' but found '" + echoMode + "'");
    }
    if (maxChildren < 1 || maxChildren > Fanouts.MAX_MAX_CHILDREN) {
      throw new IllegalArgumentException(
          "max_children: expected 1.." + Fanouts.MAX_MAX_CHILDREN + " but found " + maxChildren);
    }
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
    if (maxFanoutDepth < 1 || maxFanoutDepth > NestedFanouts.MAX_MAX_DEPTH) {
      throw new IllegalArgumentException(
          "max_fanout_depth: expected 1.."
              + NestedFanouts.MAX_MAX_DEPTH
              + " but found "
              + maxFanoutDepth);
    }
    if (executor == ExecutorKind.WORKTREE && repo == null) {
      throw new IllegalArgumentException(
          "repo: the worktree executor needs the git repository its children work in (--repo PATH)"
              + " but none is set");
    }
  }

  /** Refuses an alias the fleet cannot name an instance by; {@code where} names the field. */
  static void checkAlias(String where, String alias) {
    if (!ALIAS.matcher(alias).matches()) {
      throw new IllegalArgumentException(
          where
              + ": expected 1-63 letters, digits, '.', '_' or '-' (starting with a letter or digit)"
              + " but found '"
              + alias
              + "'");
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
    private Role role = Role.COORDINATOR;
    private String alias = COORDINATOR_ALIAS;
    private String coordinatorUrl;
    private String advertiseUrl;
    private String bind = DEFAULT_BIND;
    private int port = DEFAULT_PORT;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private long heartbeatIntervalMillis = FleetThresholds.DEFAULT_HEARTBEAT_INTERVAL_MILLIS;
    private Long leaseMillis;
    private ExecutorKind executor = ExecutorKind.ECHO;
    private long echoDelayMillis = DEFAULT_ECHO_DELAY_MILLIS;
    private int slots = WorkerSlots.DEFAULT;
    private String durability = DURABLE;
    private SortedMap<String, String> labels;
    private String echoMode = ECHO_PLAIN;
    private int maxChildren = Fanouts.DEFAULT_MAX_CHILDREN;
    private String tlsCert;
    private String tlsKey;
    private String tlsCa;
    private boolean insecureHttp;
    private String commandTemplate;
    private String repo;
    private int maxFanoutDepth = NestedFanouts.DEFAULT_MAX_DEPTH;

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
    if (field.equals("lease_secs") && leaseMillis == null) {
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
    return switch (field) {
      case "role" -> role;
      case "alias" -> alias;
      case "coordinator" -> coordinatorUrl;
      case "advertise" -> advertiseUrl;
      case "bind" -> bind;
      case "port" -> port;
      case "max_request_bytes" -> maxRequestBytes;
      case "heartbeat_interval_secs" -> heartbeatIntervalMillis;
      case "lease_secs" -> effectiveLeaseMillis();
      case "executor" -> executor;
      case "echo_delay_secs" -> echoDelayMillis;
      case "slots" -> slots;
      case "durability" -> durability;
      case "labels" -> labels;
      case "echo_mode" -> echoMode;
      case "max_children" -> maxChildren;
      case "tls_cert" -> tlsCert;
      case "tls_key" -> tlsKey;
      case "tls_ca" -> tlsCa;
      case "insecure_http" -> insecureHttp;
      case "command_template" -> commandTemplate;
      case "repo" -> repo;
      case "max_fanout_depth" -> maxFanoutDepth;
      default -> throw new IllegalArgumentException("no settings field '" + field + "'");
    };
  }

  /** A value of {@code field} as messages show it (see {@link #valueOf}). */
  @SuppressWarnings("unchecked")
  public static String describeValue(String field, Object value) {
    return switch (field) {
      case "role" -> ((Role) value).wire();
      case "alias" -> value == null || value.toString().isEmpty() ? "(none)" : value.toString();
      case "coordinator", "repo" -> value == null ? "(none)" : value.toString();
      case "advertise" -> value == null ? "(the bound URL)" : value.toString();
      case "port" -> ((Integer) value) == 0 ? "0 (any free port)" : value.toString();
      case "heartbeat_interval_secs", "lease_secs", "echo_delay_secs" ->
          seconds((Long) value) + " s";
      case "executor" -> ((ExecutorKind) value).wire();
      case "labels" -> Labels.describe((Map<String, String>) value);
      case "tls_cert", "tls_key" -> value == null ? "(none: plain HTTP)" : value.toString();
      case "tls_ca" -> value == null ? "(the system trust store)" : value.toString();
      case "command_template" -> value == null ? "(none)" : "'" + value + "'";
      default -> String.valueOf(value);
    };
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
    node.put("role", role.wire());
    node.put("alias", alias);
    putText(node, "coordinator", coordinatorUrl);
    putText(node, "advertise", advertiseUrl);
    node.put("bind", bind);
    node.put("port", port);
    node.put("max_request_bytes", maxRequestBytes);
    putSeconds(node, "heartbeat_interval_secs", heartbeatIntervalMillis);
    if (leaseMillis != null) {
      putSeconds(node, "lease_secs", leaseMillis);
    } else {
      node.putNull("lease_secs");
    }
    node.put("executor", executor.wire());
    putSeconds(node, "echo_delay_secs", echoDelayMillis);
    node.put("slots", slots);
    node.put("durability", durability);
    node.set("labels", Labels.toJson(labels));
    node.put("echo_mode", echoMode);
    node.put("max_children", maxChildren);
    putText(node, "tls_cert", tlsCert);
    putText(node, "tls_key", tlsKey);
    putText(node, "tls_ca", tlsCa);
    node.put("insecure_http", insecureHttp);
    putText(node, "command_template", commandTemplate);
    if (repo != null) {
      node.put("repo", repo);
    }
    node.put("max_fanout_depth", maxFanoutDepth);
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
          Role.parse(where + "role", text(node, "role", where)),
          text(node, "alias", where),
          optionalText(node, "coordinator", where),
          optionalText(node, "advertise", where),
          text(node, "bind", where),
          (int) integer(node, "port", where, 65_535),
          integer(node, "max_request_bytes", where, Long.MAX_VALUE),
          millis(node, "heartbeat_interval_secs", where),
          node.hasNonNull("lease_secs") ? millis(node, "lease_secs", where) : null,
          ExecutorKind.parse(where + "executor", text(node, "executor", where)),
          millis(node, "echo_delay_secs", where),
          (int) integer(node, "slots", where, WorkerSlots.MAX),
          text(node, "durability", where),
          Labels.fromJson(node, "labels", where),
          // Kept since a later version of the format's writer: absent means the default.
          node.has("echo_mode") ? text(node, "echo_mode", where) : ECHO_PLAIN,
          node.has("max_children")
              ? (int) integer(node, "max_children", where, Fanouts.MAX_MAX_CHILDREN)
              : Fanouts.DEFAULT_MAX_CHILDREN,
          optionalText(node, "tls_cert", where),
          optionalText(node, "tls_key", where),
          optionalText(node, "tls_ca", where),
          node.has("insecure_http") && bool(node, "insecure_http", where),
          optionalText(node, "command_template", where),
          optionalText(node, "repo", where),
          node.has("max_fanout_depth")
              ? (int) integer(node, "max_fanout_depth", where, NestedFanouts.MAX_MAX_DEPTH)
              : NestedFanouts.DEFAULT_MAX_DEPTH);
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

  private static long integer(ObjectNode node, String field, String where, long max) {
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
