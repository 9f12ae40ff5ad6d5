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
import dev.spl.cli.host.StoredSettings;
import dev.spl.core.Json;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.SettingsRequest;
import dev.spl.core.home.FleetToken;
import dev.spl.core.home.PrivateFiles;
import dev.spl.core.home.SettingsFile;
import dev.spl.core.tls.TlsTrust;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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
  /**
   * How often the coordinator's registry is asked while a worker is not live yet: a worker beats as
   * soon as it serves, and the registry shows it live on that first beat, so the wait is short and
   * a short interval is what it costs.
   */
  private static final long POLL_MILLIS = 10;

  private final CliContext context;
  private TlsTrust trust;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Workers to run: worker-a, worker-b, ... (default 2, at most 26).")
  int workers = 2;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description =
          "The coordinator's port if it must be started; 0 = any free port (default: as kept in"
              + " its home, else 9100).")
  Integer port;

  @Option(
      names = "--worker-port",
      paramLabel = "PORT",
      description =
          "Port of worker-a; worker-b gets the next, ...; 0 = any free port (default: as kept in"
              + " each worker's home, else 9201, 9202, ...).")
  Integer workerPort;

  @Option(
      names = "--executor",
      paramLabel = "echo|shell|command|worktree",
      description = "How workers run children (default: as kept in each worker's home, else echo).")
  DaemonRunOptions.Executor executor;

  @Option(
      names = "--command-template",
      paramLabel = "COMMAND",
      description =
          "With --executor command: the program and arguments each child runs, with {{name}}"
              + " placeholders (e.g. 'my-agent --prompt-file {{prompt_file}} --max-cost"
              + " {{budget}}'); see docs/executors.md.")
  String commandTemplate;

  @Option(
      names = "--repo",
      paramLabel = "PATH",
      description =
          "The git repository worktree workers make each child's worktree in (needed by"
              + " --executor worktree; default: as kept in each worker's home).")
  java.nio.file.Path repo;

  @Option(
      names = "--echo-delay",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description = "How long an echo child takes; 0 allowed (default: as kept, else 1).")
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
      names = "--max-fanout-depth",
      paramLabel = "N",
      description =
          "How deep nested fan-outs may go, for a coordinator started here: a task's own fan-out"
              + " is depth 1 (default "
              + dev.spl.core.fanout.NestedFanouts.DEFAULT_MAX_DEPTH
              + ", at most "
              + dev.spl.core.fanout.NestedFanouts.MAX_MAX_DEPTH
              + ").")
  Integer maxFanoutDepth;

  @Option(
      names = "--slots",
      paramLabel = "N",
      description = "Children each worker runs at once (default: as kept, else 4).")
  Integer slots;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description =
          "Seconds between heartbeats, for the workers and the coordinator (default: as kept,"
              + " else 5).")
  Duration heartbeatInterval;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "A label of every worker (repeat for several); replaces their stored labels.")
  List<String> labelOptions;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Serve HTTPS from every instance started here with this certificate (PEM; it must name"
              + " 127.0.0.1 or the host the instances are reached at); needs --tls-key. Clients and"
              + " the daemons verify it against --tls-ca. Kept in each home's settings.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The certificate's private key: unencrypted PKCS#8 PEM, chmod 600.")
  Path tlsKey;

  @Option(
      names = "--reconfigure",
      description =
          "Restart the members whose settings differ from the options given, with the new"
              + " settings (without it such a start is refused); the change is recorded.")
  boolean reconfigure;

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
      String alias,
      String role,
      Path home,
      DaemonProcesses.Running running,
      boolean started,
      boolean reconfigured) {
    String did() {
      return running.did();
    }
  }

  /**
   * A worker as found before anything starts: its home, the settings kept there (null when none),
   * what this start asks of it, how that differs, and whether a daemon serves the home now.
   */
  private record Planned(
      String alias,
      Path home,
      int index,
      InstanceSettings stored,
      SettingsRequest request,
      List<SettingsRequest.Difference> differences,
      Optional<DaemonProcesses.Running> running) {
    /** The port it will listen on: asked for, else kept, else the next of the defaults. */
    int port() {
      if (request.port() != null) {
        return request.port();
      }
      return stored != null
          ? stored.port()
          : LocalFleet.workerPort(LocalFleet.DEFAULT_WORKER_PORT, index);
    }
  }

  /** How {@code spl fleet start} names the options that set a worker's settings. */
  private static final Map<String, String> WORKER_OPTIONS = Map.of("port", "--worker-port");

  @Override
  public Integer call() {
    validate();
    PrintStream out =
        context.json() ? new PrintStream(PrintStream.nullOutputStream()) : context.out();
    long deadline = System.nanoTime() + timeout.toNanos();
    LocalFleet fleet = new LocalFleet(context.home());
    // A bad token given is refused before anything is printed or started.
    context.tokenSource();
    SortedMap<String, String> labels =
        labelOptions == null ? null : DaemonRunOptions.parseLabels(labelOptions);

    // Every member's settings are compared with the options before anything starts or stops, so a
    // start that would silently run members otherwise than asked changes nothing.
    Path coordinatorHome = fleet.home();
    InstanceSettings coordinatorStored = StoredSettings.read(coordinatorHome).orElse(null);
    // A fleet that serves HTTPS is verified against the CA given, else the one its home keeps.
    trust = StoredSettings.trust(context.trust(), coordinatorStored);
    if (coordinatorStored != null
        && coordinatorStored.role() != Role.COORDINATOR
        && DaemonProcesses.find(coordinatorHome, null, trust).isEmpty()
        && !DaemonProcesses.inUse(coordinatorHome)) {
      throw CliException.failure(
          coordinatorHome
              + " keeps the settings of a "
              + coordinatorStored.role().wire()
              + " ("
              + SettingsFile.of(coordinatorHome)
              + "), not of a coordinator; use another --home for the fleet");
    }
    SettingsRequest coordinatorRequest = coordinatorRequest();
    // A home of another role is not this fleet's to reconfigure: refused below as it is.
    List<SettingsRequest.Difference> coordinatorDifferences =
        coordinatorStored != null && coordinatorStored.role() != Role.COORDINATOR
            ? List.of()
            : coordinatorRequest.differences(coordinatorStored);
    if (coordinatorStored == null || coordinatorStored.role() == Role.COORDINATOR) {
      checkResolves(
          LocalFleet.COORDINATOR_ALIAS, coordinatorHome, coordinatorRequest, coordinatorStored);
    }
    List<Planned> planned = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    List<String> strangers = new ArrayList<>();
    if (!coordinatorDifferences.isEmpty()) {
      differing.add(StoredSettings.member(LocalFleet.COORDINATOR_ALIAS, coordinatorDifferences));
    }
    for (int i = 0; i < workers; i++) {
      String alias = LocalFleet.workerAlias(i);
      Path home = fleet.workerHome(alias);
      InstanceSettings stored = StoredSettings.read(home).orElse(null);
      SettingsRequest request = workerRequest(alias, i, stored, labels);
      List<SettingsRequest.Difference> differences = new ArrayList<>();
      boolean ours =
          stored == null || (stored.role() == Role.WORKER && stored.alias().equals(alias));
      if (!ours
          && DaemonProcesses.find(home, null, trust).isEmpty()
          && !DaemonProcesses.inUse(home)) {
        strangers.add(
            alias
                + ": "
                + home
                + " keeps the settings of "
                + (stored.role() == Role.WORKER
                    ? "worker '" + stored.alias() + "'"
                    : "a " + stored.role().wire())
                + " ("
                + SettingsFile.of(home)
                + "), not of this fleet's "
                + alias
                + "; move or delete that home");
      }
      // A running stranger is named once the coordinator's URL is known (below).
      for (SettingsRequest.Difference difference :
          ours ? request.differences(stored) : List.<SettingsRequest.Difference>of()) {
        differences.add(difference.askedBy(WORKER_OPTIONS));
      }
      if (!differences.isEmpty()) {
        differing.add(StoredSettings.member(alias, differences));
      }
      if (ours) {
        // The coordinator's URL is the fleet's, given at spawn: any URL stands in for it here.
        checkResolves(
            alias,
            home,
            request.toBuilder().coordinatorUrl(STAND_IN_COORDINATOR_URL).build(),
            stored);
      }
      planned.add(new Planned(alias, home, i, stored, request, differences, Optional.empty()));
    }
    if (!strangers.isEmpty()) {
      throw CliException.failure("cannot start the fleet:\n  " + String.join("\n  ", strangers));
    }
    if (!differing.isEmpty() && !reconfigure) {
      throw StoredSettings.refusal(differing);
    }

    out.println(
        "Starting local fleet: 1 coordinator + "
            + workers
            + (workers == 1 ? " worker" : " workers"));
    Resolution.Token fleetToken = fleetToken(fleet.home(), out);
    String token = fleetToken == null ? null : fleetToken.value();
    // Check every worker home and port before spawning anything, so a bad home or a busy port
    // changes nothing. Whether a running worker belongs to this fleet needs the coordinator's URL,
    // so that is checked once the coordinator answers.
    List<String> problems = new ArrayList<>();
    // Every busy port is named in one answer: the coordinator's (when one must be started) and the
    // workers'.
    if (DaemonProcesses.find(fleet.home(), token, trust).isEmpty()
        && !DaemonProcesses.inUse(fleet.home())) {
      int coordinatorPort =
          port != null
              ? port
              : coordinatorStored != null ? coordinatorStored.port() : Resolution.DEFAULT_PORT;
      String busy = LocalFleet.portProblem(coordinatorPort);
      if (busy != null) {
        problems.add(
            "coordinator: "
                + busy
                + "; choose another with --port (0 = any free port), or point --home at the home"
                + " of the daemon using it");
      }
    }
    for (int i = 0; i < planned.size(); i++) {
      Planned worker = planned.get(i);
      Optional<DaemonProcesses.Running> running = DaemonProcesses.find(worker.home(), token, trust);
      worker =
          new Planned(
              worker.alias(),
              worker.home(),
              worker.index(),
              worker.stored(),
              worker.request(),
              worker.differences(),
              running);
      planned.set(i, worker);
      if (running.isPresent()) {
        boolean moves =
            !worker.differences().isEmpty()
                && worker.request().port() != null
                && worker.request().port() != 0
                && !worker.request().port().equals(worker.stored().port());
        if (moves) {
          portProblem(worker).ifPresent(problems::add);
        }
        continue;
      }
      DaemonProcesses.Liveness stuck = DaemonProcesses.liveness(worker.home());
      if (stuck.inUse()) {
        problems.add(
            worker.alias()
                + ": "
                + worker.home()
                + " is locked by a daemon ("
                + DaemonProcesses.describePid(stuck)
                + ") that does not answer /health; stop it with `spl daemon stop --home "
                + worker.home()
                + "` (log: "
                + new HomeLayout(worker.home()).logFile()
                + ")");
        continue;
      }
      portProblem(worker).ifPresent(problems::add);
    }
    if (!problems.isEmpty()) {
      throw CliException.failure("cannot start the fleet:\n  " + String.join("\n  ", problems));
    }

    CoordinatorLaunch launch =
        launchCoordinator(fleet, fleetToken, coordinatorStored, coordinatorDifferences, out);
    // Workers start beside the coordinator when its URL is known before it answers (it runs, or
    // listens on a fixed port): daemon start-up, not waiting, is most of a fleet start.
    WorkerStarts workerStarts =
        launch.expectedUrl() == null
            ? null
            : startWorkers(planned, launch.expectedUrl(), fleetToken, launch.started());
    Member coordinator;
    try {
      coordinator = awaitCoordinator(launch, deadline, out);
    } catch (CliException e) {
      if (workerStarts != null && !workerStarts.spawned().isEmpty()) {
        // Workers of a coordinator that never came up would only beat into the void.
        stopQuietly(workerStarts.spawnedPlans());
      }
      throw e;
    }
    String coordinatorUrl = coordinator.running().url();
    if (workerStarts != null && !workerStarts.coordinatorUrl().equals(coordinatorUrl)) {
      // It listens elsewhere than expected (e.g. a bind kept in its home): start them again.
      List<Planned> again = new ArrayList<>();
      for (Planned worker : planned) {
        again.add(
            workerStarts.spawned().containsKey(worker)
                ? new Planned(
                    worker.alias(),
                    worker.home(),
                    worker.index(),
                    worker.stored(),
                    worker.request(),
                    worker.differences(),
                    Optional.empty())
                : worker);
      }
      stopForReconfiguring(workerStarts.spawnedPlans());
      planned = again;
      workerStarts = null;
    }
    if (workerStarts == null) {
      workerStarts = startWorkers(planned, coordinatorUrl, fleetToken, coordinator.started());
    }
    List<Member> members = new ArrayList<>();
    members.add(coordinator);
    members.addAll(workerStarts.alreadyRunning());
    for (Member member : workerStarts.alreadyRunning()) {
      out.println(line(member, "already running"));
    }
    for (var entry : workerStarts.spawned().entrySet()) {
      Planned worker = entry.getKey();
      DaemonProcesses.Running running;
      try {
        running = DaemonProcesses.awaitAnswer(entry.getValue(), remaining(deadline));
      } catch (CliException e) {
        throw CliException.failure(
            worker.alias()
                + " did not come up (log: "
                + entry.getValue().logFile()
                + "): "
                + e.getMessage()
                + "\nthe other instances keep running; stop them with `spl fleet stop --all`");
      }
      boolean reconfigured = workerStarts.restarted().contains(worker);
      Member member =
          new Member(worker.alias(), "worker", worker.home(), running, true, reconfigured);
      members.add(member);
      out.println(
          line(member, reconfigured ? "reconfigured" : "spawned")
              + (worker.differences().isEmpty()
                  ? ""
                  : ": " + SettingsRequest.describe(worker.differences())));
    }
    int expected = members.size();
    out.println("Waiting for fleet convergence (" + expected + " live)...");
    DaemonClient client = new DaemonClient(coordinatorUrl, token, trust);
    FleetSnapshot snapshot = awaitConvergence(client, members, deadline);
    long intervalMillis = snapshot.status().heartbeatIntervalMillis();
    if (heartbeatInterval != null
        && !coordinator.started()
        && intervalMillis != heartbeatInterval.toMillis()) {
      // A coordinator started before its home kept settings: nothing to compare the option with.
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
    if (port != null) {
      checkPort("--port", port);
    }
    if (workerPort != null) {
      checkPort("--worker-port", workerPort);
    }
    int base = workerPort == null ? LocalFleet.DEFAULT_WORKER_PORT : workerPort;
    int coordinatorPort = port == null ? Resolution.DEFAULT_PORT : port;
    if (base != 0) {
      LocalFleet.workerPort(base, workers - 1);
      if ((port != null || workerPort != null)
          && coordinatorPort >= base
          && coordinatorPort < base + workers) {
        throw CliException.badInput(
            "--port: "
                + coordinatorPort
                + " is among the workers' ports ("
                + base
                + ".."
                + (base + workers - 1)
                + "); choose another --port or --worker-port");
      }
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw CliException.badInput(
          tlsCert == null
              ? "--tls-key: given without --tls-cert; give both to serve HTTPS"
              : "--tls-cert: given without --tls-key; give both to serve HTTPS");
    }
    if (repo != null) {
      repo = dev.spl.cli.host.RepoOption.topLevel("--repo", repo);
    }
    tlsCert = tlsCert == null ? null : tlsCert.toAbsolutePath().normalize();
    tlsKey = tlsKey == null ? null : tlsKey.toAbsolutePath().normalize();
    if (timeout.toMillis() < 1) {
      throw CliException.badInput("--timeout: expected more than 0 seconds but found 0");
    }
  }

  private static final String STAND_IN_COORDINATOR_URL =
      "http://127.0.0.1:" + Resolution.DEFAULT_PORT;

  /**
   * Refuses options that do not hold together for one member, with the settings its home keeps, as
   * the core resolves them: before anything starts, naming the member and the option.
   */
  private static void checkResolves(
      String member, Path home, SettingsRequest request, InstanceSettings stored) {
    try {
      request.resolve(stored);
    } catch (IllegalArgumentException e) {
      throw CliException.badInput(
          member
              + ": "
              + e.getMessage()
              + (stored == null
                  ? ""
                  : " (with the settings kept in " + SettingsFile.of(home) + ")"));
    }
  }

  private static void checkPort(String option, int value) {
    if (value < 0 || value > 65_535) {
      throw CliException.badInput(option + ": expected 0..65535 but found " + value);
    }
  }

  /** What this start asks of the coordinator: its role, and the port and interval if given. */
  private SettingsRequest coordinatorRequest() {
    return SettingsRequest.builder()
        .role(Role.COORDINATOR)
        .port(port)
        .heartbeatIntervalMillis(heartbeatInterval == null ? null : heartbeatInterval.toMillis())
        .maxChildren(maxChildren)
        .maxFanoutDepth(maxFanoutDepth)
        .tls(pathText(tlsCert), pathText(tlsKey), caText(), false)
        .build();
  }

  private static String pathText(Path path) {
    return path == null ? null : path.toString();
  }

  /** The CA given ({@code --tls-ca}, {@code SPL_TLS_CA}), kept by every daemon started here. */
  private String caText() {
    Path ca = context.trust().caFile();
    return ca == null ? null : ca.toAbsolutePath().normalize().toString();
  }

  /**
   * What this start asks of worker {@code index}: its place in the fleet, and each option given.
   * The coordinator's URL is not compared: it is the fleet's (see {@link #workerArguments}).
   */
  private SettingsRequest workerRequest(
      String alias, int index, InstanceSettings stored, SortedMap<String, String> labels) {
    return SettingsRequest.builder()
        .role(Role.WORKER)
        .alias(alias)
        .port(workerPort == null ? null : LocalFleet.workerPort(workerPort, index))
        .heartbeatIntervalMillis(heartbeatInterval == null ? null : heartbeatInterval.toMillis())
        .executor(executor == null ? null : ExecutorKind.valueOf(executor.name()))
        .echoDelayMillis(echoDelay == null ? null : echoDelay.toMillis())
        .slots(slots)
        .labels(labels)
        .echoMode(echoMode == null ? null : echoMode.name().toLowerCase(java.util.Locale.ROOT))
        .tls(pathText(tlsCert), pathText(tlsKey), caText(), false)
        .commandTemplate(commandTemplate)
        .repo(repo == null ? null : repo.toString())
        .build();
  }

  /** {@code --tls-cert} and {@code --tls-key} when given, as {@code spl daemon run} options. */
  private List<String> tlsArguments() {
    return tlsCert == null
        ? List.of()
        : List.of("--tls-cert", tlsCert.toString(), "--tls-key", tlsKey.toString());
  }

  /** Null when the worker's port is free, else the problem. */
  private Optional<String> portProblem(Planned worker) {
    String busy = LocalFleet.portProblem(worker.port());
    return busy == null
        ? Optional.empty()
        : Optional.of(
            worker.alias()
                + ": "
                + busy
                + "; choose other ports with --worker-port (0 = any free port)");
  }

  /** The workers found running, and those spawned (restarted or new) but not yet answering. */
  private record WorkerStarts(
      String coordinatorUrl,
      List<Member> alreadyRunning,
      Map<Planned, DaemonProcesses.Spawned> spawned,
      List<Planned> restarted) {
    List<Planned> spawnedPlans() {
      return List.copyOf(spawned.keySet());
    }
  }

  /**
   * Checks that the running workers are this coordinator's, restarts those whose settings change
   * and spawns the missing ones, without waiting for them to answer.
   */
  private WorkerStarts startWorkers(
      List<Planned> planned,
      String coordinatorUrl,
      Resolution.Token fleetToken,
      boolean coordinatorStarted) {
    List<Member> alreadyRunning = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<Planned> toRestart = new ArrayList<>();
    List<Planned> toStart = new ArrayList<>();
    for (Planned worker : planned) {
      if (worker.running().isEmpty()) {
        toStart.add(worker);
        continue;
      }
      DaemonProcesses.Running running = worker.running().get();
      LocalFleet.Identity identity = LocalFleet.identify(running.health(), running.pid());
      if (!identity.isWorkerOf(coordinatorUrl)) {
        problems.add(
            worker.alias()
                + ": "
                + worker.home()
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
                + worker.home()
                + "`");
      } else if (!worker.differences().isEmpty()) {
        toRestart.add(worker);
      } else {
        alreadyRunning.add(
            new Member(worker.alias(), "worker", worker.home(), running, false, false));
      }
    }
    if (!problems.isEmpty()) {
      throw CliException.failure(
          "cannot start the fleet:\n  "
              + String.join("\n  ", problems)
              + (coordinatorStarted
                  ? "\nthe coordinator keeps running; stop it with `spl fleet stop --all`"
                  : ""));
    }
    stopForReconfiguring(toRestart);

    Map<Planned, DaemonProcesses.Spawned> spawned = new LinkedHashMap<>();
    List<Planned> spawning = new ArrayList<>(toRestart);
    spawning.addAll(toStart);
    for (Planned worker : spawning) {
      // The coordinator's URL is the fleet's, not the user's: a worker kept with another one
      // (a coordinator on port 0 comes back on a new port) takes the new one, and records it.
      boolean managedChange =
          worker.stored() != null && !coordinatorUrl.equals(worker.stored().coordinatorUrl());
      spawned.put(
          worker,
          DaemonProcesses.spawn(
              new DaemonProcesses.Spec(
                  worker.home(),
                  worker.stored() == null || worker.request().port() != null ? worker.port() : null,
                  null,
                  null,
                  workerToken(fleetToken, worker.home()),
                  workerArguments(
                      worker, coordinatorUrl, !worker.differences().isEmpty() || managedChange),
                  trust),
              context.env()));
    }
    return new WorkerStarts(coordinatorUrl, alreadyRunning, spawned, toRestart);
  }

  /** Stops workers started for a fleet that could not start, keeping the first error. */
  private void stopQuietly(List<Planned> workers) {
    try {
      stopForReconfiguring(workers);
    } catch (CliException ignored) {
      // The coordinator's error is the one to report; `spl fleet stop --all` stops what is left.
    }
  }

  /** Stops the running workers that are restarted with new settings, together. */
  private void stopForReconfiguring(List<Planned> workers) {
    List<CompletableFuture<DaemonProcesses.StopResult>> stops = new ArrayList<>();
    for (Planned worker : workers) {
      stops.add(
          CompletableFuture.supplyAsync(
              () -> DaemonProcesses.stop(worker.home(), Duration.ofSeconds(30), false)));
    }
    for (int i = 0; i < workers.size(); i++) {
      DaemonProcesses.StopResult result = stops.get(i).join();
      if (result.outcome() == DaemonProcesses.StopOutcome.STILL_RUNNING) {
        throw CliException.failure(
            "cannot reconfigure "
                + workers.get(i).alias()
                + ": it (pid "
                + result.pid()
                + ") "
                + result.detail()
                + "; stop it with `spl fleet stop --instance "
                + workers.get(i).alias()
                + " --force` and start the fleet again");
      }
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
    if (DaemonProcesses.find(home, null, trust).isPresent()) {
      context
          .err()
          .println(
              "spl: note: the coordinator at "
                  + home
                  + " runs without a token, so its workers do too; to protect the fleet, stop it"
                  + " (`spl fleet stop --all`) and start it again");
      return null;
    }
    if (DaemonProcesses.inUse(home)) {
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

  /**
   * The home's coordinator if one answers (restarted with the new settings when they differ and
   * {@code --reconfigure} was given); else a new one on {@code --port}.
   */
  private CoordinatorLaunch launchCoordinator(
      LocalFleet fleet,
      Resolution.Token fleetToken,
      InstanceSettings stored,
      List<SettingsRequest.Difference> differences,
      PrintStream out) {
    Path home = fleet.home();
    String token = fleetToken == null ? null : fleetToken.value();
    Optional<DaemonProcesses.Running> existing = DaemonProcesses.find(home, token, trust);
    Integer restartPort = null;
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
      if (differences.isEmpty()) {
        Member member =
            new Member(
                LocalFleet.COORDINATOR_ALIAS, "coordinator", home, existing.get(), false, false);
        out.println(line(member, "already running"));
        return new CoordinatorLaunch(member, null, false, differences, existing.get().url());
      }
      // Reconfigured on the port it listens on, unless another is asked for: its workers know it
      // by its URL.
      if (port == null) {
        restartPort = Integer.valueOf(DaemonCommand.portOf(existing.get().url()));
      }
      DaemonProcesses.StopResult stopped =
          DaemonProcesses.stop(home, Duration.ofSeconds(30), false);
      if (stopped.outcome() == DaemonProcesses.StopOutcome.STILL_RUNNING) {
        throw CliException.failure(
            "cannot reconfigure the coordinator: it (pid "
                + stopped.pid()
                + ") "
                + stopped.detail()
                + "; stop it with `spl fleet stop --all --force` and start the fleet again");
      }
    } else {
      DaemonProcesses.Liveness stuck = DaemonProcesses.liveness(home);
      if (stuck.inUse()) {
        throw CliException.unavailable(
            "a daemon process ("
                + DaemonProcesses.describePid(stuck)
                + ") holds "
                + home
                + " but does not answer /health; stop it with `spl daemon stop --home "
                + home
                + "` (see "
                + new HomeLayout(home).logFile()
                + ")");
      }
    }
    // The port passed on: the one asked for, the one it listens on when reconfigured, the default
    // on a first start; none when the home keeps one.
    Integer spawnPort = port;
    if (spawnPort == null) {
      spawnPort =
          restartPort != null ? restartPort : stored == null ? Resolution.DEFAULT_PORT : null;
    }
    int effectivePort = spawnPort != null ? spawnPort : stored.port();
    if (restartPort == null) {
      String busy = LocalFleet.portProblem(effectivePort);
      if (busy != null) {
        throw CliException.failure(
            "coordinator: "
                + busy
                + "; choose another with --port (0 = any free port), or point --home at the home"
                + " of the daemon using it");
      }
    }
    List<String> args = new ArrayList<>(List.of("--role", "coordinator"));
    if (heartbeatInterval != null) {
      args.add("--heartbeat-interval");
      args.add(DaemonRunOptions.seconds(heartbeatInterval));
    }
    if (maxChildren != null) {
      args.addAll(List.of("--max-children", maxChildren.toString()));
    }
    if (maxFanoutDepth != null) {
      args.addAll(List.of("--max-fanout-depth", maxFanoutDepth.toString()));
    }
    args.addAll(tlsArguments());
    if (!differences.isEmpty() || restartPort != null) {
      args.add("--reconfigure");
    }
    DaemonProcesses.Spawned spawned =
        DaemonProcesses.spawn(
            new DaemonProcesses.Spec(home, spawnPort, null, null, fleetToken, args, trust),
            context.env());
    String bind = stored == null ? InstanceSettings.DEFAULT_BIND : stored.bind();
    boolean https = tlsCert != null || (stored != null && stored.servesTls());
    // The URL it writes to its endpoint file once it listens, when that is known now.
    String expectedUrl =
        effectivePort != 0 && InstanceSettings.DEFAULT_BIND.equals(bind)
            ? (https ? "https://" : "http://") + bind + ":" + effectivePort
            : null;
    return new CoordinatorLaunch(null, spawned, existing.isPresent(), differences, expectedUrl);
  }

  /**
   * The coordinator as {@link #launchCoordinator} left it: running already ({@code running}), or
   * spawned and not yet answering; {@code expectedUrl} is null when its URL is known only once it
   * listens (port 0, or a bind kept in its home).
   */
  private record CoordinatorLaunch(
      Member running,
      DaemonProcesses.Spawned spawned,
      boolean reconfigured,
      List<SettingsRequest.Difference> differences,
      String expectedUrl) {
    boolean started() {
      return spawned != null;
    }
  }

  /** Waits for a spawned coordinator to answer. */
  private Member awaitCoordinator(CoordinatorLaunch launch, long deadline, PrintStream out) {
    if (launch.running() != null) {
      return launch.running();
    }
    DaemonProcesses.Spawned spawned = launch.spawned();
    DaemonProcesses.Running running;
    try {
      running = DaemonProcesses.awaitAnswer(spawned, remaining(deadline));
    } catch (CliException e) {
      throw CliException.failure(
          "the coordinator did not come up (log: " + spawned.logFile() + "): " + e.getMessage());
    }
    Member member =
        new Member(
            LocalFleet.COORDINATOR_ALIAS,
            "coordinator",
            spawned.spec().home(),
            running,
            true,
            launch.reconfigured());
    out.println(
        line(member, launch.reconfigured() ? "reconfigured" : "spawned")
            + (launch.differences().isEmpty()
                ? ""
                : ": " + SettingsRequest.describe(launch.differences())));
    return member;
  }

  /**
   * The {@code spl daemon run} options of a worker: its place in the fleet, and the options given.
   * What is not given comes from the settings kept in its home (or the defaults on a first start),
   * so a restart runs the worker as it ran before. {@code reconfigure} when its settings change:
   * options the user asked to change, or the fleet's coordinator URL.
   */
  List<String> workerArguments(Planned worker, String coordinatorUrl, boolean reconfigure) {
    SettingsRequest request = worker.request();
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of("--role", "worker", "--alias", worker.alias(), "--coordinator", coordinatorUrl));
    if (request.executor() != null) {
      args.addAll(List.of("--executor", request.executor().wire()));
    }
    if (request.commandTemplate() != null) {
      args.addAll(List.of("--command-template", request.commandTemplate()));
    }
    if (request.echoDelayMillis() != null) {
      args.addAll(List.of("--echo-delay", InstanceSettings.seconds(request.echoDelayMillis())));
    }
    if (echoMode != null) {
      args.addAll(List.of("--echo-mode", echoMode.name().toLowerCase(java.util.Locale.ROOT)));
    }
    if (request.slots() != null) {
      args.addAll(List.of("--slots", request.slots().toString()));
    }
    if (request.heartbeatIntervalMillis() != null) {
      args.addAll(
          List.of(
              "--heartbeat-interval", InstanceSettings.seconds(request.heartbeatIntervalMillis())));
    }
    if (request.labels() != null) {
      request.labels().forEach((key, value) -> args.addAll(List.of("--label", key + "=" + value)));
    }
    args.addAll(tlsArguments());
    if (request.repo() != null) {
      args.addAll(List.of("--repo", request.repo()));
    }
    if (reconfigure) {
      args.add("--reconfigure");
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
      entry.put("reconfigured", member.reconfigured());
    }
    node.set("status", snapshot.raw());
    return node;
  }
}
