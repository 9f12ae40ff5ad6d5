package dev.spl.core.fleet;

import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.NestedFanouts;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One setting of a daemon, defined once: its JSON field in {@code settings.json} and {@code
 * settings_changed}, the option of {@code spl daemon run|start} that sets it, the name messages
 * give it, its default, the values it takes (with the message that refuses another) and how
 * messages show a value. {@link InstanceSettings}, {@link SettingsRequest} and the daemon's own
 * configuration read their names, defaults and bounds from here; rules that relate two settings (a
 * lease longer than the interval, a certificate with its key) stay with {@link InstanceSettings}.
 *
 * @param <T> the value's type as {@link InstanceSettings} holds it (durations in milliseconds)
 */
public final class Setting<T> {
  /** The largest whole number a JSON field holds when the setting sets no other bound. */
  private static final long UNBOUNDED = Long.MAX_VALUE;

  private static final Pattern ALIAS_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  public static final Setting<Role> ROLE =
      new Setting<>("role", "--role", "role", Role.COORDINATOR, InstanceSettings::role)
          .describedBy(Role::wire);

  /**
   * The default is the coordinator's: a worker has none unless given (the settings take an empty
   * alias for none; an alias given must be one).
   */
  public static final Setting<String> ALIAS =
      new Setting<>(
              "alias",
              "--alias",
              "alias",
              InstanceSettings.COORDINATOR_ALIAS,
              InstanceSettings::alias)
          .refusing(
              alias ->
                  ALIAS_PATTERN.matcher(alias).matches()
                      ? null
                      : "expected 1-63 letters, digits, '.', '_' or '-' (starting with a letter or"
                          + " digit) but found '"
                          + alias
                          + "'")
          .describedBy(alias -> alias.isEmpty() ? "(none)" : alias);

  public static final Setting<String> COORDINATOR =
      new Setting<>(
              "coordinator", "--coordinator", "coordinator", null, InstanceSettings::coordinatorUrl)
          .describedBy(url -> url);

  public static final Setting<String> ADVERTISE =
      new Setting<>(
              "advertise", "--advertise", "advertised URL", null, InstanceSettings::advertiseUrl)
          .describedBy(url -> url, "(the bound URL)");

  public static final Setting<String> BIND =
      new Setting<>(
              "bind",
              "--bind",
              "bind address",
              InstanceSettings.DEFAULT_BIND,
              InstanceSettings::bind)
          .refusing(bind -> bind.isBlank() ? "expected a host address but found nothing" : null);

  public static final Setting<Integer> PORT =
      new Setting<>("port", "--port", "port", InstanceSettings.DEFAULT_PORT, InstanceSettings::port)
          .between(0, 65_535)
          .describedBy(port -> port == 0 ? "0 (any free port)" : port.toString());

  public static final Setting<Long> MAX_REQUEST_BYTES =
      new Setting<>(
              "max_request_bytes",
              "--max-request-bytes",
              "largest request",
              InstanceSettings.DEFAULT_MAX_REQUEST_BYTES,
              InstanceSettings::maxRequestBytes)
          .refusing(bytes -> bytes < 1 ? "expected a positive number but found " + bytes : null);

  public static final Setting<Long> HEARTBEAT_INTERVAL =
      new Setting<>(
              "heartbeat_interval_secs",
              "--heartbeat-interval",
              "heartbeat interval",
              FleetThresholds.DEFAULT_HEARTBEAT_INTERVAL_MILLIS,
              InstanceSettings::heartbeatIntervalMillis)
          .refusing(
              millis ->
                  millis < 1
                      ? "expected at least 0.001 but found " + InstanceSettings.seconds(millis)
                      : null)
          .describedBy(Setting::seconds);

  /** No default of its own: three heartbeat intervals; messages show the lease in force. */
  public static final Setting<Long> LEASE =
      new Setting<>("lease_secs", "--lease", "lease", null, InstanceSettings::effectiveLeaseMillis)
          .describedBy(Setting::seconds);

  public static final Setting<ExecutorKind> EXECUTOR =
      new Setting<>(
              "executor", "--executor", "executor", ExecutorKind.ECHO, InstanceSettings::executor)
          .describedBy(ExecutorKind::wire);

  public static final Setting<Long> ECHO_DELAY =
      new Setting<>(
              "echo_delay_secs",
              "--echo-delay",
              "echo delay",
              InstanceSettings.DEFAULT_ECHO_DELAY_MILLIS,
              InstanceSettings::echoDelayMillis)
          .refusing(
              millis ->
                  millis < 0 ? "expected >= 0 but found " + InstanceSettings.seconds(millis) : null)
          .describedBy(Setting::seconds);

