package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.daemon.DaemonCommand;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.core.Json;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.home.FleetToken;
import dev.spl.core.home.PrivateFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spl fleet start}: the home's coordinator (started if none answers) and N workers in homes
 * next to it, then a wait until the coordinator's registry shows every worker live.
 */
@Command(
    name = "start",
    description =
        "Start a coordinator (unless one runs at the home) and N workers, and wait until all are"
            + " live.")
final class FleetStart implements Callable<Integer> {
  private static final long POLL_MILLIS = 100;

  private final CliContext context;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Workers to run: worker-a, worker-b, ... (default 2, at most 26).")
  int workers = 2;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description =
          "The coordinator's port if it must be started; 0 = any free port (default 9100).")
  int port = Resolution.DEFAULT_PORT;

  @Option(
      names = "--worker-port",
      paramLabel = "PORT",
      description =
          "Port of worker-a; worker-b gets the next, ...; 0 = any free port (default 9201).")
  int workerPort = LocalFleet.DEFAULT_WORKER_PORT;

  @Option(
      names = "--executor",
      paramLabel = "echo|shell",
      description = "How workers run children (default echo).")
  DaemonRunOptions.Executor executor = DaemonRunOptions.Executor.ECHO;

  @Option(
      names = "--echo-delay",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description = "How long an echo child takes; 0 allowed (default 1).")
  Duration echoDelay;

  @Option(
      names = "--echo-mode",
      paramLabel = "plain|compute",
      description =
          "What the workers' echo children do: plain (default) or compute (real work on each"
              + " child's slice).")
  DaemonRunOptions.EchoMode echoMode;

  @Option(
      names = "--max-children",
      paramLabel = "N",
      description =
          "The most children one fan-out may have, for a coordinator started here (default"
              + " 1000000).")
  Integer maxChildren;

  @Option(
      names = "--slots",
      paramLabel = "N",
      description = "Children each worker runs at once (default 4).")
  Integer slots;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description =
          "Seconds between heartbeats, for the workers and a coordinator started here (default"
              + " 5).")
  Duration heartbeatInterval;

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description = "How long to wait for every instance to be live (default 30).")
  Duration timeout = Duration.ofSeconds(30);

  FleetStart(CliContext context) {
    this.context = context;
  }

  /** One instance of the fleet as this command found or started it. */
  private record Member(
      String alias, String role, Path home, DaemonProcesses.Running running, boolean started) {
    String did() {
      return running.did();
    }
  }

  /** A worker that must be spawned: its alias, home and port. */
  private record Planned(String alias, Path home, int port) {}

  @Override
  public Integer call() {
    validate();
    PrintStream out =
        context.json() ? new PrintStream(PrintStream.nullOutputStream()) : context.out();
    long deadline = System.nanoTime() + timeout.toNanos();
    LocalFleet fleet = new LocalFleet(context.home());
    // A bad token given is refused before anything is printed or started.
    context.tokenSource();

    out.println(
        "Starting local fleet: 1 coordinator + "
            + workers
            + (workers == 1 ? " worker" : " workers"));
    Resolution.Token fleetToken = fleetToken(fleet.home(), out);
    String token = fleetToken == null ? null : fleetToken.value();
    // Check every worker home and port before spawning anything, so a bad home or a busy port
    // changes nothing. Whether a running worker belongs to this fleet needs the coordinator's URL,
    // so that is checked once the coordinator answers.
    List<Planned> toStart = new ArrayList<>();
    Map<String, DaemonProcesses.Running> alreadyRunning = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    // Every busy port is named in one answer: the coordinator's (when one must be started) and the
    // workers'.
    if (DaemonProcesses.find(fleet.home(), token).isEmpty()
        && DaemonProcesses.livePid(fleet.home()).isEmpty()) {
      String busy = LocalFleet.portProblem(port);
      if (busy != null) {
        problems.add(
            "coordinator: "
                + busy
                + "; choose another with --port (0 = any free port), or point --home at the home"
                + " of the daemon using it");
      }
    }
    for (int i = 0; i < workers; i++) {
      String alias = LocalFleet.workerAlias(i);
      Path home = fleet.workerHome(alias);
      Optional<DaemonProcesses.Running> running = DaemonProcesses.find(home, token);
      if (running.isPresent()) {
        alreadyRunning.put(alias, running.get());
        continue;
      }
      OptionalLong stuck = DaemonProcesses.livePid(home);
      if (stuck.isPresent()) {
        problems.add(
            alias
                + ": "
                + home
                + " is locked by daemon process "
                + stuck.getAsLong()
                + ", which does not answer /health; stop it with `spl daemon stop --home "
                + home
                + "` (log: "
                + new HomeLayout(home).logFile()
                + ")");
        continue;
      }
      int workerPortNumber = LocalFleet.workerPort(workerPort, i);
      String busy = LocalFleet.portProblem(workerPortNumber);
      if (busy != null) {
        problems.add(
            alias + ": " + busy + "; choose other ports with --worker-port (0 = any free port)");
        continue;
      }
      toStart.add(new Planned(alias, home, workerPortNumber));
    }
    if (!problems.isEmpty()) {
      throw CliException.failure("cannot start the fleet:\n  " + String.join("\n  ", problems));
    }

    Member coordinator = coordinator(fleet, fleetToken, deadline, out);
    String coordinatorUrl = coordinator.running().url();
    List<Member> members = new ArrayList<>();
    members.add(coordinator);
    for (var entry : alreadyRunning.entrySet()) {
      String alias = entry.getKey();
      Path home = fleet.workerHome(alias);
      DaemonProcesses.Running running = entry.getValue();
      LocalFleet.Identity identity = LocalFleet.identify(running.health(), running.pid());
      if (identity.isWorkerOf(coordinatorUrl)) {
        members.add(new Member(alias, "worker", home, running, false));
        continue;
      }
      problems.add(
          alias
              + ": "
              + home
              + " is served by a running daemon (pid "
              + pidText(running.pid())
              + ", "
              + running.url()
              + ") that is "
              + (identity.coordinatorUrl() == null
                  ? "a " + identity.role()
                  : "a " + identity.role() + " of " + identity.coordinatorUrl())
              + ", not a worker of "
              + coordinatorUrl
              + "; stop it with `spl daemon stop --home "
              + home
              + "`");
    }
    if (!problems.isEmpty()) {
      throw CliException.failure(
          "cannot start the fleet:\n  "
              + String.join("\n  ", problems)
              + (coordinator.started()
                  ? "\nthe coordinator keeps running; stop it with `spl fleet stop --all`"
                  : ""));
    }
    for (Member member : members.subList(1, members.size())) {
      out.println(line(member, "already running"));
    }

    Map<Planned, DaemonProcesses.Spawned> spawned = new LinkedHashMap<>();
    for (Planned planned : toStart) {
      spawned.put(
          planned,
          DaemonProcesses.spawn(
              new DaemonProcesses.Spec(
                  planned.home(),
                  planned.port(),
                  null,
                  null,
                  workerToken(fleetToken, planned.home()),
                  workerArguments(planned.alias(), coordinatorUrl)),
              context.env()));
    }
    for (var entry : spawned.entrySet()) {
      Planned planned = entry.getKey();
      DaemonProcesses.Running running;
      try {
        running = DaemonProcesses.awaitAnswer(entry.getValue(), remaining(deadline));
      } catch (CliException e) {
        throw CliException.failure(
            planned.alias()
                + " did not come up (log: "
                + entry.getValue().logFile()
                + "): "
                + e.getMessage()
                + "\nthe other instances keep running; stop them with `spl fleet stop --all`");
      }
      Member member = new Member(planned.alias(), "worker", planned.home(), running, true);
      members.add(member);
      out.println(line(member, "spawned"));
    }

    int expected = members.size();
    out.println("Waiting for fleet convergence (" + expected + " live)...");
    DaemonClient client = new DaemonClient(coordinatorUrl, token);
    FleetSnapshot snapshot = awaitConvergence(client, members, deadline);
    long intervalMillis = snapshot.status().heartbeatIntervalMillis();
    if (heartbeatInterval != null
        && !coordinator.started()
        && intervalMillis != heartbeatInterval.toMillis()) {
      context
          .err()
          .println(
              "spl: note: the running coordinator judges liveness by a "
                  + FleetText.seconds(intervalMillis)
                  + " s heartbeat interval, not the "
                  + DaemonRunOptions.seconds(heartbeatInterval)
                  + " s given; restart it (`spl fleet stop --all`) to change that");
    }
    if (context.json()) {
      context.printJson(json(members, snapshot));
      return ExitCodes.OK;
    }
    PrintStream real = context.out();
    real.println("fleet converged");
    int width = 0;
    for (Member member : members) {
      width = Math.max(width, member.alias().length());
    }
    for (Member member : members) {
      real.println(
          "  "
              + String.format("%-" + width + "s", member.alias())
              + "  "
              + member.did()
              + " on :"
              + DaemonCommand.portOf(member.running().url()));
    }
    real.println("Inspect with: spl fleet list · spl fleet status");
    return ExitCodes.OK;
  }

  private void validate() {
    if (workers < 1 || workers > LocalFleet.MAX_WORKERS) {
      throw CliException.badInput(
          "--workers: expected 1.."
              + LocalFleet.MAX_WORKERS
              + " (worker-a to worker-z) but found "
              + workers);
    }
    checkPort("--port", port);
    checkPort("--worker-port", workerPort);
    if (workerPort != 0) {
      LocalFleet.workerPort(workerPort, workers - 1);
      if (port >= workerPort && port < workerPort + workers) {
        throw CliException.badInput(
            "--port: "
                + port
                + " is among the workers' ports ("
                + workerPort
                + ".."
                + (workerPort + workers - 1)
                + "); choose another --port or --worker-port");
      }
    }
    if (echoMode != null && executor == DaemonRunOptions.Executor.SHELL) {
      throw CliException.badInput(
          "--echo-mode: applies to --executor echo only, but --executor is shell");
    }
    DaemonRunOptions.checkMaxChildren(maxChildren);
    if (echoDelay != null && executor == DaemonRunOptions.Executor.SHELL) {
      throw CliException.badInput(
          "--echo-delay: applies to --executor echo only, but --executor is shell");
    }
    if (slots != null && (slots < 1 || slots > DaemonRunOptions.MAX_SLOTS)) {
      throw CliException.badInput(
          "--slots: expected 1.." + DaemonRunOptions.MAX_SLOTS + " but found " + slots);
    }
    if (heartbeatInterval != null && heartbeatInterval.toMillis() < 1) {
      throw CliException.badInput(
          "--heartbeat-interval: expected at least 0.001 seconds but found "
              + DaemonRunOptions.seconds(heartbeatInterval));
    }
    if (timeout.toMillis() < 1) {
      throw CliException.badInput("--timeout: expected more than 0 seconds but found 0");
    }
  }

  private static void checkPort(String option, int value) {
    if (value < 0 || value > 65_535) {
      throw CliException.badInput(option + ": expected 0..65535 but found " + value);
    }
  }

  /**
   * The fleet's token: the one given ({@code --token}, {@code --token-file}, {@code SPL_TOKEN}) or
   * kept in the home, else a new one written to the home's token file, so every command run against
   * this home finds it. A coordinator that already runs without a token keeps running without one
   * (its workers must match it); null then.
   */
  private Resolution.Token fleetToken(Path home, PrintStream out) {
    Resolution.Token given = context.tokenSource();
    if (given != null) {
      return given;
    }
    if (DaemonProcesses.find(home, null).isPresent()) {
      context
          .err()
          .println(
              "spl: note: the coordinator at "
                  + home
                  + " runs without a token, so its workers do too; to protect the fleet, stop it"
                  + " (`spl fleet stop --all`) and start it again");
      return null;
    }
    if (DaemonProcesses.livePid(home).isPresent()) {
      // A daemon holds the home but does not answer without a token: not ours to replace; the
      // coordinator check below says what to do.
      return null;
    }
    Path file = Resolution.tokenFile(home);
    String value = FleetToken.generate();
    try {
      PrivateFiles.createFolder(home);
      FleetToken.write(file, value);
    } catch (IOException e) {
      throw CliException.failure("cannot write the fleet token " + file + ": " + e.getMessage());
    }
    out.println("Created the fleet token " + file + " (readable by you only)");
    return new Resolution.Token(value, file, file.toString());
  }

  /**
   * A worker's copy of the token, in its own home's token file, so commands run against that home
   * find it as well.
   */
  private static Resolution.Token workerToken(Resolution.Token token, Path workerHome) {
    if (token == null) {
      return null;
    }
    Path file = Resolution.tokenFile(workerHome);
    try {
      PrivateFiles.createFolder(workerHome);
      FleetToken.write(file, token.value());
    } catch (IOException e) {
      throw CliException.failure("cannot write the worker token " + file + ": " + e.getMessage());
    }
    return new Resolution.Token(token.value(), file, file.toString());
  }

  /** The home's coordinator if one answers; else a new one on {@code --port}. */
  private Member coordinator(
      LocalFleet fleet, Resolution.Token fleetToken, long deadline, PrintStream out) {
    Path home = fleet.home();
    String token = fleetToken == null ? null : fleetToken.value();
    Optional<DaemonProcesses.Running> existing = DaemonProcesses.find(home, token);
    if (existing.isPresent()) {
      LocalFleet.Identity identity =
          LocalFleet.identify(existing.get().health(), existing.get().pid());
      if (!"coordinator".equals(identity.role())) {
        throw CliException.failure(
            "the daemon at "
                + home
                + " ("
                + existing.get().url()
                + ") is a "
                + identity.role()
                + ", not a coordinator; use another --home for the fleet");
      }
      Member member =
          new Member(LocalFleet.COORDINATOR_ALIAS, "coordinator", home, existing.get(), false);
      out.println(line(member, "already running"));
      return member;
    }
    OptionalLong stuck = DaemonProcesses.livePid(home);
    if (stuck.isPresent()) {
      throw CliException.unavailable(
          "a daemon process (pid "
              + stuck.getAsLong()
              + ") holds "
              + home
              + " but does not answer /health; stop it with `spl daemon stop --home "
              + home
              + "` (see "
              + new HomeLayout(home).logFile()
              + ")");
    }
    String busy = LocalFleet.portProblem(port);
    if (busy != null) {
      throw CliException.failure(
          "coordinator: "
              + busy
              + "; choose another with --port (0 = any free port), or point --home at the home of"
              + " the daemon using it");
    }
    List<String> args = new ArrayList<>(List.of("--role", "coordinator"));
    if (heartbeatInterval != null) {
      args.add("--heartbeat-interval");
      args.add(DaemonRunOptions.seconds(heartbeatInterval));
    }
    if (maxChildren != null) {
      args.addAll(List.of("--max-children", maxChildren.toString()));
    }
    DaemonProcesses.Spawned spawned =
        DaemonProcesses.spawn(
            new DaemonProcesses.Spec(home, port, null, null, fleetToken, args), context.env());
    DaemonProcesses.Running running;
    try {
      running = DaemonProcesses.awaitAnswer(spawned, remaining(deadline));
    } catch (CliException e) {
      throw CliException.failure(
          "the coordinator did not come up (log: " + spawned.logFile() + "): " + e.getMessage());
    }
    Member member = new Member(LocalFleet.COORDINATOR_ALIAS, "coordinator", home, running, true);
    out.println(line(member, "spawned"));
    return member;
  }

  List<String> workerArguments(String alias, String coordinatorUrl) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--role", "worker", "--alias", alias, "--coordinator", coordinatorUrl));
    args.addAll(List.of("--executor", executor.name().toLowerCase(Locale.ROOT)));
    if (executor == DaemonRunOptions.Executor.ECHO) {
      args.add("--echo-delay");
      args.add(DaemonRunOptions.seconds(echoDelay == null ? Duration.ofSeconds(1) : echoDelay));
      if (echoMode != null) {
        args.addAll(List.of("--echo-mode", echoMode.name().toLowerCase(Locale.ROOT)));
      }
    }
    if (slots != null) {
      args.addAll(List.of("--slots", slots.toString()));
    }
    if (heartbeatInterval != null) {
      args.addAll(List.of("--heartbeat-interval", DaemonRunOptions.seconds(heartbeatInterval)));
    }
    return args;
  }

  /**
   * Polls the coordinator's registry until every worker is live and healthy under the DID its home
   * holds; on timeout, names the first one that is not, with its log.
   */
  private FleetSnapshot awaitConvergence(DaemonClient client, List<Member> members, long deadline) {
    String lastProblem = null;
    Member lagging = null;
    while (true) {
      FleetSnapshot snapshot;
      try {
        snapshot = FleetCommand.fetch(client, "the fleet's coordinator");
        lagging = null;
        for (Member member : members) {
          if (!member.role().equals("worker")) {
            continue;
          }
          Optional<InstanceView> view =
              snapshot.instances().stream()
                  .filter(candidate -> candidate.did().equals(member.did()))
                  .findFirst();
          if (view.isEmpty()
              || view.get().status() != InstanceStatus.LIVE
              || view.get().health() != Health.HEALTHY) {
            lagging = member;
            lastProblem =
                view.isEmpty()
                    ? "not registered with the coordinator"
                    : view.get().status().wire() + ", " + view.get().health().wire();
            break;
          }
        }
        if (lagging == null) {
          return snapshot;
        }
      } catch (CliException e) {
        if (e.exitCode() != ExitCodes.UNAVAILABLE
            || e.getMessage().contains("does not serve the fleet status")) {
          // Not a coordinator that is still starting: waiting will not change the answer.
          throw CliException.failure(
              "the coordinator at "
                  + client.baseUrl()
                  + " cannot report the fleet: "
                  + e.getMessage()
                  + "; see its log "
                  + new HomeLayout(members.get(0).home()).logFile());
        }
        lagging = null;
        lastProblem = "not answering the fleet status (" + e.getMessage() + ")";
      }
      if (System.nanoTime() >= deadline) {
        String who =
            lagging == null
                ? "the coordinator at " + client.baseUrl()
                : lagging.alias() + " (" + lagging.did() + ", " + lagging.running().url() + ")";
        Path log =
            new HomeLayout(lagging == null ? members.get(0).home() : lagging.home()).logFile();
        throw CliException.failure(
            "the fleet did not converge within "
                + DaemonRunOptions.seconds(timeout)
                + " s: "
                + who
                + " is "
                + lastProblem
                + "; see its log "
                + log
                + "\nthe instances keep running; stop them with `spl fleet stop --all`");
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted while waiting for the fleet");
      }
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
  }

  private static String line(Member member, String verb) {
    return "["
        + member.alias()
        + "] "
        + verb
        + " "
        + member.role()
        + " PID "
        + pidText(member.running().pid())
        + " on :"
        + DaemonCommand.portOf(member.running().url())
        + " (home="
        + member.home()
        + ")";
  }

  private static String pidText(Long pid) {
    return pid == null ? "?" : pid.toString();
  }

  private static ObjectNode json(List<Member> members, FleetSnapshot snapshot) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("converged", true);
    node.put("coordinator_url", members.get(0).running().url());
    ArrayNode instances = node.putArray("instances");
    for (Member member : members) {
      ObjectNode entry = instances.addObject();
      entry.put("alias", member.alias());
      entry.put("role", member.role());
      entry.put("did", member.did());
      if (member.running().pid() != null) {
        entry.put("pid", member.running().pid());
      }
      entry.put("url", member.running().url());
      entry.put("home", member.home().toString());
      entry.put("log", new HomeLayout(member.home()).logFile().toString());
      entry.put("started", member.started());
    }
    node.set("status", snapshot.raw());
    return node;
  }
}
