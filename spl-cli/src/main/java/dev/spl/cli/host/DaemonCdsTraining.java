package dev.spl.cli.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Spl;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.Resolution;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the launcher's class-data-sharing archive for daemons (and for the
 * commands that run on the daemons' class path: task, rules, demo). In one process it runs a
 * coordinator and a worker exactly as {@code spl daemon run} runs them, waits until the worker is
 * live in the coordinator's registry, sends them the requests of everyday use, and exits: the
 * daemons' shutdown hooks stop them, so stopping is recorded too.
 *
 * <p>{@code java -XX:ArchiveClassesAtExit=ARCHIVE -cp DAEMON_CLASSPATH
 * dev.spl.cli.host.DaemonCdsTraining EMPTY_FOLDER}; the folder holds the two homes and is the
 * caller's to delete. Exits 1 if the fleet does not come up.
 */
public final class DaemonCdsTraining {
  private static final long WAIT_MILLIS = 60_000;

  private DaemonCdsTraining() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: DaemonCdsTraining EMPTY_FOLDER (found " + args.length + " args)");
      System.exit(ExitCodes.BAD_INPUT);
    }
    Path base = Path.of(args[0]);
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
    Map<String, String> env = Map.of("USER", "training");
    Path coordinatorHome = base.resolve("coordinator");
    Path workerHome = base.resolve("worker");
    long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;

    inBackground(
        sink,
        env,
        "--home",
        coordinatorHome.toString(),
        "daemon",
        "run",
        "--port",
        "0",
        "--heartbeat-interval",
        "0.2",
        // As `spl daemon start` and `spl fleet start` run them: logging to a rotated file.
        "--log-file",
        coordinatorHome.resolve("daemon.log").toString());
    String url = awaitEndpoint(coordinatorHome, deadline);
    inBackground(
        sink,
        env,
        "--home",
        workerHome.toString(),
        "daemon",
        "run",
        "--port",
        "0",
        "--role",
        "worker",
        "--alias",
        "worker-a",
        "--coordinator",
        url,
        "--heartbeat-interval",
        "0.2",
        "--echo-delay",
        "0",
        "--log-file",
        workerHome.resolve("daemon.log").toString());
    String workerUrl = awaitEndpoint(workerHome, deadline);
    DaemonClient coordinator = new DaemonClient(url, null);
    while (coordinator.get("/v1/fleet/status").path("counts").path("live").asInt() < 2) {
      if (System.nanoTime() > deadline) {
        System.err.println("the training worker did not turn live at " + url);
        System.exit(ExitCodes.FAILURE);
      }
      Thread.sleep(50);
    }
    String thread = "th_" + "5a".repeat(32);
    List<String[]> runs =
        List.of(
            new String[] {"daemon", "status"},
            new String[] {
              "records", "emit", "--thread", thread, "--act", "DO", "--topic", "t", "--body", "{}"
            },
            new String[] {"records", "list", "--limit", "5"},
            new String[] {"fleet", "list"},
            new String[] {"fleet", "status"},
            new String[] {"fleet", "show", "worker-a"},
            new String[] {"task", "add", "training", "--alias", "training"},
            new String[] {"task", "list"},
            new String[] {"task", "show", "training"},
            new String[] {"rules", "list"});
    for (String daemonUrl : List.of(url, workerUrl)) {
      for (String[] run : runs) {
        String[] withUrl = new String[run.length + 2];
        withUrl[0] = "--url";
        withUrl[1] = daemonUrl;
        System.arraycopy(run, 0, withUrl, 2, run.length);
        Spl.run(sink, sink, env, withUrl);
      }
    }
    System.exit(ExitCodes.OK);
  }

  private static void inBackground(PrintStream sink, Map<String, String> env, String... args) {
    Thread thread = new Thread(() -> Spl.run(sink, sink, env, args), "training-" + args[1]);
    thread.setDaemon(true);
    thread.start();
  }

  private static String awaitEndpoint(Path home, long deadline) throws InterruptedException {
    Path file = new HomeLayout(home).endpointFile();
    while (true) {
      String url = Resolution.readEndpointFile(file);
      if (url != null) {
        JsonNode health = new DaemonClient(url, null).healthOrNull(1_000);
        if (health != null) {
          return url;
        }
      }
      if (System.nanoTime() > deadline) {
        System.err.println("the training daemon in " + home + " did not answer");
        System.exit(ExitCodes.FAILURE);
      }
      Thread.sleep(50);
    }
  }
}
