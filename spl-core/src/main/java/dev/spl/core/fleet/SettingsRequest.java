package dev.spl.core.fleet;

import dev.spl.core.fanout.CommandTemplate;
import dev.spl.core.fanout.ExecutorKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The settings a start of a daemon asks for explicitly (its options); null means "not given". A
 * start without options runs with the settings kept in the home, and one whose options differ from
 * them is refused unless it asks to reconfigure: {@link #differences} says what differs, {@link
 * #resolve} what the daemon runs with. The decision lives here, so {@code spl daemon run|start} and
 * {@code spl fleet start} decide alike.
 */
public record SettingsRequest(
    Role role,
    String alias,
    String coordinatorUrl,
    String advertiseUrl,
    String bind,
    Integer port,
    Long maxRequestBytes,
    Long heartbeatIntervalMillis,
    Long leaseMillis,
    ExecutorKind executor,
    Long echoDelayMillis,
    Integer slots,
    String durability,
    SortedMap<String, String> labels,
    String echoMode,
    Integer maxChildren,
    String tlsCert,
    String tlsKey,
    String tlsCa,
    Boolean insecureHttp,
    String commandTemplate,
    String repo,
    Integer maxFanoutDepth) {

  /** The option that sets each field (by its JSON name); see {@link Setting#option}. */
  public static final Map<String, String> OPTIONS = options();

  /** Nothing given: the stored settings, or the defaults. */
  public static final SettingsRequest NOTHING = builder().build();

  /** A request that gives nothing yet; set each option given. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds a {@link SettingsRequest}; a field not set is not given (null). */
  public static final class Builder {
    private Role role;
    private String alias;
    private String coordinatorUrl;
    private String advertiseUrl;
    private String bind;
    private Integer port;
    private Long maxRequestBytes;
    private Long heartbeatIntervalMillis;
    private Long leaseMillis;
    private ExecutorKind executor;
    private Long echoDelayMillis;
    private Integer slots;
    private String durability;
    private SortedMap<String, String> labels;
    private String echoMode;
    private Integer maxChildren;
    private String tlsCert;
    private String tlsKey;
    private String tlsCa;
    private Boolean insecureHttp;
    private String commandTemplate;
    private String repo;
    private Integer maxFanoutDepth;

    private Builder() {}

    private Builder(SettingsRequest request) {
      role = request.role;
      alias = request.alias;
      coordinatorUrl = request.coordinatorUrl;
      advertiseUrl = request.advertiseUrl;
      bind = request.bind;
      port = request.port;
      maxRequestBytes = request.maxRequestBytes;
      heartbeatIntervalMillis = request.heartbeatIntervalMillis;
      leaseMillis = request.leaseMillis;
      executor = request.executor;
      echoDelayMillis = request.echoDelayMillis;
      slots = request.slots;
      durability = request.durability;
      labels = request.labels;
      echoMode = request.echoMode;
      maxChildren = request.maxChildren;
      tlsCert = request.tlsCert;
      tlsKey = request.tlsKey;
      tlsCa = request.tlsCa;
      insecureHttp = request.insecureHttp;
      commandTemplate = request.commandTemplate;
      repo = request.repo;
      maxFanoutDepth = request.maxFanoutDepth;
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

    public Builder port(Integer value) {
      port = value;
      return this;
    }

    public Builder maxRequestBytes(Long value) {
      maxRequestBytes = value;
      return this;
    }

    public Builder heartbeatIntervalMillis(Long value) {
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

    public Builder echoDelayMillis(Long value) {
      echoDelayMillis = value;
      return this;
    }

    public Builder slots(Integer value) {
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

    public Builder maxChildren(Integer value) {
      maxChildren = value;
      return this;
    }

    public Builder maxFanoutDepth(Integer value) {
      maxFanoutDepth = value;
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

    public Builder insecureHttp(Boolean value) {
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

    /**
     * The TLS options: certificate and key (both or neither), the CA its requests trust, and
     * whether plain HTTP off loopback is asked for (false: not given).
     */
    public Builder tls(String cert, String key, String ca, boolean insecure) {
      tlsCert = cert;
      tlsKey = key;
      tlsCa = ca;
      insecureHttp = insecure ? Boolean.TRUE : null;
      return this;
    }

    public SettingsRequest build() {
      return new SettingsRequest(
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

  /**
   * One option that asks for another value than the member has.
   *
   * @param field the JSON name of the setting
   * @param option the option that asked, e.g. {@code --executor}
   * @param current the value the member has, as messages show it
   * @param given the option's value as typed (e.g. {@code shell}, {@code 0.2})
   * @param asked the value it asks for, as messages show it
   */
  public record Difference(
      String field, String option, String current, String given, String asked) {
    /** {@code executor is echo, --executor shell asks for shell}. */
    public String describe() {
      return Setting.ofField(field).label()
          + " is "
          + current
          + ", "
          + option
          + (given.isEmpty() ? "" : " " + given)
          + " asks for "
          + asked;
    }

    /** The same difference as asked for by another option (e.g. {@code --worker-port}). */
    public Difference askedBy(Map<String, String> options) {
      String renamed = options.get(field);
      return renamed == null || !option.equals(OPTIONS.get(field))
          ? this
          : new Difference(field, renamed, current, given, asked);
    }
  }

  /** {@code a; b; c}: the differences of one member as one line. */
  public static String describe(List<Difference> differences) {
    List<String> parts = new ArrayList<>();
    differences.forEach(difference -> parts.add(difference.describe()));
    return String.join("; ", parts);
  }

  /** The role asked for: {@code --role}, or worker when only {@code --coordinator} is given. */
  public Role askedRole() {
    if (role != null) {
      return role;
    }
    return coordinatorUrl != null ? Role.WORKER : null;
  }

  /**
   * The options that ask for another value than {@code current} (the member's stored or running
   * settings) has; none when there is nothing stored yet.
   */
  public List<Difference> differences(InstanceSettings current) {
    List<Difference> out = new ArrayList<>();
    if (current == null) {
      return out;
    }
    Role asked = askedRole();
    if (asked != null && asked != current.role()) {
      out.add(
          new Difference(
              "role",
              role != null ? Setting.ROLE.option() : Setting.COORDINATOR.option(),
              current.describe("role"),
              role != null ? role.wire() : coordinatorUrl,
              asked.wire()));
    }
    compare(out, current, Setting.ALIAS, alias, alias);
    compare(out, current, Setting.COORDINATOR, coordinatorUrl, coordinatorUrl);
    compare(out, current, Setting.ADVERTISE, advertiseUrl, advertiseUrl);
    compare(out, current, Setting.BIND, bind, bind);
    // Port 0 asks for any free port: it never conflicts with a kept port, and a kept 0 takes any.
    if (port != null && port != 0 && current.port() != 0) {
      compare(out, current, Setting.PORT, port, port);
    }
    compare(out, current, Setting.MAX_REQUEST_BYTES, maxRequestBytes, maxRequestBytes);
    compare(
        out,
        current,
        Setting.HEARTBEAT_INTERVAL,
        heartbeatIntervalMillis,
        seconds(heartbeatIntervalMillis));
    compare(out, current, Setting.LEASE, leaseMillis, seconds(leaseMillis));
    compare(out, current, Setting.EXECUTOR, executor, executor == null ? null : executor.wire());
    compare(out, current, Setting.ECHO_DELAY, echoDelayMillis, seconds(echoDelayMillis));
    compare(out, current, Setting.SLOTS, slots, slots);
    compare(out, current, Setting.DURABILITY, durability, durability);
    compare(out, current, Setting.COMMAND_TEMPLATE, commandTemplate, "'" + commandTemplate + "'");
    compare(out, current, Setting.REPO, repo, repo);
    if (labels != null) {
      List<String> given = new ArrayList<>();
      labels.forEach((key, value) -> given.add(key + "=" + value));
      compare(
          out,
          current,
          Setting.LABELS,
          labels,
          given.isEmpty() ? "(none)" : String.join(" --label ", given));
    }
    compare(out, current, Setting.ECHO_MODE, echoMode, echoMode);
    compare(out, current, Setting.MAX_CHILDREN, maxChildren, maxChildren);
    compare(out, current, Setting.MAX_FANOUT_DEPTH, maxFanoutDepth, maxFanoutDepth);
    compare(out, current, Setting.TLS_CERT, tlsCert, tlsCert);
    compare(out, current, Setting.TLS_KEY, tlsKey, tlsKey);
    compare(out, current, Setting.TLS_CA, tlsCa, tlsCa);
    if (Boolean.TRUE.equals(insecureHttp) && !current.insecureHttp()) {
      out.add(
          new Difference(
              "insecure_http",
              Setting.INSECURE_HTTP.option(),
              current.servesTls() ? "off (HTTPS with " + current.tlsCert() + ")" : "off",
              "",
              "on"));
    }
    return out;
  }

  private static String seconds(Long millis) {
    return millis == null ? null : InstanceSettings.seconds(millis);
  }

  /** Adds a difference when {@code value} (the typed value given, null if not) is not current. */
  private static <T> void compare(
      List<Difference> out, InstanceSettings current, Setting<T> setting, T value, Object typed) {
    if (value == null || value.equals(setting.valueIn(current))) {
      return;
    }
    out.add(
        new Difference(
            setting.field(),
            setting.option(),
            current.describe(setting.field()),
            String.valueOf(typed),
            setting.describeValue(value)));
  }

  /**
   * The settings a start runs with: each option given, else the value in {@code stored} (null when
   * the home has none yet), else the default. Throws {@link IllegalArgumentException} naming the
   * option when the result does not hold together (a worker without a coordinator, an echo delay
   * for a shell worker, a lease no longer than the interval).
   */
  public InstanceSettings resolve(InstanceSettings stored) {
    InstanceSettings base = stored != null ? stored : InstanceSettings.defaults();
    if (alias != null) {
      // The settings allow a worker no alias at all, but an alias given must be one.
      Setting.ALIAS.checkGiven(alias);
    }
    Role effectiveRole = askedRole() != null ? askedRole() : base.role();
    boolean sameRole = effectiveRole == base.role();
    if (effectiveRole == Role.COORDINATOR && coordinatorUrl != null) {
      throw new IllegalArgumentException(
          "--coordinator: only a worker reports to a coordinator, but the role is coordinator");
    }
    String coordinator =
        effectiveRole == Role.WORKER
            ? (coordinatorUrl != null ? coordinatorUrl : sameRole ? base.coordinatorUrl() : null)
            : null;
    if (effectiveRole == Role.WORKER && coordinator == null) {
      throw new IllegalArgumentException(
          "--coordinator: a worker needs the URL of its coordinator, e.g. --coordinator"
              + " http://127.0.0.1:9100");
    }
    long interval = or(heartbeatIntervalMillis, base.heartbeatIntervalMillis());
    Long lease;
    if (leaseMillis != null) {
      lease = leaseMillis;
    } else {
      lease = base.leaseMillis();
      if (lease != null && lease <= interval) {
        throw new IllegalArgumentException(
            "--heartbeat-interval: the lease kept in the settings ("
                + InstanceSettings.seconds(lease)
                + " s) must be longer than the interval ("
                + InstanceSettings.seconds(interval)
                + " s); give --lease as well");
      }
    }
    if (lease != null && lease <= interval) {
      throw new IllegalArgumentException(
          "--lease: expected more than the heartbeat interval ("
              + InstanceSettings.seconds(interval)
              + " s) but found "
              + InstanceSettings.seconds(lease)
              + " s");
    }
    // --echo-delay and --echo-mode hold for every executor: the others run executor=echo children.
    ExecutorKind kind = or(executor, base.executor());
    String template = commandTemplate;
    if (kind == ExecutorKind.COMMAND) {
      if (template == null && base.executor() == ExecutorKind.COMMAND) {
        template = base.commandTemplate();
      }
      if (template == null) {
        throw new IllegalArgumentException(
            "--command-template: the command executor needs one, e.g. --command-template"
                + " 'my-agent --prompt-file {{prompt_file}} --max-cost {{budget}}'");
      }
      CommandTemplate.parse("--command-template", template);
    } else if (template != null) {
      throw new IllegalArgumentException(
          "--command-template: applies to --executor command only, but the executor is "
              + kind.wire());
    }
    // A certificate and plain HTTP exclude each other: the one given replaces the one kept.
    String cert = base.tlsCert();
    String key = base.tlsKey();
    boolean insecure = base.insecureHttp();
    if (tlsCert != null || tlsKey != null) {
      cert = tlsCert;
      key = tlsKey;
      insecure = false;
    } else if (Boolean.TRUE.equals(insecureHttp)) {
      cert = null;
      key = null;
      insecure = true;
    }
    if (kind == ExecutorKind.WORKTREE && repo == null && base.repo() == null) {
      throw new IllegalArgumentException(
          "--repo: the worktree executor needs the git repository its children work in, e.g."
              + " --executor worktree --repo /path/to/repo");
    }
    try {
      return new InstanceSettings(
          effectiveRole,
          alias != null
              ? alias
              : sameRole ? base.alias() : InstanceSettings.defaultAlias(effectiveRole),
          coordinator,
          or(advertiseUrl, base.advertiseUrl()),
          or(bind, base.bind()),
          or(port, base.port()),
          or(maxRequestBytes, base.maxRequestBytes()),
          interval,
          lease,
          kind,
          or(echoDelayMillis, base.echoDelayMillis()),
          or(slots, base.slots()),
          or(durability, base.durability()),
          labels != null ? labels : base.labels(),
          or(echoMode, base.echoMode()),
          or(maxChildren, base.maxChildren()),
          cert,
          key,
          or(tlsCa, base.tlsCa()),
          insecure,
          template,
          or(repo, base.repo()),
          or(maxFanoutDepth, base.maxFanoutDepth()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(namingTheOption(e.getMessage()), e);
    }
  }

  /**
   * A message of the settings' own checks ({@code slots: expected 1..256 but found 0}) as one about
   * the option that sets the field ({@code --slots: ...}).
   */
  private static String namingTheOption(String message) {
    int colon = message.indexOf(':');
    Setting<?> setting = colon < 0 ? null : Setting.ofFieldOrNull(message.substring(0, colon));
    return setting == null ? message : setting.option() + message.substring(colon);
  }

  private static Map<String, String> options() {
    Map<String, String> options = new LinkedHashMap<>();
    Setting.ALL.forEach(setting -> options.put(setting.field(), setting.option()));
    return Collections.unmodifiableMap(options);
  }

  private static <T> T or(T given, T fallback) {
    return given != null ? given : fallback;
  }
}
