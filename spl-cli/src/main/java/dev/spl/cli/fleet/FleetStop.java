package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.core.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spl fleet stop}: SIGTERM to the workers (found as {@code <home>-worker-*} next to the
 * coordinator's home), to all of the fleet, or to one instance; waits for each to exit and reports
 * it. Workers stop together, and before the coordinator, so their last heartbeat reaches it.
 */
@Command(
    name = "stop",
    description = "Stop the workers, the whole fleet, or one instance (SIGTERM, then wait).")
final class FleetStop implements Callable<Integer> {
  private final CliContext context;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  /** Exactly one of these. */
  static final class Target {
    @Option(names = "--workers", required = true, description = "Stop every worker of the fleet.")
    boolean workers;

    @Option(
        names = "--all",
        required = true,
        description = "Stop the workers, then the coordinator.")
    boolean all;

    @Option(
        names = "--instance",
        required = true,
        paramLabel = "ALIAS|DID",
        description = "Stop one instance: worker-a, coordinator, or its DID.")
    String instance;
  }

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description = "How long to wait for each daemon to exit (default 30).")
  Duration timeout = Duration.ofSeconds(30);

  @Option(names = "--force", description = "Kill (SIGKILL) a daemon still running after --timeout.")
  boolean force;

  FleetStop(CliContext context) {
    this.context = context;
  }

  /** One instance of the local fleet: its alias and home. */
  record Home(String alias, Path home) {}

  /** What stopping one instance did. */
  record Outcome(Home home, DaemonProcesses.StopResult result) {}

  /** The local fleet's worker homes, then its coordinator's. */
  static List<Home> homes(LocalFleet fleet) {
    List<Home> homes = new ArrayList<>();
    for (Path home : fleet.existingWorkerHomes()) {
      homes.add(new Home(fleet.aliasOf(home), home));
    }
    homes.add(new Home(LocalFleet.COORDINATOR_ALIAS, fleet.home()));
    return homes;
  }

  /** Stops every worker together, then the coordinator, so their last heartbeats reach it. */
  static List<Outcome> stopAll(LocalFleet fleet, Duration timeout, boolean force) {
    List<Home> homes = homes(fleet);
    Home coordinator = homes.remove(homes.size() - 1);
    List<Outcome> outcomes = new ArrayList<>(stopTogether(homes, timeout, force));
    outcomes.add(
        new Outcome(coordinator, DaemonProcesses.stop(coordinator.home(), timeout, force)));
    return outcomes;
  }

  @Override
  public Integer call() {
    if (timeout.toMillis() < 1) {
      throw CliException.badInput("--timeout: expected more than 0 seconds but found 0");
    }
    LocalFleet fleet = new LocalFleet(context.home());
    List<Home> workers = new ArrayList<>();
    for (Path home : fleet.existingWorkerHomes()) {
      workers.add(new Home(fleet.aliasOf(home), home));
    }
    Home coordinator = new Home(LocalFleet.COORDINATOR_ALIAS, fleet.home());

    List<Home> firstWave = new ArrayList<>();
    Home lastly = null;
    if (target.workers || target.all) {
      firstWave.addAll(workers);
      lastly = target.all ? coordinator : null;
    } else {
      Home chosen = choose(target.instance, coordinator, workers);
      if (chosen == coordinator) {
        lastly = coordinator;
      } else {
        firstWave.add(chosen);
      }
    }

    List<Outcome> outcomes = new ArrayList<>(stopTogether(firstWave, timeout, force));
    if (lastly != null) {
      outcomes.add(new Outcome(lastly, DaemonProcesses.stop(lastly.home(), timeout, force)));
    }
    return report(outcomes, fleet);
  }

  private static List<Outcome> stopTogether(List<Home> homes, Duration timeout, boolean force) {
    List<CompletableFuture<Outcome>> futures = new ArrayList<>();
    for (Home home : homes) {
      futures.add(
          CompletableFuture.supplyAsync(
              () -> new Outcome(home, DaemonProcesses.stop(home.home(), timeout, force))));
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (CompletableFuture<Outcome> future : futures) {
      outcomes.add(future.join());
    }
    return outcomes;
  }

  private static Home choose(String name, Home coordinator, List<Home> workers) {
    if (name.equals(coordinator.alias())) {
      return coordinator;
    }
    for (Home worker : workers) {
      if (worker.alias().equals(name)) {
        return worker;
      }
    }
    List<Home> all = new ArrayList<>(workers);
    all.add(0, coordinator);
    for (Home home : all) {
      if (name.equals(DaemonProcesses.homeDid(home.home()))) {
        return home;
      }
    }
    List<String> known = new ArrayList<>();
    for (Home home : all) {
      String did = DaemonProcesses.homeDid(home.home());
      known.add(home.alias() + (did == null ? "" : " (" + did + ")"));
    }
    throw CliException.badInput(
        "--instance: no fleet instance '"
            + name
            + "' at "
            + coordinator.home()
            + "; known: "
            + String.join(", ", known));
  }

  private int report(List<Outcome> outcomes, LocalFleet fleet) {
    boolean anyRunning = false;
    boolean stuck = false;
    for (Outcome outcome : outcomes) {
      switch (outcome.result().outcome()) {
        case STOPPED, KILLED -> anyRunning = true;
        case STILL_RUNNING -> {
          anyRunning = true;
          stuck = true;
        }
        case NOT_RUNNING -> {}
      }
    }
    if (context.json()) {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("home", fleet.home().toString());
      ArrayNode entries = node.putArray("instances");
      for (Outcome outcome : outcomes) {
        ObjectNode entry = entries.addObject();
        entry.put("alias", outcome.home().alias());
        entry.put("home", outcome.home().home().toString());
        entry.put("outcome", outcome.result().outcome().name().toLowerCase(Locale.ROOT));
        if (outcome.result().pid() > 0) {
          entry.put("pid", outcome.result().pid());
        }
        entry.put("detail", outcome.result().detail());
      }
      context.printJson(node);
    } else if (!anyRunning) {
      context
          .out()
          .println(
              "no fleet daemon is running at "
                  + fleet.home()
                  + (outcomes.size() > 1
                      ? " or its " + (outcomes.size() - 1) + " worker homes"
                      : "")
                  + "; nothing to stop");
    } else {
      for (Outcome outcome : outcomes) {
        DaemonProcesses.StopResult result = outcome.result();
        String text =
            switch (result.outcome()) {
              case NOT_RUNNING -> "not running";
              case STOPPED -> "stopped (pid " + result.pid() + ")";
              case KILLED -> "killed (pid " + result.pid() + "): " + result.detail();
              case STILL_RUNNING -> "still running (pid " + result.pid() + "): " + result.detail();
            };
        context.out().println("[" + outcome.home().alias() + "] " + text);
      }
    }
    if (stuck) {
      throw CliException.failure(
          "some daemons did not exit within "
              + DaemonRunOptions.seconds(timeout)
              + " s of SIGTERM; retry with --force to kill them");
    }
    return ExitCodes.OK;
  }
}
