package dev.spl.daemon.config;

import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.Labels;
import dev.spl.core.fleet.Role;
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
  public static final Duration DEFAULT_ECHO_DELAY = Duration.ofSeconds(1);
  public static final int DEFAULT_SLOTS = WorkerSlots.DEFAULT;
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

  /** Settings without labels. */
  public FleetSettings(
      Role role,
      String alias,
      String coordinatorUrl,
      String advertiseUrl,
      Duration heartbeatInterval,
      Duration lease,
      ExecutorKind executor,
      Duration echoDelay,
      int slots) {
    this(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        null,
        null,
        null);
  }

  /** Settings without a command template or repository (any executor but command and worktree). */
  public FleetSettings(
      Role role,
      String alias,
      String coordinatorUrl,
      String advertiseUrl,
      Duration heartbeatInterval,
      Duration lease,
      ExecutorKind executor,
      Duration echoDelay,
      int slots,
      SortedMap<String, String> labels) {
    this(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        labels,
        null,
        null);
  }

  public FleetSettings {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(echoDelay, "echoDelay");
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException(
          "heartbeat interval: expected a positive duration but found " + heartbeatInterval);
    }
    if (lease.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException(
          "lease: expected longer than the heartbeat interval ("
              + heartbeatInterval
              + ") but found "
              + lease);
    }
    if (echoDelay.isNegative()) {
      throw new IllegalArgumentException("echo delay: expected >= 0 but found " + echoDelay);
    }
    if (slots < 1 || slots > MAX_SLOTS) {
      throw new IllegalArgumentException("slots: expected 1.." + MAX_SLOTS + " but found " + slots);
    }
    if (role == Role.WORKER && (coordinatorUrl == null || coordinatorUrl.isBlank())) {
      throw new IllegalArgumentException("a worker needs the coordinator's URL (--coordinator)");
    }
    labels = Labels.of(labels == null ? Map.of() : labels);
    if ((executor == ExecutorKind.COMMAND) != (commandTemplate != null)) {
      throw new IllegalArgumentException(
          "command template: expected one exactly for the command executor, but the executor is "
              + executor
              + " and the template is "
              + (commandTemplate == null ? "missing" : "'" + commandTemplate + "'"));
    }
  }

  /** A stand-alone coordinator with default intervals. */
  public static FleetSettings coordinator() {
    Duration interval = Duration.ofMillis(FleetThresholds.DEFAULT_HEARTBEAT_INTERVAL_MILLIS);
    return new FleetSettings(
        Role.COORDINATOR,
        "coordinator",
        null,
        null,
        interval,
        defaultLease(interval),
        ExecutorKind.ECHO,
        DEFAULT_ECHO_DELAY,
        DEFAULT_SLOTS);
  }

  /** A worker of the coordinator at {@code coordinatorUrl}, with default intervals. */
  public static FleetSettings worker(String alias, String coordinatorUrl) {
    return coordinator().asWorker(alias, coordinatorUrl);
  }

  /** The lease is three missed heartbeats: the same age at which an instance turns stale. */
  public static Duration defaultLease(Duration heartbeatInterval) {
    return heartbeatInterval.multipliedBy(FleetThresholds.LIVE_INTERVALS);
  }

  public FleetSettings asWorker(String newAlias, String newCoordinatorUrl) {
    return new FleetSettings(
        Role.WORKER,
        newAlias,
        newCoordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        labels,
        commandTemplate,
        repo);
  }

  public FleetSettings withAdvertiseUrl(String url) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        url,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        labels,
        commandTemplate,
        repo);
  }

  /** Changes the interval and moves the lease with it. */
  public FleetSettings withHeartbeatInterval(Duration interval) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        interval,
        defaultLease(interval),
        executor,
        echoDelay,
        slots,
        labels,
        commandTemplate,
        repo);
  }

  public FleetSettings withLease(Duration newLease) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        newLease,
        executor,
        echoDelay,
        slots,
        labels,
        commandTemplate,
        repo);
  }

  /** The command executor running {@code template}. */
  public FleetSettings withCommand(String template) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        ExecutorKind.COMMAND,
        echoDelay,
        slots,
        labels,
        template,
        repo);
  }

  public FleetSettings withExecutor(ExecutorKind kind, Duration delay) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        kind,
        delay,
        slots,
        labels,
        kind == ExecutorKind.COMMAND ? commandTemplate : null,
        repo);
  }

  public FleetSettings withSlots(int newSlots) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        newSlots,
        labels,
        commandTemplate,
        repo);
  }

  public FleetSettings withLabels(Map<String, String> newLabels) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        new TreeMap<>(newLabels),
        commandTemplate,
        repo);
  }

  public FleetSettings withRepo(String newRepo) {
    return new FleetSettings(
        role,
        alias,
        coordinatorUrl,
        advertiseUrl,
        heartbeatInterval,
        lease,
        executor,
        echoDelay,
        slots,
        labels,
        commandTemplate,
        newRepo);
  }
}
