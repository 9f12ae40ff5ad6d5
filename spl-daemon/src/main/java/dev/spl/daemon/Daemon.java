package dev.spl.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.RecordStore;
import dev.spl.core.fleet.FleetThresholds;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.SettingsChanged;
import dev.spl.core.home.FleetToken;
import dev.spl.core.schema.UniqueRecords;
import dev.spl.core.store.RocksRecordStore;
import dev.spl.core.tls.ServerIdentity;
import dev.spl.core.tls.TlsTrust;
import dev.spl.daemon.auth.RecordIntake;
import dev.spl.daemon.auth.Trust;
import dev.spl.daemon.component.DaemonComponent;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.daemon.coordinator.SpawnConfirmations;
import dev.spl.daemon.fleet.EndpointProbe;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.http.ApiException;
import dev.spl.daemon.http.ChildEndpoints;
import dev.spl.daemon.http.HostNames;
import dev.spl.daemon.http.HttpApi;
import dev.spl.daemon.http.HttpServer;
import dev.spl.daemon.metrics.DaemonMetrics;
import dev.spl.daemon.metrics.MeteredRecordStore;
import dev.spl.daemon.outbox.OutboxSender;
import dev.spl.daemon.records.RecordClock;
import dev.spl.daemon.records.RecordService;
import dev.spl.daemon.worker.WorkerChildren;
import dev.spl.daemon.worker.WorkerRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running daemon: its home (lock, DID, endpoint file), its record store, the record service and
 * the HTTP API. {@link #close()} stops it gracefully.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  public static final String VERSION = readVersion();

  /** How long close() waits for requests in flight (real time). */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private final DaemonConfig config;
  private final Clock clock;
  private final long startedAtMillis;
  private final DaemonHome home;
  private final RecordStore store;
  private final RecordService records;
  private final ControlGate gate;
  private final FleetRegistry fleet;
  private final TlsTrust tlsTrust;
  private final DaemonMetrics metrics;
  private final Trust trust;
  private final HttpServer server;
  private final List<DaemonComponent> components = new ArrayList<>();
  // Known once the API listens (the port may be chosen then); requests before that are refused.
  private volatile int port;
  private volatile String url;
  private volatile DaemonContext context;
  private volatile Reconciler reconciler;
  private volatile WorkerRuntime worker;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Thread shutdownHook;

  /** Everything but the listener's state and the components; serves nothing yet. */
  private Daemon(
      DaemonConfig config,
      Clock clock,
      long startedAtMillis,
      DaemonHome home,
      RecordStore store,
      RecordService records,
      ControlGate gate,
      FleetRegistry fleet,
      Trust trust,
      ServerIdentity identity,
      TlsTrust tlsTrust,
      DaemonMetrics metrics) {
    this.config = config;
    this.tlsTrust = tlsTrust;
    this.metrics = metrics;
    this.clock = clock;
    this.startedAtMillis = startedAtMillis;
    this.home = home;
    this.store = store;
    this.records = records;
    this.gate = gate;
    this.fleet = fleet;
    this.trust = trust;
    HttpApi.Settings settings =
        new HttpApi.Settings(
            config.maxRequestBytes(),
            config.token(),
            this::healthJson,
            new DaemonFleetEndpoints(this, gate, fleet, config.fleet()),
            HostNames.of(config.bindHost(), config.fleet().advertiseUrl()),
            config.fleet().role() == Role.WORKER
                ? new WorkerChildren(this::worker, records, home.dir(), clock)
                : ChildEndpoints.NONE,
            new RecordIntake(
                trust,
                config.fleet().role() == Role.COORDINATOR,
                records,
                clock,
                config.maxFanoutDepth()),
            metrics::scrape);
    this.server = HttpApi.create(records, settings, config.bindHost(), config.port(), identity);
  }

  /**
   * Opens the home, the RocksDB store and the HTTP listener, on the system clock. Throws {@link
   * DaemonStartException} with a message for the user when any of them cannot be used; nothing is
   * left open then.
   */
  public static Daemon start(DaemonConfig config) {
    return start(config, Clock.systemUTC(), StoreFactory.ROCKSDB);
  }

  /**
   * Starts a daemon whose components read time from {@code clock} and whose records are kept in the
   * store {@code stores} opens: how tests run fleets on a clock they move by hand.
   */
  public static Daemon start(DaemonConfig config, Clock clock, StoreFactory stores) {
    long startedAtMillis = clock.millis();
    checkExposure(config);
    ServerIdentity identity;
    TlsTrust tlsTrust;
    try {
      identity = config.tls().serves() ? config.tls().identity() : null;
      tlsTrust = config.tls().trust();
    } catch (IllegalArgumentException e) {
      throw new DaemonStartException("cannot start the daemon: " + e.getMessage(), e);
    }
    DaemonHome home = DaemonHome.open(config.home(), clock);
    RecordStore store = null;
    Daemon daemon = null;
    try {
      Optional<InstanceSettings> previousSettings = home.storedSettings();
      // Unique keys (one task per alias, one fan-out per task) are decided in the store's append.
      store = stores.open(home.prepareStoreDir(), config.durability(), clock, UniqueRecords.SPL);
      DaemonMetrics metrics = new DaemonMetrics();
      if (store instanceof RocksRecordStore rocks) {
        rocks.onSyncedWrite(metrics::fsyncTook);
      }
      store = new MeteredRecordStore(store, metrics);
      RecordService records = new RecordService(store);
      // The gate and the registry are in place before the first request is served.
      ControlGate gate = ControlGate.install(records, home.dir());
      FleetRegistry fleet =
          config.fleet().role() == Role.COORDINATOR
              ? FleetRegistry.restore(
                  records,
                  FleetThresholds.forInterval(config.fleet().heartbeatInterval().toMillis()),
                  clock)
              : null;
      Trust trust = Trust.load(home.key(), store, home.dir(), config.fleet().role() == Role.WORKER);
      daemon =
          new Daemon(
              config,
              clock,
              startedAtMillis,
              home,
              store,
              records,
              gate,
              fleet,
              trust,
              identity,
              tlsTrust,
              metrics);
      daemon.listen();
      try {
        daemon.keepSettings(previousSettings);
        daemon.startComponents();
      } catch (RuntimeException e) {
        daemon.closeComponents();
        throw e;
      }
      home.writeEndpoint(daemon.url, daemon.port);
      daemon.prepareInBackground();
      LOG.info(
          "spl daemon {} listening on {} (home {}, did {}{})",
          VERSION,
          daemon.url,
          home.dir(),
          home.did(),
          identity == null ? "" : ", TLS certificate " + identity.subject());
      return daemon;
    } catch (RuntimeException e) {
      if (daemon != null) {
        stopQuietly(daemon.server);
      }
      if (store != null) {
        store.close();
      }
      home.close();
      throw e instanceof DaemonStartException
          ? e
          : new DaemonStartException("cannot start the daemon: " + rootMessage(e), e);
    }
  }

  /** Binds the API, then builds what the components share, which names the bound URL. */
  private void listen() {
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new DaemonStartException(
          "cannot listen on " + config.bindHost() + ":" + config.port() + ": " + rootMessage(e), e);
    }
    port = server.port();
    String bound = config.scheme() + "://" + urlHost(config.bindHost()) + ":" + port;
    String advertised = config.fleet().advertiseUrl();
    url = bound;
    context =
        new DaemonContext(
            config,
            home.did(),
            advertised == null || advertised.isBlank() ? bound : advertised,
            VERSION,
            startedAtMillis,
            records,
            clock,
            gate::snapshot,
            gate.spawnPolicy(home.did()),
            new RecordClock(clock),
            trust,
            tlsTrust);
  }

  /**
   * Keeps the settings this daemon runs with in its home, so a later start without options runs the
   * same, and records a {@code settings_changed} in its own log when they differ from the ones it
   * last ran with.
   */
  private void keepSettings(Optional<InstanceSettings> previous) {
    InstanceSettings now = config.settings();
    if (previous.isPresent() && previous.get().equals(now)) {
      return;
    }
    if (previous.isPresent()) {
      SettingsChanged change = SettingsChanged.of(did(), previous.get(), now, clock.millis());
      records.append(change.toRecord(context.recordClock().next()));
      LOG.info(
          "settings changed since the last start: {}",
          String.join(
              ", ",
              change.changed().stream()
                  .map(f -> f + " " + previous.get().describe(f) + " -> " + now.describe(f))
                  .toList()));
    }
    home.writeSettings(now);
  }

  /**
   * Starts the components of the daemon's role, after the API listens: on every daemon the outbox
   * sender; on the coordinator the reconciler; on a worker the worker runtime.
   */
  private void startComponents() {
    metrics.attach(context, store);
    OutboxSender outbox = new OutboxSender(store, config.token(), clock, trust.key(), tlsTrust);
    outbox.onDeliveryFailure(metrics::deliveryFailed);
    records.onDeliveriesQueued(outbox::wake);
    startComponent(outbox);
    if (fleet != null) {
      SpawnConfirmations confirmations = new SpawnConfirmations(trust.key());
      outbox.confirmWith(confirmations);
      Reconciler loop = new Reconciler(context, fleet);
      loop.confirmSpawnsWith(confirmations);
      startComponent(loop);
      reconciler = loop;
      metrics.attachCoordinator(fleet, loop);
      startComponent(new EndpointProbe(context, fleet));
    } else if (config.fleet().role() == Role.WORKER) {
      WorkerRuntime runtime = new WorkerRuntime(context);
      startComponent(runtime);
      worker = runtime;
    }
  }

  /**
   * Compiles the permission rules and builds the CEL compilers on a thread of their own, once the
   * daemon serves: its start does not wait for them, and its first requests normally find them
   * ready. A request that comes first compiles what it needs itself (once, whichever thread is
   * first), so the rules apply from the first request either way.
   */
  private void prepareInBackground() {
    Thread prepare =
        new Thread(
            () -> {
              try {
                gate.prepare();
                Reconciler loop = reconciler;
                if (loop != null) {
                  loop.prepareCompilers();
                }
              } catch (RuntimeException e) {
                // The request that needs them compiles them again and reports the problem.
                LOG.warn("preparing the permission rules and CEL compilers failed", e);
              }
            },
            "spl-prepare-cel");
    prepare.setDaemon(true);
    prepare.setPriority(Thread.MIN_PRIORITY);
    prepare.start();
  }

  /** The worker runtime, or null on a coordinator. */
  public WorkerRuntime worker() {
    return worker;
  }

  private void startComponent(DaemonComponent component) {
    components.add(component);
    component.start();
  }

  private void closeComponents() {
    for (int i = components.size() - 1; i >= 0; i--) {
      try {
        components.get(i).close();
      } catch (RuntimeException e) {
        LOG.error("closing {} failed", components.get(i).getClass().getSimpleName(), e);
      }
    }
    components.clear();
  }

  private static String describeStore(RecordStore store) {
    if (MeteredRecordStore.unwrap(store) instanceof RocksRecordStore rocks) {
      return "RocksDB at " + rocks.directory() + " (" + rocks.durability() + ")";
    }
    return store.getClass().getSimpleName();
  }

  public int port() {
    return port;
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:9100}. */
  public String url() {
    return url;
  }

  public String did() {
    return home.did();
  }

  public Path home() {
    return home.dir();
  }

  public DaemonConfig config() {
    return config;
  }

  public RecordService records() {
    return records;
  }

  /**
   * What the daemon's components share: DID, advertised URL, version, records, clocks, control
   * state.
   */
  public DaemonContext context() {
    return context;
  }

  /** The permission check of this daemon's writes (freezes, emergency stop, rules). */
  public ControlGate controlGate() {
    return gate;
  }

  /** The daemon's key, the keys it knows, and the writes it refused. */
  public Trust trust() {
    return trust;
  }

  /** The instance registry; present on the coordinator only. */
  public Optional<FleetRegistry> fleetRegistry() {
    return Optional.ofNullable(fleet);
  }

  /** The fan-out loop; present on the coordinator only. */
  public Optional<Reconciler> reconciler() {
    return Optional.ofNullable(reconciler);
  }

  /** The daemon's clock. */
  public Clock clock() {
    return clock;
  }

  /** What the records are kept in, for logs and benchmarks. */
  public String storeDescription() {
    return describeStore(store);
  }

  /** Seconds since {@link #start}, by the daemon's clock. */
  public long uptimeSeconds() {
    return Math.max(0, (clock.millis() - startedAtMillis) / 1000);
  }

  /**
   * Closes this daemon when the JVM is asked to exit (SIGTERM, SIGINT), so a foreground daemon
   * shuts down cleanly. Returns this daemon.
   */
  public Daemon installShutdownHook() {
    Thread hook = new Thread(this::close, "spl-daemon-shutdown");
    synchronized (this) {
      if (shutdownHook == null && !closed.get()) {
        Runtime.getRuntime().addShutdownHook(hook);
        shutdownHook = hook;
      }
    }
    return this;
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitShutdown() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops accepting requests, lets requests in flight finish, closes the store, releases the home
   * lock and removes the endpoint file. Safe to call more than once and from several threads.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      LOG.info("spl daemon on {} stopping", url);
      home.removeEndpoint();
      stopQuietly(server);
      closeComponents();
      try {
        store.close();
      } catch (RuntimeException e) {
        LOG.error("closing the record store failed", e);
      }
      home.close();
      removeShutdownHook();
      LOG.info("spl daemon stopped");
    } finally {
      stopped.countDown();
    }
  }

  /**
   * This daemon, once its API listens and its context is built; before that a request is answered
   * {@code 503 STARTING}.
   */
  Daemon running() {
    if (context == null) {
      throw new ApiException(503, "STARTING", "the daemon is still starting; try again");
    }
    return this;
  }

  private ObjectNode healthJson() {
    DaemonContext running = running().context();
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("status", "ok");
    node.put("did", did());
    node.put("version", running.version());
    node.put("role", config.fleet().role().wire());
    node.put("url", running.url());
    node.put("uptime_secs", uptimeSeconds());
    node.put("records", records.count());
    return node;
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook != null && hook != Thread.currentThread()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook is running or about to.
      }
    }
  }

  static void checkExposure(DaemonConfig config) {
    InetAddress address;
    try {
      address = InetAddress.getByName(config.bindHost());
    } catch (UnknownHostException e) {
      throw new DaemonStartException(
          "cannot listen on '" + config.bindHost() + "': the address does not resolve", e);
    }
    if (address.isLoopbackAddress()) {
      return;
    }
    if (config.token() == null) {
      throw new DaemonStartException(
          "binding "
              + config.bindHost()
              + " exposes the daemon beyond this machine, so it requires a token of at least "
              + FleetToken.MIN_BYTES
              + " bytes; give it one in a file only you can read (spl --token-file FILE daemon"
              + " start; every request must then send 'Authorization: Bearer <token>') or bind"
              + " 127.0.0.1");
    }
    if (!config.tls().serves() && !config.tls().insecureHttp()) {
      throw new DaemonStartException(
          "binding "
              + config.bindHost()
              + " without TLS would send the fleet token in clear text over the network; serve"
              + " HTTPS with --tls-cert FILE --tls-key FILE, or give --insecure-http to serve plain"
              + " HTTP anyway (e.g. inside a private container network)");
    }
    if (!config.tls().serves()) {
      LOG.warn(
          "serving plain HTTP on {} (--insecure-http): the fleet token and every record cross the"
              + " network unencrypted",
          config.bindHost());
    }
  }

  private static String urlHost(String bindHost) {
    try {
      InetAddress address = InetAddress.getByName(bindHost);
      if (address.isAnyLocalAddress()) {
        return address instanceof Inet6Address ? "[::1]" : "127.0.0.1";
      }
      if (address instanceof Inet6Address) {
        return "[" + address.getHostAddress() + "]";
      }
    } catch (UnknownHostException e) {
      // start() has resolved it already.
    }
    return bindHost;
  }

  private static void stopQuietly(HttpServer server) {
    try {
      server.stop(DRAIN_TIMEOUT);
    } catch (RuntimeException e) {
      LOG.warn("stopping the HTTP server failed", e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }

  private static String readVersion() {
    try (InputStream in = Daemon.class.getResourceAsStream("spl-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
