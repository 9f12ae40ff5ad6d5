package dev.spl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonConfig;
import dev.spl.daemon.DaemonStartException;

/**
 * Runs a daemon in this process until SIGTERM or SIGINT. This is the only CLI class that touches
 * the daemon's classes, so client commands never load Javalin, RocksDB or CEL.
 */
final class ForegroundDaemon {
  private ForegroundDaemon() {}

  static int run(CliContext context, String bindHost, int port, long maxRequestBytes) {
    DaemonConfig config =
        new DaemonConfig(context.home(), bindHost, port, maxRequestBytes, context.token());
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
      context.printJson(node);
    } else {
      context
          .out()
          .println(
              "spl daemon "
                  + Daemon.VERSION
                  + " listening on "
                  + daemon.url()
                  + " (pid "
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
}
