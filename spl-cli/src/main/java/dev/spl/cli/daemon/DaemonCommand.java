package dev.spl.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.client.HomeLayout;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.host.DaemonLogOptions;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.cli.host.ForegroundDaemon;
import dev.spl.cli.host.StoredSettings;
import dev.spl.core.Json;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.Role;
import dev.spl.core.fleet.SettingsRequest;
import dev.spl.core.tls.TlsTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spl daemon}: run one daemon in the foreground, or start, stop and inspect it. */
@Command(name = "daemon", description = "Run, start, stop and inspect the daemon of a home.")
public final class DaemonCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "run",
          DaemonCommand.Run.class,
          "start",
          DaemonCommand.Start.class,
          "stop",
          DaemonCommand.Stop.class,
          "status",
          DaemonCommand.Status.class);

  /**
   * Where a daemon listens; shared by {@code run} and {@code start}. Null means not given: the
   * home's settings, else the default, apply.
   */
  static final class ServeOptions {
    @Option(
        names = "--port",
        paramLabel = "PORT",
        description =
            "Port to listen on; 0 picks a free port (default: as kept in the home, else 9100).")
    Integer port;

    @Option(
        names = "--bind",
        paramLabel = "HOST",
        description =
            "Address to listen on (default: as kept in the home, else 127.0.0.1); any other than"
                + " loopback needs a token, and TLS or --insecure-http.")
    String bind;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        description =
            "Serve HTTPS with this certificate (PEM; the daemon's own first, then its chain);"
                + " needs --tls-key. Kept in the home's settings.json like the other options; every"
                + " start reads the files again, so a restart serves a renewed certificate.")
    Path tlsCert;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        description =
            "The certificate's private key: unencrypted PKCS#8 PEM, readable by its owner only"
                + " (chmod 600).")
    Path tlsKey;

    @Option(
        names = "--insecure-http",
        description =
            "Serve plain HTTP on an address other than loopback: the token and the records cross"
                + " the network unencrypted (logged as a warning).")
    boolean insecureHttp;

    @Option(
        names = "--max-request-bytes",
        paramLabel = "BYTES",
        description =
            "Largest request body accepted; larger ones get 413 (default: as kept in the home, else"
                + " 1 MiB).")
    Long maxRequestBytes;

    void validate() {
      if (port != null && (port < 0 || port > 65_535)) {
        throw CliException.badInput("--port: expected 0..65535 but found " + port);
      }
      if (maxRequestBytes != null && maxRequestBytes < 1) {
        throw CliException.badInput(
            "--max-request-bytes: expected a positive number but found " + maxRequestBytes);
      }
      if (bind != null && bind.isBlank()) {
        throw CliException.badInput("--bind: expected a host address but found nothing");
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw CliException.badInput(
            tlsCert == null
                ? "--tls-key: given without --tls-cert; give both to serve HTTPS"
                : "--tls-cert: given without --tls-key; give both to serve HTTPS");
      }
      if (insecureHttp && tlsCert != null) {
        throw CliException.badInput(
            "--insecure-http: given with --tls-cert, but a daemon serves either HTTPS or plain"
                + " HTTP; drop one");
      }
      tlsCert = tlsCert == null ? null : tlsCert.toAbsolutePath().normalize();
      tlsKey = tlsKey == null ? null : tlsKey.toAbsolutePath().normalize();
    }

    /** {@code request} with the TLS options given, and the CA {@code trust} names, if any. */
    SettingsRequest withTls(SettingsRequest request, TlsTrust trust) {
      Path ca = trust.caFile();
      return request.toBuilder()
          .tls(
              tlsCert == null ? null : tlsCert.toString(),
              tlsKey == null ? null : tlsKey.toString(),
              ca == null ? null : ca.toAbsolutePath().normalize().toString(),
              insecureHttp)
          .build();
    }

    /** The TLS options as {@code spl daemon run} arguments, with absolute paths. */
    List<String> tlsArguments() {
      List<String> args = new ArrayList<>();
      if (tlsCert != null) {
        args.addAll(List.of("--tls-cert", tlsCert.toString(), "--tls-key", tlsKey.toString()));
      }
      if (insecureHttp) {
        args.add("--insecure-http");
      }
      return args;
    }
  }

  @Command(name = "run", description = "Run the daemon in the foreground until SIGTERM or Ctrl-C.")
  static final class Run implements Callable<Integer> {
    private final CliContext context;
    @Mixin ServeOptions serve = new ServeOptions();
    @Mixin DaemonRunOptions runOptions = new DaemonRunOptions();
    @Mixin DaemonLogOptions logOptions = new DaemonLogOptions();

    @Option(
        names = "--log-file",
        paramLabel = "FILE",
        description =
            "Log to FILE, rotated by size (--log-max-size, --log-keep), instead of standard error.")
    Path logFile;

    Run(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      serve.validate();
      runOptions.validate();
      logOptions.validate(logFile != null, "--log-file FILE");
      try {
        return ForegroundDaemon.run(
            context,
            serve.bind,
            serve.port,
            serve.maxRequestBytes,
            new ForegroundDaemon.Tls(serve.tlsCert, serve.tlsKey, serve.insecureHttp),
            runOptions,
            logOptions,
            logFile);
      } catch (NoClassDefFoundError e) {
        throw CliException.failure(
            "the daemon's classes are not on this class path (missing "
                + e.getMessage()
                + "); run the daemon through scripts/spl or with the full class path");
      }
    }
  }

  @Command(
      name = "start",
      description = "Start the daemon in the background; its log goes to <home>/daemon.log.")
  static final class Start implements Callable<Integer> {
    private final CliContext context;
    @Mixin ServeOptions serve = new ServeOptions();
    @Mixin DaemonRunOptions runOptions = new DaemonRunOptions();
    @Mixin DaemonLogOptions logOptions = new DaemonLogOptions();

    @Option(
        names = "--wait",
        paramLabel = "SECS",
        description = "How long to wait for the daemon to answer (default ${DEFAULT-VALUE}).")
    int waitSeconds = 30;

    private Role role = Role.COORDINATOR;

    Start(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      serve.validate();
      runOptions.validate();
      logOptions.validate(true, "--log-file FILE");
      if (waitSeconds < 1) {
        throw CliException.badInput("--wait: expected at least 1 second but found " + waitSeconds);
      }
      var home = context.home();
      InstanceSettings stored = StoredSettings.read(home).orElse(null);
      SettingsRequest request =
          serve.withTls(
              runOptions.request(serve.bind, serve.port, serve.maxRequestBytes), context.trust());
      List<SettingsRequest.Difference> differences = request.differences(stored);
      // Checked here too, so a bad combination is refused before anything is stopped or spawned.
      InstanceSettings settings = StoredSettings.resolve(request, stored);
      role = settings.role();
      // The CA kept in the home verifies a daemon that serves HTTPS when none is given now.
      TlsTrust trust = StoredSettings.trust(context.trust(), settings);
      Optional<DaemonProcesses.Running> existing =
          DaemonProcesses.find(home, context.token(), trust);
      if (existing.isEmpty() && DaemonProcesses.inUse(home)) {
        // The lock is held, so a daemon runs there even though it does not answer (yet): it may
        // still be opening its store. Wait for it rather than start a second one.
        existing =
            DaemonProcesses.awaitHolder(home, context.token(), Duration.ofSeconds(waitSeconds));
        if (existing.isEmpty() && DaemonProcesses.inUse(home)) {
          DaemonProcesses.Liveness liveness = DaemonProcesses.liveness(home);
          throw CliException.unavailable(
              "a daemon process ("
                  + DaemonProcesses.describePid(liveness)
                  + ") holds "
                  + home
                  + " (its lock "
                  + home.resolve("daemon.lock")
                  + " is held) but did not answer /health within "
                  + waitSeconds
                  + " s; stop it with `spl daemon stop --home "
                  + home
                  + "` (see "
                  + new HomeLayout(home).logFile()
                  + ")");
        }
      }
      if (!differences.isEmpty() && !runOptions.reconfigure()) {
        throw StoredSettings.refusal(
            List.of(
                StoredSettings.member(
                    (existing.isPresent() ? "the running daemon of " : "the daemon of ") + home,
                    differences)));
      }
      if (existing.isPresent()) {
        if (differences.isEmpty()) {
          report(existing.get(), true);
          return ExitCodes.OK;
        }
        DaemonProcesses.StopResult stopped =
            DaemonProcesses.stop(home, Duration.ofSeconds(30), false);
        if (stopped.outcome() == DaemonProcesses.StopOutcome.STILL_RUNNING) {
          throw CliException.failure(
              "cannot reconfigure the daemon of "
                  + home
                  + ": it (pid "
                  + stopped.pid()
                  + ") "
                  + stopped.detail()
                  + "; stop it with `spl daemon stop --force --home "
                  + home
                  + "` and start it again");
        }
      }
      List<String> runArguments =
          new ArrayList<>(concat(runOptions.toArguments(), logOptions.toArguments()));
      runArguments.addAll(serve.tlsArguments());
      DaemonProcesses.Spec spec =
          new DaemonProcesses.Spec(
              home,
              serve.port,
              serve.bind,
              serve.maxRequestBytes,
              context.tokenSource(),
              runArguments,
              trust);
      DaemonProcesses.Running started =
          DaemonProcesses.start(spec, context.env(), Duration.ofSeconds(waitSeconds));
      report(started, false);
      if (!differences.isEmpty() && !context.json()) {
        context.out().println("  reconfigured: " + SettingsRequest.describe(differences));
      }
      return ExitCodes.OK;
    }

    private static List<String> concat(List<String> first, List<String> second) {
      List<String> all = new java.util.ArrayList<>(first);
      all.addAll(second);
      return all;
    }

    private void report(DaemonProcesses.Running running, boolean already) {
      var home = context.home();
      if (context.json()) {
        ObjectNode node = statusJson(home.toString(), running);
        node.put("already_running", already);
        context.printJson(node);
        return;
      }
      context
          .out()
          .println(
              (already ? "spl daemon already running" : "spl daemon started")
                  + ": role="
                  + role.wire()
                  + " pid="
                  + (running.pid() == null ? "?" : running.pid())
                  + " port="
                  + portOf(running.url())
                  + " url="
                  + running.url()
                  + " home="
                  + home);
      if (!already) {
        context.out().println("  did " + running.did() + ", log " + new HomeLayout(home).logFile());
      }
    }
  }

  @Command(name = "stop", description = "Stop the home's daemon (SIGTERM) and wait for it to exit.")
  static final class Stop implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--timeout",
        paramLabel = "SECS",
        description = "How long to wait for the daemon to exit (default ${DEFAULT-VALUE}).")
    int timeoutSeconds = 30;

    @Option(
        names = "--force",
        description = "Kill the daemon (SIGKILL) if it has not exited by then.")
    boolean force;

    Stop(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (timeoutSeconds < 1) {
        throw CliException.badInput(
            "--timeout: expected at least 1 second but found " + timeoutSeconds);
      }
      var home = context.home();
      DaemonProcesses.StopResult result =
          DaemonProcesses.stop(home, Duration.ofSeconds(timeoutSeconds), force);
      if (context.json()) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("home", home.toString());
        node.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
        if (result.pid() > 0) {
          node.put("pid", result.pid());
        }
        node.put("detail", result.detail());
        context.printJson(node);
      }
      switch (result.outcome()) {
        case NOT_RUNNING -> {
          if (!context.json()) {
            context.out().println(result.detail() + "; nothing to stop");
          }
          return ExitCodes.OK;
        }
        case STOPPED, KILLED -> {
          if (!context.json()) {
            context
                .out()
                .println("spl daemon (pid " + result.pid() + ") " + result.detail() + ": " + home);
          }
          return ExitCodes.OK;
        }
        default ->
            throw CliException.failure(
                "spl daemon (pid "
                    + result.pid()
                    + ") "
                    + result.detail()
                    + "; retry with --force to kill it");
      }
    }
  }

  @Command(
      name = "status",
      description = "Show whether the daemon runs, with its pid, URL, DID, uptime and records.")
  static final class Status implements Callable<Integer> {
    private final CliContext context;

    Status(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      var home = context.home();
      Resolution.Endpoint endpoint = context.resolvedEndpoint();
      JsonNode health =
          endpoint.serving() ? context.client(endpoint.url()).healthOrNull(2_000) : null;
      DaemonProcesses.Liveness liveness = DaemonProcesses.liveness(home);
      OptionalLong pid = liveness.pid();
      if (health == null && endpoint.serving() && endpoint.url().startsWith("https:")) {
        // An HTTPS daemon that does not answer may be one this client does not trust: asking
        // again, without swallowing the failure, says which (its certificate, the CA used).
        health = context.client(endpoint.url()).get("/health", 2_000);
      }
      if (health == null) {
        if (context.json()) {
          ObjectNode node = Json.MAPPER.createObjectNode();
          node.put("running", false);
          node.put("home", home.toString());
          node.put("url", endpoint.url());
          if (pid.isPresent()) {
            node.put("pid", pid.getAsLong());
          }
          context.printJson(node);
        }
        if (!endpoint.serving()) {
          throw CliException.unavailable(
              endpoint.notServing() + "; start one with `spl daemon start`");
        }
        throw CliException.unavailable(
            "no spl daemon is running: nothing answers at "
                + endpoint.url()
                + " (url from "
                + endpoint.source()
                + ")"
                + (liveness.inUse()
                    ? "; "
                        + DaemonProcesses.describePid(liveness)
                        + " holds the lock of "
                        + home
                        + " but does not answer"
                    : "; start one with `spl daemon start`"));
      }
      DaemonProcesses.Running running =
          new DaemonProcesses.Running(
              pid.isPresent() ? pid.getAsLong() : null, endpoint.url(), health);
      if (context.json()) {
        context.printJson(statusJson(home.toString(), running));
        return ExitCodes.OK;
      }
      var out = context.out();
      out.println("spl daemon running");
      out.println("  pid       " + (running.pid() == null ? "-" : running.pid()));
      out.println("  url       " + running.url());
      out.println("  did       " + health.path("did").asText("-"));
      out.println("  version   " + health.path("version").asText("-"));
      out.println("  uptime    " + formatDuration(health.path("uptime_secs").asLong()));
      out.println("  records   " + health.path("records").asText("-"));
      out.println("  home      " + home);
      return ExitCodes.OK;
    }
  }

  static ObjectNode statusJson(String home, DaemonProcesses.Running running) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("running", true);
    if (running.pid() != null) {
      node.put("pid", running.pid());
    }
    node.put("url", running.url());
    node.put("home", home);
    node.set("health", running.health());
    return node;
  }

  public static String portOf(String url) {
    try {
      int port = new java.net.URI(url).getPort();
      return port < 0 ? "?" : Integer.toString(port);
    } catch (java.net.URISyntaxException e) {
      return "?";
    }
  }

  static String formatDuration(long seconds) {
    long days = seconds / 86_400;
    long hours = seconds % 86_400 / 3_600;
    long minutes = seconds % 3_600 / 60;
    long secs = seconds % 60;
    if (days > 0) {
      return days + "d " + hours + "h " + minutes + "m";
    }
    if (hours > 0) {
      return hours + "h " + minutes + "m " + secs + "s";
    }
    if (minutes > 0) {
      return minutes + "m " + secs + "s";
    }
    return secs + "s";
  }
}
