package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.store.Durability;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A coordinator and its workers in this JVM, for tests that drive them through the CLI: each daemon
 * on 127.0.0.1 port 0 in its own folder under the test's, with fast heartbeats and a lease long
 * enough that a pause of a busy machine moves no child. {@link #close} stops them, last started
 * first.
 */
final class InProcessFleet implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofMillis(100);
  static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration LIVE_WAIT = Duration.ofSeconds(30);

  private final Path dir;
  private final String token;
  private final List<Daemon> daemons = new ArrayList<>();
  private Daemon coordinator;

  /** A fleet in folders under {@code dir} whose daemons require {@code token} (null: none). */
  InProcessFleet(Path dir, String token) {
    this.dir = dir;
    this.token = token;
  }

  /** Starts the coordinator, in {@code dir/coordinator}. */
  Daemon startCoordinator() {
    coordinator =
        start(
            DaemonConfig.builder(dir.resolve("coordinator"))
                .port(0)
                .durability(Durability.FAST)
                .token(token)
                .fleet(FleetSettings.builder().heartbeatInterval(HEARTBEAT).lease(LEASE).build())
                .build());
    return coordinator;
  }

  /** The coordinator's home, where {@code SPL_HOME} finds it. */
  Path coordinatorHome() {
    return dir.resolve("coordinator");
  }

  /**
   * Starts worker {@code alias} of the coordinator, in {@code dir/alias}: echo children take no
   * time, and {@code settings} sets the rest (the executor, its repository, slots).
   */
  Daemon startWorker(String alias, UnaryOperator<FleetSettings.Builder> settings) {
    FleetSettings.Builder fleet =
        FleetSettings.builder()
            .worker(alias, coordinator.url())
            .heartbeatInterval(HEARTBEAT)
            .echoDelay(Duration.ZERO);
    return start(
        DaemonConfig.builder(dir.resolve(alias))
            .port(0)
            .durability(Durability.FAST)
            .token(token)
            .fleet(settings.apply(fleet).build())
            .build());
  }

  /** Starts worker {@code alias} running its children in worktrees of {@code repo}. */
  Daemon startWorktreeWorker(String alias, Path repo) {
    return startWorker(
        alias, fleet -> fleet.executor(FleetSettings.ExecutorKind.WORKTREE).repo(repo.toString()));
  }

  /** Waits until the coordinator's fleet status shows {@code count} live workers. */
  void awaitLiveWorkers(int count) {
    Await.until(
        count + " worker(s) live",
        LIVE_WAIT,
        () -> {
          int live = 0;
          for (JsonNode instance :
              new DaemonClient(coordinator.url(), token)
                  .get("/v1/fleet/status")
                  .path("instances")) {
            if ("worker".equals(instance.path("role").asText())
                && "live".equals(instance.path("status").asText())) {
              live++;
            }
          }
          return live == count;
        });
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  @Override
  public void close() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
    daemons.clear();
  }
}