  public static final Setting<Integer> SLOTS =
      new Setting<>("slots", "--slots", "slots", WorkerSlots.DEFAULT, InstanceSettings::slots)
          .between(1, WorkerSlots.MAX);

  public static final Setting<String> DURABILITY =
      new Setting<>(
              "durability",
              "--durability",
              "durability",
              InstanceSettings.DURABLE,
              InstanceSettings::durability)
          .oneOf(InstanceSettings.DURABLE, InstanceSettings.FAST);

  public static final Setting<SortedMap<String, String>> LABELS =
      new Setting<SortedMap<String, String>>(
              "labels", "--label", "labels", null, InstanceSettings::labels)
          .describedBy(Labels::describe);

  public static final Setting<String> ECHO_MODE =
      new Setting<>(
              "echo_mode",
              "--echo-mode",
              "echo mode",
              InstanceSettings.ECHO_PLAIN,
              InstanceSettings::echoMode)
          .oneOf(InstanceSettings.ECHO_PLAIN, InstanceSettings.ECHO_COMPUTE);

  public static final Setting<Integer> MAX_CHILDREN =
      new Setting<>(
              "max_children",
              "--max-children",
              "children cap",
              Fanouts.DEFAULT_MAX_CHILDREN,
              InstanceSettings::maxChildren)
          .between(1, Fanouts.MAX_MAX_CHILDREN);

  public static final Setting<String> TLS_CERT =
      new Setting<>("tls_cert", "--tls-cert", "TLS certificate", null, InstanceSettings::tlsCert)
          .describedBy(path -> path, "(none: plain HTTP)");

  public static final Setting<String> TLS_KEY =
      new Setting<>("tls_key", "--tls-key", "TLS key", null, InstanceSettings::tlsKey)
          .describedBy(path -> path, "(none: plain HTTP)");

  public static final Setting<String> TLS_CA =
      new Setting<>("tls_ca", "--tls-ca", "trusted CA", null, InstanceSettings::tlsCa)
          .describedBy(path -> path, "(the system trust store)");

  public static final Setting<Boolean> INSECURE_HTTP =
      new Setting<>(
          "insecure_http",
          "--insecure-http",
          "plain HTTP off loopback",
          false,
          InstanceSettings::insecureHttp);

  public static final Setting<String> COMMAND_TEMPLATE =
      new Setting<>(
              "command_template",
              "--command-template",
              "command template",
              null,
              InstanceSettings::commandTemplate)
          .describedBy(template -> "'" + template + "'");

  public static final Setting<String> REPO =
      new Setting<>("repo", "--repo", "repository", null, InstanceSettings::repo)
          .describedBy(path -> path);

  public static final Setting<Integer> MAX_FANOUT_DEPTH =
      new Setting<>(
              "max_fanout_depth",
              "--max-fanout-depth",
              "fan-out depth limit",
              NestedFanouts.DEFAULT_MAX_DEPTH,
              InstanceSettings::maxFanoutDepth)
          .between(1, NestedFanouts.MAX_MAX_DEPTH);

  /** Every setting, in the order messages list them. */
  public static final List<Setting<?>> ALL =
      List.of(
          ROLE,
          ALIAS,
          COORDINATOR,
          ADVERTISE,
          BIND,
          PORT,
          MAX_REQUEST_BYTES,
          HEARTBEAT_INTERVAL,
          LEASE,
          EXECUTOR,
          ECHO_DELAY,
          SLOTS,
          DURABILITY,
          LABELS,
          ECHO_MODE,
          MAX_CHILDREN,
          TLS_CERT,
          TLS_KEY,
          TLS_CA,
          INSECURE_HTTP,
          COMMAND_TEMPLATE,
          REPO,
          MAX_FANOUT_DEPTH);

  private static final Map<String, Setting<?>> BY_FIELD = byField();

  private final String field;
  private final String option;
  private final String label;
  private final T defaultValue;
  private final Function<InstanceSettings, T> reader;
  private final Function<T, String> problem;
  private final Function<T, String> describer;
  private final String describedUnset;
  private final long max;

  private Setting(
      String field,
      String option,
      String label,
      T defaultValue,
      Function<InstanceSettings, T> reader) {
    this(
        field,
        option,
        label,
        defaultValue,
        reader,
        value -> null,
        String::valueOf,
        "(none)",
        UNBOUNDED);
  }

