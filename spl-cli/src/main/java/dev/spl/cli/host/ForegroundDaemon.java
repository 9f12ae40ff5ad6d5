package dev.spl.cli.host;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.PidFile;
import dev.spl.core.Json;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.SettingsRequest;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonLog;
import dev.spl.daemon.DaemonStartException;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a daemon in this process until SIGTERM or SIGINT. This is the only CLI class that touches
 * the daemon's classes, so client commands never load Javalin, RocksDB or CEL.
 */
public final class ForegroundDaemon {
  private ForegroundDaemon() {}

  /**
   * The TLS options of {@code spl daemon run}: CLI types only, so commands that do not run a daemon
   * never load its classes. The CA the daemon trusts is the global {@code --tls-ca}.
   */
  public record Tls(Path cert, Path key, boolean insecureHttp) {
    public static final Tls NONE = new Tls(null, null, false);
  }

  public static int run(
      CliContext context,
      String bindHost,
      Integer port,
      Long maxRequestBytes,
      Tls tls,
      DaemonRunOptions options,
      DaemonLogOptions logOptions,
      Path logFile) {
    Path home = context.home();
    InstanceSettings stored = StoredSettings.read(home).orElse(null);
    Path ca = context.trust().caFile();
    SettingsRequest request =
        options.request(bindHost, port, maxRequestBytes).toBuilder()
            .tls(
                text(tls.cert()),
                text(tls.key()),
                ca == null ? null : text(ca.toAbsolutePath().normalize()),
                tls.insecureHttp())
            .build();
    List<SettingsRequest.Difference> differences = request.differences(stored);
    if (!differences.isEmpty() && !options.reconfigure()) {
      throw StoredSettings.refusal(List.of(StoredSettings.member(home.toString(), differences)));
    }
    InstanceSettings settings = StoredSettings.resolve(request, stored);
    DaemonConfig config;
    try {
      // Everything, TLS included, as resolved over the home's settings: a restart without
      // options serves as the last start did, and reads the certificate files again.
      config = DaemonConfig.of(home, settings, context.token());
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(e.getMessage());
    }
    if (logOptions.given() || logFile != null) {
      // Before the daemon starts, so its first lines go where they were asked to.
      try {
        DaemonLog.configure(
            new DaemonLog.Settings(
                logOptions.levelName() == null ? "INFO" : logOptions.levelName(),
                logFile == null ? null : logFile.toAbsolutePath(),
                logOptions.maxSizeOrDefault(),
                logOptions.keepOrDefault()));
      } catch (IllegalArgumentException e) {
        throw CliException.badInput(e.getMessage());
      }
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

  private static String text(Path path) {
    return path == null ? null : path.toAbsolutePath().normalize().toString();
  }

  /** The fleet settings the options give in a home that keeps none yet. */
  static FleetSettings fleetSettings(DaemonRunOptions options) {
    return DaemonConfig.of(
            Path.of("."), StoredSettings.resolve(options.request(null, null, null), null), null)
        .fleet();
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
