package dev.spl.daemon.config;

import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.Setting;
import dev.spl.core.home.FleetToken;
import dev.spl.core.store.Durability;
import dev.spl.daemon.exec.EchoExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How one daemon runs.
 *
 * @param home the folder holding the store, the lock, the instance DID and the endpoint file
 * @param bindHost the address to listen on; anything but a loopback address requires a token
 * @param port the port to listen on, 0 for any free port
 * @param maxRequestBytes the largest request body accepted; larger ones are answered with 413
 * @param token when set, every request must carry {@code Authorization: Bearer <token>}; at least
 *     16 bytes of printable ASCII (see {@link FleetToken#check})
 * @param durability DURABLE (fsync before acknowledging, the default) or FAST (no fsync)
 * @param fleet the daemon's role and fleet settings
 * @param echoMode what a worker's echo children do besides echoing ({@code compute}: real work on
 *     their slice)
 * @param maxChildren the most children one fan-out may have on this coordinator ({@code
 *     max_children})
 * @param tls whether it serves HTTPS, and whom its own requests to other daemons trust
 * @param maxFanoutDepth the deepest nested fan-out this coordinator takes ({@code
 *     max_fanout_depth}; a task's own fan-out is depth 1)
 */
public record DaemonConfig(
    Path home,
    String bindHost,
    int port,
    long maxRequestBytes,
    String token,
    Durability durability,
    FleetSettings fleet,
    EchoExecutor.Mode echoMode,
    int maxChildren,
    TlsConfig tls,
    int maxFanoutDepth) {
  public static final String DEFAULT_BIND_HOST = InstanceSettings.DEFAULT_BIND;
  public static final int DEFAULT_PORT = InstanceSettings.DEFAULT_PORT;
  public static final long DEFAULT_MAX_REQUEST_BYTES = InstanceSettings.DEFAULT_MAX_REQUEST_BYTES;

  public DaemonConfig {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(bindHost, "bindHost");
    // The rules are the settings' own (see Setting), so a daemon configured in code is held to
    // what settings.json and the options are.
    Setting.PORT.check(port);
    Setting.MAX_REQUEST_BYTES.check(maxRequestBytes);
    if (token != null && token.isEmpty()) {
      token = null;
    }
    if (token != null) {
      FleetToken.check(token, "token");
    }
    Objects.requireNonNull(durability, "durability");
    Objects.requireNonNull(fleet, "fleet");
    Objects.requireNonNull(echoMode, "echoMode");
    Setting.MAX_CHILDREN.check(maxChildren);
    Objects.requireNonNull(tls, "tls");
    Setting.MAX_FANOUT_DEPTH.check(maxFanoutDepth);
  }

  /** Loopback on port 9100, 1 MiB requests, no token. */
  public static DaemonConfig defaults(Path home) {
    return builder(home).build();
  }

  /** A config in {@code home} that starts from {@link #defaults}; set what differs. */
  public static Builder builder(Path home) {
    return new Builder(home);
  }

  /** A builder holding this config's values, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds a {@link DaemonConfig}; each field starts at its default. */
  public static final class Builder {
    private Path home;
    private String bindHost = Setting.BIND.defaultValue();
    private int port = Setting.PORT.defaultValue();
    private long maxRequestBytes = Setting.MAX_REQUEST_BYTES.defaultValue();
    private String token;
    private Durability durability = durabilityOf(Setting.DURABILITY.defaultValue());
    private FleetSettings fleet = FleetSettings.coordinator();
    private EchoExecutor.Mode echoMode = echoModeOf(Setting.ECHO_MODE.defaultValue());
    private int maxChildren = Setting.MAX_CHILDREN.defaultValue();
    private TlsConfig tls = TlsConfig.NONE;
    private int maxFanoutDepth = Setting.MAX_FANOUT_DEPTH.defaultValue();

    private Builder(Path home) {
      this.home = home;
    }

    private Builder(DaemonConfig config) {
      home = config.home;
      bindHost = config.bindHost;
      port = config.port;
      maxRequestBytes = config.maxRequestBytes;
      token = config.token;
      durability = config.durability;
      fleet = config.fleet;
      echoMode = config.echoMode;
      maxChildren = config.maxChildren;
      tls = config.tls;
      maxFanoutDepth = config.maxFanoutDepth;
    }

    public Builder home(Path value) {
      home = value;
      return this;
    }

    public Builder bindHost(String value) {
      bindHost = value;
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

    public Builder token(String value) {
      token = value;
      return this;
    }

    public Builder durability(Durability value) {
      durability = value;
      return this;
    }

    public Builder fleet(FleetSettings value) {
      fleet = value;
      return this;
    }

    public Builder echoMode(EchoExecutor.Mode value) {
      echoMode = value;
      return this;
    }

    public Builder maxChildren(int value) {
      maxChildren = value;
      return this;
    }

    public Builder tls(TlsConfig value) {
      tls = value;
      return this;
    }

    public Builder maxFanoutDepth(int value) {
      maxFanoutDepth = value;
      return this;
    }

    public DaemonConfig build() {
      return new DaemonConfig(
          home,
          bindHost,
          port,
          maxRequestBytes,
          token,
          durability,
          fleet,
          echoMode,
          maxChildren,
          tls,
          maxFanoutDepth);
    }
  }

  /** The scheme of the daemon's URLs: {@code https} when it serves TLS. */
  public String scheme() {
    return tls.serves() ? "https" : "http";
  }

  /**
   * What this config runs with, as the home keeps it ({@code settings.json}) and {@code
   * settings_changed} records show it. A lease of three heartbeat intervals is kept as "follows the
   * interval".
   */
  public InstanceSettings settings() {
    boolean derivedLease =
        fleet.lease().equals(FleetSettings.defaultLease(fleet.heartbeatInterval()));
    return new InstanceSettings(
        fleet.role(),
        fleet.alias() == null ? "" : fleet.alias(),
        fleet.role() == Role.WORKER ? fleet.coordinatorUrl() : null,
        fleet.advertiseUrl() == null || fleet.advertiseUrl().isBlank()
            ? null
            : fleet.advertiseUrl(),
        bindHost,
        port,
        maxRequestBytes,
        fleet.heartbeatInterval().toMillis(),
        derivedLease ? null : fleet.lease().toMillis(),
        fleet.executor().core(),
        fleet.echoDelay().toMillis(),
        fleet.slots(),
        durability == Durability.FAST ? InstanceSettings.FAST : InstanceSettings.DURABLE,
        fleet.labels(),
        echoMode == EchoExecutor.Mode.COMPUTE
            ? InstanceSettings.ECHO_COMPUTE
            : InstanceSettings.ECHO_PLAIN,
        maxChildren,
        pathText(tls.certFile()),
        pathText(tls.keyFile()),
        pathText(tls.caFile()),
        tls.insecureHttp(),
        fleet.commandTemplate(),
        fleet.repo(),
        maxFanoutDepth);
  }

  private static String pathText(Path path) {
    return path == null ? null : path.toString();
  }

  /** The TLS the settings keep: the files are read when the daemon starts. */
  public static TlsConfig tlsOf(InstanceSettings settings) {
    return new TlsConfig(
        path(settings.tlsCert()),
        path(settings.tlsKey()),
        path(settings.tlsCa()),
        settings.insecureHttp());
  }

  private static Path path(String text) {
    return text == null ? null : Path.of(text);
  }

  /**
   * A config that runs with {@code settings} (e.g. read from a home) and requires {@code token}.
   */
  public static DaemonConfig of(Path home, InstanceSettings settings, String token) {
    return of(home, settings, token, tlsOf(settings));
  }

  /** As {@link #of(Path, InstanceSettings, String)}, serving and trusting as {@code tls} says. */
  public static DaemonConfig of(Path home, InstanceSettings settings, String token, TlsConfig tls) {
    Duration interval = Duration.ofMillis(settings.heartbeatIntervalMillis());
    FleetSettings fleet =
        new FleetSettings(
            settings.role(),
            settings.alias(),
            settings.coordinatorUrl(),
            settings.advertiseUrl(),
            interval,
            Duration.ofMillis(settings.effectiveLeaseMillis()),
            FleetSettings.ExecutorKind.of(settings.executor()),
            Duration.ofMillis(settings.echoDelayMillis()),
            settings.slots(),
            settings.labels(),
            settings.commandTemplate(),
            settings.repo());
    return new DaemonConfig(
        home,
        settings.bind(),
        settings.port(),
        settings.maxRequestBytes(),
        token,
        durabilityOf(settings.durability()),
        fleet,
        echoModeOf(settings.echoMode()),
        settings.maxChildren(),
        tls,
        settings.maxFanoutDepth());
  }

  private static Durability durabilityOf(String durability) {
    return InstanceSettings.FAST.equals(durability) ? Durability.FAST : Durability.DURABLE;
  }

  private static EchoExecutor.Mode echoModeOf(String echoMode) {
    return InstanceSettings.ECHO_COMPUTE.equals(echoMode)
        ? EchoExecutor.Mode.COMPUTE
        : EchoExecutor.Mode.PLAIN;
  }

  @Override
  public String toString() {
    return "DaemonConfig[home="
        + home
        + ", bindHost="
        + bindHost
        + ", port="
        + port
        + ", maxRequestBytes="
        + maxRequestBytes
        + ", token="
        + (token == null ? "none" : "set")
        + ", durability="
        + durability
        + ", fleet="
        + fleet
        + ", echoMode="
        + echoMode
        + ", maxChildren="
        + maxChildren
        + ", tls="
        + tls
        + ", maxFanoutDepth="
        + maxFanoutDepth
        + "]";
  }
}
