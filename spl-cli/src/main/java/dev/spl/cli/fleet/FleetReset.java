package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.TaskRecords;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.core.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spl fleet reset}: the local fleet from scratch. Stops its daemons as {@code fleet stop
 * --all} does, then deletes the coordinator's home and every worker home next to it, with every
 * record, token and log in them. While fan-outs are open (or when the coordinator is not running,
 * so spl cannot tell) it refuses unless {@code --force}.
 */
@Command(
    name = "reset",
    description =
        "Stop the local fleet and delete its coordinator's and workers' homes, every record"
            + " included. Refused while fan-outs are open, unless --force.")
final class FleetReset implements Callable<Integer> {
  /**
   * What a daemon and {@code spl} write in a home. A folder holding {@code instance.json} (a daemon
   * ran there) is a home; one without it is deleted only when it holds nothing else than these.
   */
  static final Set<String> HOME_ENTRIES =
      Set.of(
          "instance.json",
          "instance.key",
          "coordinator.json",
          "settings.json",
          "daemon.lock",
          "daemon.pid",
          "daemon.log",
          "endpoint",
          "port",
          "token",
          "store",
          "work",
          "rules.json");

  private final CliContext context;

  @Option(
      names = "--force",
      description =
          "Reset even while fan-outs are open or the coordinator is not running to ask, and kill"
              + " (SIGKILL) a daemon still running after --timeout.")
  boolean force;

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description = "How long to wait for each daemon to exit (default 30).")
  Duration timeout = Duration.ofSeconds(30);

  FleetReset(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    if (timeout.toMillis() < 1) {
      throw CliException.badInput("--timeout: expected more than 0 seconds but found 0");
    }
    LocalFleet fleet = new LocalFleet(context.home());
    List<FleetStop.Home> homes = new ArrayList<>();
    for (FleetStop.Home home : FleetStop.homes(fleet)) {
      if (Files.exists(home.home(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        homes.add(home);
      }
    }
    if (homes.isEmpty()) {
      if (context.json()) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("home", fleet.home().toString());
        node.putArray("instances");
        context.printJson(node);
      } else {
        context.out().println("nothing to reset: there is no fleet home at " + fleet.home());
      }
      return ExitCodes.OK;
    }
    for (FleetStop.Home home : homes) {
      requireHome(home.home());
    }
    if (!force) {
      requireNoOpenFanouts(fleet);
    }

    List<FleetStop.Outcome> outcomes = FleetStop.stopAll(fleet, timeout, force);
    List<String> stillRunning = new ArrayList<>();
    for (FleetStop.Home home : homes) {
      DaemonProcesses.livePid(home.home())
          .ifPresent(pid -> stillRunning.add(home.alias() + " (pid " + pid + ")"));
    }
    if (!stillRunning.isEmpty()) {
      throw CliException.failure(
          "cannot reset: "
              + String.join(", ", stillRunning)
              + " did not exit within "
              + DaemonRunOptions.seconds(timeout)
              + " s of SIGTERM, so nothing was deleted; retry with --force to kill them");
    }
    for (FleetStop.Home home : homes) {
      delete(home.home());
    }
    report(fleet, homes, outcomes);
    return ExitCodes.OK;
  }

  /**
   * Refuses a folder that is not a daemon home: a mistyped --home must not delete someone's files.
   */
  static void requireHome(Path home) {
    if (Files.isSymbolicLink(home)) {
      throw CliException.badInput(
          "cannot reset: " + home + " is a symbolic link, not a fleet home; remove it yourself");
    }
    if (!Files.isDirectory(home)) {
      throw CliException.badInput("cannot reset: " + home + " is not a folder, not a fleet home");
    }
    if (Files.isRegularFile(home.resolve("instance.json"))) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(home)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        // daemon.log.1, daemon.log.2, ...: the daemon's rotated logs.
        if (!HOME_ENTRIES.contains(name) && !name.matches("daemon\\.log\\.\\d+")) {
          throw CliException.badInput(
              "cannot reset: "
                  + home
                  + " does not look like a fleet home (it holds '"
                  + name
                  + "', which spl does not write, and no instance.json); nothing was deleted");
        }
      }
    } catch (IOException e) {
      throw CliException.failure("cannot read " + home + ": " + e.getMessage());
    }
  }

  /**
   * The coordinator must be running to say whether fan-outs are open; a home whose daemon never
   * stored anything has none.
   */
  private void requireNoOpenFanouts(LocalFleet fleet) {
    Path home = fleet.home();
    Optional<DaemonProcesses.Running> coordinator = DaemonProcesses.find(home, context.token());
    if (coordinator.isEmpty()) {
      if (Files.isDirectory(home.resolve("store"))) {
        throw CliException.unavailable(
            "cannot reset: the coordinator of "
                + home
                + " is not running, so spl cannot tell whether fan-outs are still open; start it"
                + " (`spl fleet start`) and reset again, or pass --force");
      }
      return;
    }
    DaemonClient client = new DaemonClient(coordinator.get().url(), context.token());
    FleetSnapshot snapshot = FleetCommand.fetch(client, "the coordinator of " + home);
    JsonNode pending = snapshot.fanouts().map(f -> f.path("pending")).orElse(null);
    if (pending == null || pending.isEmpty()) {
      return;
    }
    Map<String, String> aliases = TaskRecords.aliasesByThread(new RecordsApi(client));
    List<String> open = new ArrayList<>();
    for (JsonNode entry : pending) {
      String thread = entry.path("thread").asText("");
      open.add(
          aliases.getOrDefault(thread, thread)
              + " ("
              + entry.path("completed").asInt()
              + "/"
              + entry.path("width").asInt()
              + " completed)");
    }
    String first = aliases.getOrDefault(pending.get(0).path("thread").asText(""), "TASK");
    throw CliException.unavailable(
        "cannot reset: "
            + (open.size() == 1 ? "a fan-out is" : open.size() + " fan-outs are")
            + " still open: "
            + String.join(", ", open)
            + "; wait for "
            + (open.size() == 1 ? "it" : "them")
            + " (`spl task join-status "
            + first
            + " --watch`), cancel "
            + (open.size() == 1 ? "it" : "them")
            + " (`spl task cancel "
            + first
            + "`), or pass --force");
  }

  private static void delete(Path home) {
    try {
      Files.walkFileTree(
          home,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failed)
                throws IOException {
              if (failed != null) {
                throw failed;
              }
              Files.delete(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw CliException.failure("cannot delete " + home + ": " + e);
    }
  }

  private void report(
      LocalFleet fleet, List<FleetStop.Home> deleted, List<FleetStop.Outcome> outcomes) {
    if (context.json()) {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("home", fleet.home().toString());
      ArrayNode entries = node.putArray("instances");
      for (FleetStop.Home home : deleted) {
        ObjectNode entry = entries.addObject();
        entry.put("alias", home.alias());
        entry.put("home", home.home().toString());
        for (FleetStop.Outcome outcome : outcomes) {
          if (outcome.home().equals(home)) {
            entry.put("stop", outcome.result().outcome().name().toLowerCase(Locale.ROOT));
            if (outcome.result().pid() > 0) {
              entry.put("pid", outcome.result().pid());
            }
          }
        }
        entry.put("deleted", true);
      }
      context.printJson(node);
      return;
    }
    for (FleetStop.Outcome outcome : outcomes) {
      DaemonProcesses.StopResult result = outcome.result();
      if (result.outcome() != DaemonProcesses.StopOutcome.NOT_RUNNING) {
        context
            .out()
            .println(
                "["
                    + outcome.home().alias()
                    + "] "
                    + (result.outcome() == DaemonProcesses.StopOutcome.KILLED
                        ? "killed"
                        : "stopped")
                    + " (pid "
                    + result.pid()
                    + ")");
      }
    }
    for (FleetStop.Home home : deleted) {
      context.out().println("deleted " + home.home());
    }
    context.out().println("the fleet is reset: `spl fleet start` starts from scratch");
  }
}