  private Setting(
      String field,
      String option,
      String label,
      T defaultValue,
      Function<InstanceSettings, T> reader,
      Function<T, String> problem,
      Function<T, String> describer,
      String describedUnset,
      long max) {
    this.field = field;
    this.option = option;
    this.label = label;
    this.defaultValue = defaultValue;
    this.reader = reader;
    this.problem = problem;
    this.describer = describer;
    this.describedUnset = describedUnset;
    this.max = max;
  }

  /** This setting, refusing a value for which {@code newProblem} says what is wrong (not null). */
  private Setting<T> refusing(Function<T, String> newProblem) {
    return new Setting<>(
        field, option, label, defaultValue, reader, newProblem, describer, describedUnset, max);
  }

  /** This setting, taking the whole numbers {@code min..newMax}. */
  private Setting<T> between(int min, int newMax) {
    Function<T, String> outside =
        value -> {
          int number = ((Number) value).intValue();
          return number < min || number > newMax
              ? "expected " + min + ".." + newMax + " but found " + number
              : null;
        };
    return new Setting<>(
        field, option, label, defaultValue, reader, outside, describer, describedUnset, newMax);
  }

  /** This setting, taking only {@code values}. */
  @SafeVarargs
  private Setting<T> oneOf(T... values) {
    List<T> allowed = List.of(values);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      expected.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ");
      expected.append('\'').append(values[i]).append('\'');
    }
    return refusing(
        value ->
            allowed.contains(value) ? null : "expected " + expected + " but found '" + value + "'");
  }

  /** This setting, its values shown by {@code newDescriber} (and none as {@code (none)}). */
  private Setting<T> describedBy(Function<T, String> newDescriber) {
    return describedBy(newDescriber, describedUnset);
  }

  /** This setting, its values shown by {@code newDescriber} and none as {@code unset}. */
  private Setting<T> describedBy(Function<T, String> newDescriber, String unset) {
    return new Setting<>(
        field, option, label, defaultValue, reader, problem, newDescriber, unset, max);
  }

  /** The JSON field, e.g. {@code echo_delay_secs}. */
  public String field() {
    return field;
  }

  /** The option of {@code spl daemon run|start} that sets it, e.g. {@code --echo-delay}. */
  public String option() {
    return option;
  }

  /** The setting as messages name it, e.g. {@code echo delay}. */
  public String label() {
    return label;
  }

  /** What a daemon started without the option runs with; null when there is none of its own. */
  public T defaultValue() {
    return defaultValue;
  }

  /** The largest whole number the field takes; {@link Long#MAX_VALUE} for no bound of its own. */
  public long max() {
    return max;
  }

  /** {@code value}, or an {@link IllegalArgumentException} naming the field and what is wrong. */
  public T check(T value) {
    String wrong = problem.apply(value);
    if (wrong != null) {
      throw new IllegalArgumentException(field + ": " + wrong);
    }
    return value;
  }

  /** As {@link #check}, naming the option that gave {@code value} instead of the field. */
  public T checkGiven(T value) {
    String wrong = problem.apply(value);
    if (wrong != null) {
      throw new IllegalArgumentException(option + ": " + wrong);
    }
    return value;
  }

  /** The value {@code settings} has, as {@link InstanceSettings#valueOf} gives it. */
  public T valueIn(InstanceSettings settings) {
    return reader.apply(settings);
  }

  /** A value as messages show it: {@code echo}, {@code 5 s}, {@code (none)}. */
  public String describeValue(T value) {
    return value == null ? describedUnset : describer.apply(value);
  }

  /** As {@link #describeValue} for a value read without its type ({@link #valueIn}). */
  @SuppressWarnings("unchecked")
  String describeAny(Object value) {
    return describeValue((T) value);
  }

  /** The setting whose JSON field is {@code field}; an {@link IllegalArgumentException} if none. */
  public static Setting<?> ofField(String field) {
    Setting<?> setting = BY_FIELD.get(field);
    if (setting == null) {
      throw new IllegalArgumentException("no settings field '" + field + "'");
    }
    return setting;
  }

  /** The setting whose JSON field is {@code field}, or null. */
  static Setting<?> ofFieldOrNull(String field) {
    return BY_FIELD.get(field);
  }

  /** The JSON fields of {@link #ALL}, in its order. */
  static List<String> fields() {
    return ALL.stream().map(Setting::field).toList();
  }

  private static Map<String, Setting<?>> byField() {
    Map<String, Setting<?>> map = new LinkedHashMap<>();
    for (Setting<?> setting : ALL) {
      Objects.requireNonNull(setting, "a setting listed before its definition");
      map.put(setting.field, setting);
    }
    return Map.copyOf(map);
  }

  private static String seconds(Long millis) {
    return InstanceSettings.seconds(millis) + " s";
  }

  @Override
  public String toString() {
    return field;
  }
}
