package dev.spl.daemon.config;

import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.Labels;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.Setting;
import dev.spl.core.fleet.WorkerSlots;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A daemon's place in a fleet. The coordinator and the workers run the same code; these settings
 * are the whole difference between them.
 *
 * @param role coordinator (keeps the registry, reconciles fan-outs) or worker (runs children)
 * @param alias the short name the fleet knows the instance by, e.g. {@code worker-a}
 * @param coordinatorUrl where a worker sends heartbeats and results; null for the coordinator
 * @param advertiseUrl the URL others reach this daemon at; null means the URL it bound
 * @param heartbeatInterval how often a worker reports to its coordinator
 * @param lease how long a worker may stay silent before its unfinished children move elsewhere
 * @param executor how a worker runs children
 * @param echoDelay how long an echo child takes
 * @param slots how many children a worker runs at once; the rest wait in its queue
 * @param labels the operator's labels of the instance ({@code --label}), carried in heartbeats
 * @param commandTemplate the command line of the command executor; null for the other executors
 * @param repo the git repository a worktree worker makes its children's worktrees in, or null
 */
public record FleetSettings(
    Role role,
    String alias,
    String coordinatorUrl,
    String advertiseUrl,
    Duration heartbeatInterval,
    Duration lease,
    ExecutorKind executor,
    Duration echoDelay,
    int slots,
    SortedMap<String, String> labels,
    String commandTemplate,
    String repo) {
  public static final Duration DEFAULT_ECHO_DELAY =
      Duration.ofMillis(Setting.ECHO_DELAY.defaultValue());
  public static final int DEFAULT_SLOTS = Setting.SLOTS.defaultValue();
  public static final int MAX_SLOTS = WorkerSlots.MAX;

  /** How a worker runs children. */
  public enum ExecutorKind {
    ECHO,
    SHELL,
    COMMAND,
    WORKTREE;

    /** The same kind as the settings file and heartbeats name it. */
    public dev.spl.core.fanout.ExecutorKind core() {
      return dev.spl.core.fanout.ExecutorKind.valueOf(name());
    }

    public static ExecutorKind of(dev.spl.core.fanout.ExecutorKind kind) {
      return valueOf(kind.name());
    }
  }

  public FleetSettings {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(echoDelay, "echoDelay");
    // The rules are the settings' own (see Setting), so a daemon configured in code is held to
    // what settings.json and the options are.
    Setting.HEARTBEAT_INTERVAL.check(millis(heartbeatInterval));
    InstanceSettings.checkLease(millis(heartbeatInterval), millis(lease));
    Setting.ECHO_DELAY.check(millis(echoDelay));
    Setting.SLOTS.check(slots);
    InstanceSettings.requireCoordinatorOfWorker(role, coordinatorUrl);
    labels = Labels.of(labels == null ? Map.of() : labels);
    InstanceSettings.checkCommandTemplate(executor.core(), commandTemplate);
  }

  /**
   * A duration in whole milliseconds, as the settings keep it: a positive part of one counts as
   * one, so only what is not positive is refused as such.
   */
  private static long millis(Duration duration) {
    long millis = duration.toMillis();
    return duration.isNegative() || duration.equals(Duration.ofMillis(millis))
        ? millis
        : millis + 1;
  }

  /** A stand-alone coordinator with default intervals. */
  public static FleetSettings coordinator() {
    return builder().build();
  }

  /** A worker of the coordinator at {@code coordinatorUrl}, with default intervals. */
  public static FleetSettings worker(String alias, String coordinatorUrl) {
    return builder().worker(alias, coordinatorUrl).build();
  }

  /** The lease is three missed heartbeats: the same age at which an instance turns stale. */
  public static Duration defaultLease(Duration heartbeatInterval) {
    return heartbeatInterval.multipliedBy(FleetThresholds.LIVE_INTERVALS);
  }

  /** Settings that start from {@link #coordinator}; set what differs. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Builds {@link FleetSettings}; each field starts at a stand-alone coordinator's default. A lease
   * not given is three heartbeat intervals of the interval built with.
   */
  public static final class Builder {
    private Role role = Setting.ROLE.defaultValue();
    private String alias = Setting.ALIAS.defaultValue();
    private String coordinatorUrl;
    private String advertiseUrl;
    private Duration heartbeatInterval =
        Duration.ofMillis(Setting.HEARTBEAT_INTERVAL.defaultValue());
    private Duration lease;
    private ExecutorKind executor = ExecutorKind.of(Setting.EXECUTOR.defaultValue());
    private Duration echoDelay = DEFAULT_ECHO_DELAY;
    private int slots = DEFAULT_SLOTS;
    private SortedMap<String, String> labels;
    private String commandTemplate;
    private String repo;

    private Builder() {}

    private Builder(FleetSettings settings) {
      role = settings.role;
      alias = settings.alias;
      coordinatorUrl = settings.coordinatorUrl;
      advertiseUrl = settings.advertiseUrl;
      heartbeatInterval = settings.heartbeatInterval;
      // A lease that follows the interval keeps following it when the interval changes.
      lease =
          settings.lease.equals(defaultLease(settings.heartbeatInterval)) ? null : settings.lease;
      executor = settings.executor;
      echoDelay = settings.echoDelay;
      slots = settings.slots;
      labels = settings.labels;
      commandTemplate = settings.commandTemplate;
      repo = settings.repo;
    }

    /** A worker named {@code newAlias} that reports to {@code newCoordinatorUrl}. */
    public Builder worker(String newAlias, String newCoordinatorUrl) {
      role = Role.WORKER;
      alias = newAlias;
      coordinatorUrl = newCoordinatorUrl;
      return this;
    }

    /** The command executor running {@code template}. */
    public Builder command(String template) {
      executor = ExecutorKind.COMMAND;
      commandTemplate = template;
      return this;
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

    public Builder heartbeatInterval(Duration value) {
      heartbeatInterval = value;
      return this;
    }

    /** The lease; null: three heartbeat intervals. */
    public Builder lease(Duration value) {
      lease = value;
      return this;
    }

    public Builder executor(ExecutorKind value) {
      executor = value;
      return this;
    }

    public Builder echoDelay(Duration value) {
      echoDelay = value;
      return this;
    }

    public Builder slots(int value) {
      slots = value;
      return this;
    }

    public Builder labels(Map<String, String> value) {
      labels = value == null ? null : new TreeMap<>(value);
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

    public FleetSettings build() {
      return new FleetSettings(
          role,
          alias,
          coordinatorUrl,
          advertiseUrl,
          heartbeatInterval,
          lease != null ? lease : defaultLease(heartbeatInterval),
          executor,
          echoDelay,
          slots,
          labels,
          commandTemplate,
          repo);
    }
  }
}
