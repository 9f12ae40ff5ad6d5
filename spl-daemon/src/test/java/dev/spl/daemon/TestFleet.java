package dev.spl.daemon;

import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The daemons of one test, in this JVM: each binds 127.0.0.1 port 0 with its own home in a
 * temporary folder, and all are stopped after each test, the last started first, whether it passed
 * or not. Use as {@code @RegisterExtension final TestFleet fleet = new TestFleet();} (spl-cli's
 * tests take it from spl-daemon's test jar).
 */
public final class TestFleet implements BeforeEachCallback, AfterEachCallback {
  private final List<Daemon> daemons = new ArrayList<>();
  private final String token;
  private Path dir;

  /** Daemons that require no token. */
  public TestFleet() {
    this(null);
  }

  private TestFleet(String token) {
    this.token = token;
  }

  /** Daemons that all require {@code token} of every request (and send it to each other). */
  public static TestFleet requiringToken(String token) {
    return new TestFleet(token);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("spl-test-fleet-");
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    try {
      stopAll();
    } finally {
      deleteHomes();
    }
  }

  /** The home of the daemon called {@code name}; not created until a daemon starts in it. */
  public Path home(String name) {
    return folder().resolve(name);
  }

  private Path folder() {
    if (dir == null) {
      throw new IllegalStateException("the fleet's folder exists only while a test runs");
    }
    return dir;
  }

  /** A daemon in home {@code name} on 127.0.0.1 port 0 without fsync; set what differs. */
  public DaemonConfig.Builder config(String name) {
    return DaemonConfig.builder(home(name)).port(0).durability(Durability.FAST);
  }

  /**
   * A coordinator for tests in which no worker is lost: see {@link
   * FleetTestSupport#coordinatorConfig(Path)}.
   */
  public Daemon coordinator() {
    return start(FleetTestSupport.coordinatorConfig(home("coordinator")));
  }

  /**
   * Worker {@code alias} of {@code coordinator}, heartbeating every {@link
   * FleetTestSupport#INTERVAL}.
   */
  public Daemon worker(Daemon coordinator, String alias) {
    return worker(coordinator, alias, settings -> settings);
  }

  /** As {@link #worker(Daemon, String)}, with its fleet settings changed by {@code settings}. */
  public Daemon worker(
      Daemon coordinator, String alias, UnaryOperator<FleetSettings.Builder> settings) {
    FleetSettings.Builder fleetSettings =
        FleetSettings.builder()
            .worker(alias, coordinator.url())
            .heartbeatInterval(FleetTestSupport.INTERVAL);
    return start(config(alias).fleet(settings.apply(fleetSettings).build()).build());
  }

  /**
   * Starts a daemon (requiring the fleet's token, if it has one) and stops it after the test.
   * Refuses one that would bind anything but 127.0.0.1 port 0 or keep its home outside the fleet's
   * folder.
   */
  public Daemon start(DaemonConfig config) {
    if (!DaemonConfig.DEFAULT_BIND_HOST.equals(config.bindHost()) || config.port() != 0) {
      throw new IllegalArgumentException(
          "a test daemon binds 127.0.0.1 port 0, but this one binds "
              + config.bindHost()
              + " port "
              + config.port());
    }
    if (!config.home().toAbsolutePath().normalize().startsWith(folder())) {
      throw new IllegalArgumentException(
          "a test daemon keeps its home in " + dir + ", but this one in " + config.home());
    }
    Daemon daemon = Daemon.start(token == null ? config : config.toBuilder().token(token).build());
    daemons.add(daemon);
    return daemon;
  }

  /** The daemons started so far, in the order they started. */
  public List<Daemon> daemons() {
    return List.copyOf(daemons);
  }

  /** Waits until {@code coordinator} counts {@code workers} live workers. */
  public void awaitLive(Daemon coordinator, int workers) {
    FleetTestSupport.awaitLiveWorkers(coordinator, workers);
  }

  private void stopAll() {
    RuntimeException first = null;
    for (int i = daemons.size() - 1; i >= 0; i--) {
      try {
        daemons.get(i).close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    daemons.clear();
    if (first != null) {
      throw first;
    }
  }

  private void deleteHomes() throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      dir = null;
    }
  }
}
