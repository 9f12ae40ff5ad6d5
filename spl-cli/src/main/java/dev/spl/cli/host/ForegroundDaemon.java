package dev.spl.cli.host;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.PidFile;
import dev.spl.core.Json;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonStartException;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;

/**
 * Runs a daemon in this process until SIGTERM or SIGINT. This is the only CLI class that touches
 * the daemon's classes, so client commands never load Javalin, RocksDB or CEL.
 */
public final class ForegroundDaemon {
  private ForegroundDaemon() {}

  public static int run(
      CliContext context,
      String bindHost,
      int port,
      long maxRequestBytes,
      DaemonRunOptions options) {
    DaemonConfig config;
    try {
      config =
          new DaemonConfig(context.home(), bindHost, port, maxRequestBytes, context.token())
              .withFleet(fleetSettings(options));
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
    if (options.durability != null) {
      config = config.withDurability(options.durability);
    }
    Daemon daemon;
    try {
      daemon = Daemon.start(config);
    } catch (DaemonStartException e) {
      throw CliException.failure(e.getMessage());
    }
    HomeLayout layout = new HomeLayout(daemon.home());
    long pid = ProcessHandle.current().pid();
    PidFile.write(layout.pidFile(), pid);
    // One hook for both steps, so the pid file goes only after the daemon has stopped.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  daemon.close();
                  PidFile.removeIfOwned(layout.pidFile(), pid);
                },
                "spl-daemon-shutdown"));
    if (context.json()) {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("url", daemon.url());
      node.put("port", daemon.port());
      node.put("did", daemon.did());
      node.put("pid", pid);
      node.put("home", daemon.home().toString());
      node.put("version", Daemon.VERSION);
      node.put("role", config.fleet().role().wire());
      node.put("alias", config.fleet().alias());
      if (config.fleet().coordinatorUrl() != null) {
        node.put("coordinator", config.fleet().coordinatorUrl());
      }
      context.printJson(node);
    } else {
      context
          .out()
          .println(
              "spl daemon "
                  + Daemon.VERSION
                  + " listening on "
                  + daemon.url()
                  + " ("
                  + describeRole(config.fleet())
                  + ", pid "
                  + pid
                  + ", did "
                  + daemon.did()
                  + ", home "
                  + daemon.home()
                  + ")");
    }
    context.out().flush();
    try {
      daemon.awaitShutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      daemon.close();
    }
    PidFile.removeIfOwned(layout.pidFile(), pid);
    return ExitCodes.OK;
  }

  /** The daemon's fleet settings: the defaults of a coordinator, changed by each option given. */
  static FleetSettings fleetSettings(DaemonRunOptions options) {
    FleetSettings settings = FleetSettings.coordinator();
    if (options.effectiveRole() == dev.spl.core.fleet.Role.WORKER) {
      settings =
          settings.asWorker(options.alias == null ? "" : options.alias, options.coordinatorUrl);
    } else if (options.alias != null) {
      settings =
          new FleetSettings(
              settings.role(),
              options.alias,
              null,
              settings.advertiseUrl(),
              settings.heartbeatInterval(),
              settings.lease(),
              settings.executor(),
              settings.echoDelay(),
              settings.slots());
    }
    if (options.advertiseUrl != null) {
      settings = settings.withAdvertiseUrl(options.advertiseUrl);
    }
    if (options.heartbeatInterval != null) {
      settings = settings.withHeartbeatInterval(options.heartbeatInterval);
    }
    if (options.lease != null) {
      settings = settings.withLease(options.lease);
    }
    if (options.executor != null || options.echoDelay != null) {
      FleetSettings.ExecutorKind kind =
          options.executor == null
              ? settings.executor()
              : FleetSettings.ExecutorKind.valueOf(options.executor.name());
      settings =
          settings.withExecutor(
              kind, options.echoDelay == null ? settings.echoDelay() : options.echoDelay);
    }
    if (options.slots != null) {
      settings = settings.withSlots(options.slots);
    }
    return settings;
  }

  private static String describeRole(FleetSettings fleet) {
    String role = fleet.role().wire();
    if (fleet.alias() != null && !fleet.alias().isEmpty() && !fleet.alias().equals(role)) {
      role += " " + fleet.alias();
    }
    if (fleet.coordinatorUrl() != null) {
      role += " of " + fleet.coordinatorUrl();
    }
    return role;
  }
}
