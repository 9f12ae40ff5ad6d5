package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.cli.text.Table;
import dev.spl.cli.text.Terminal;
import dev.spl.core.Json;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl fleet}: start, inspect and stop a coordinator and its workers. */
@Command(
    name = "fleet",
    description = "Start, inspect and stop a fleet: one coordinator and its workers.")
public final class FleetCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "start",
          FleetStart.class,
          "list",
          FleetCommand.ListCommand.class,
          "show",
          FleetCommand.Show.class,
          "ping",
          FleetCommand.Ping.class,
          "status",
          FleetCommand.Status.class,
          "stop",
          FleetStop.class,
          "reset",
          FleetReset.class,
          "forget",
          FleetForget.class);

  /** The coordinator's fleet status, with a message naming the URL when it cannot be had. */
  static FleetSnapshot fetch(CliContext context) {
    Resolution.Endpoint endpoint = context.resolvedEndpoint();
    if (!endpoint.serving()) {
      throw CliException.unavailable(
          "cannot reach the fleet coordinator: "
              + endpoint.notServing()
              + "; start a fleet with `spl fleet start`, or name a coordinator with --url");
    }
    return fetch(context.client(endpoint.url()), endpoint.source());
  }

  static FleetSnapshot fetch(DaemonClient client, String source) {
    JsonNode json;
    try {
      json = client.get("/v1/fleet/status");
    } catch (CliException e) {
      if (e.exitCode() == ExitCodes.UNAVAILABLE) {
        throw new CliException(
            ExitCodes.UNAVAILABLE,
            "cannot reach the fleet coordinator at "
                + client.baseUrl()
                + " (url from "
                + source
                + "): "
                + e.getMessage().replace("; start one with `spl daemon start`", "")
                + "; start a fleet with `spl fleet start`",
            e);
      }
      if (e.getMessage().startsWith("ROUTE_NOT_FOUND")) {
        throw new CliException(
            ExitCodes.UNAVAILABLE,
            "the daemon at "
                + client.baseUrl()
                + " (url from "
                + source
                + ") does not serve the fleet status: is it a coordinator? ("
                + e.getMessage()
                + ")",
            e);
      }
      throw e;
    }
    return FleetSnapshot.parse(json, client.baseUrl() + "/v1/fleet/status");
  }

  @Command(
      name = "list",
      description = "List the instances the coordinator knows, with status and health.")
  static final class ListCommand implements Callable<Integer> {
    private final CliContext context;

    ListCommand(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      FleetSnapshot snapshot = fetch(context);
      if (context.json()) {
        context.printJson(snapshot.raw());
      } else {
        FleetText.list(context.out(), snapshot);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "show",
      description = "Show one instance in detail: dispatches, free slots, records, last heartbeat.")
  static final class Show implements Callable<Integer> {
    private final CliContext context;

    @Parameters(
        paramLabel = "DID|ALIAS",
        description = "The instance: its DID, a unique start of it, or its alias (worker-a).")
    String name;

    Show(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      FleetSnapshot snapshot = fetch(context);
      InstanceView view =
          snapshot
              .find(name)
              .orElseThrow(
                  () ->
                      CliException.badInput(
                          "no instance '"
                              + name
                              + "' in the fleet of "
                              + snapshot.status().coordinatorUrl()
                              + "; known: "
                              + known(snapshot)));
      JsonNode health =
          view.status() == InstanceStatus.ARCHIVED
              ? null
              : context.client(view.endpoint()).healthOrNull(2_000);
      if (context.json()) {
        ObjectNode node = view.toJson();
        if (health != null) {
          node.set("instance_health", health);
          node.set("records", health.get("records"));
        } else {
          node.putNull("records");
        }
        context.printJson(node);
        return ExitCodes.OK;
      }
      String records =
          health != null
              ? health.path("records").asText("-")
              : view.status() == InstanceStatus.ARCHIVED
                  ? "- (archived: not asked)"
                  : "- (" + view.endpoint() + " does not answer /health)";
      FleetText.show(context.out(), view, records);
      return ExitCodes.OK;
    }

    private static String known(FleetSnapshot snapshot) {
      List<String> names = new ArrayList<>();
      for (InstanceView view : snapshot.instances()) {
        names.add(FleetText.name(view) + " (" + view.did() + ")");
      }
      return names.isEmpty() ? "none" : String.join(", ", names);
    }
  }

  @Command(
      name = "ping",
      description =
          "Ask every registered instance's /health and print the round-trip time. Exit 1 when a"
              + " live instance does not answer.")
  static final class Ping implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--timeout",
        paramLabel = "SECS",
        converter = DaemonRunOptions.SecondsConverter.class,
        description = "How long to wait for each answer (default 2).")
    Duration timeout = Duration.ofSeconds(2);

    Ping(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (timeout.toMillis() < 1) {
        throw CliException.badInput("--timeout: expected more than 0 seconds but found 0");
      }
      FleetSnapshot snapshot = fetch(context);
      List<String[]> rows = new ArrayList<>();
      ArrayNode json = Json.MAPPER.createArrayNode();
      int liveFailures = 0;
      for (InstanceView view : snapshot.instances()) {
        long started = System.nanoTime();
        String error = null;
        JsonNode health = null;
        try {
          health = pingOnce(view.endpoint(), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        } catch (CliException e) {
          error = e.getMessage();
        }
        double millis = (System.nanoTime() - started) / 1e6;
        if (health != null && !view.did().equals(health.path("did").asText())) {
          error = "answered as " + health.path("did").asText("(no did)") + ", not " + view.did();
        }
        if (error != null && view.status() == InstanceStatus.LIVE) {
          liveFailures++;
        }
        ObjectNode entry = json.addObject();
        entry.put("did", view.did());
        entry.put("alias", view.alias());
        entry.put("endpoint", view.endpoint());
        entry.put("status", view.status().wire());
        entry.put("ok", error == null);
        if (error == null) {
          entry.put("rtt_ms", Math.round(millis * 100) / 100.0);
        } else {
          entry.put("error", error);
        }
        rows.add(
            new String[] {
              FleetText.name(view),
              view.did(),
              view.endpoint(),
              view.status().wire(),
              error == null ? String.format(Locale.ROOT, "%.1f ms", millis) : "no answer",
              error == null ? "ok" : error
            });
      }
      if (context.json()) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("coordinator_url", snapshot.status().coordinatorUrl());
        node.set("instances", json);
        context.printJson(node);
      } else if (rows.isEmpty()) {
        context
            .out()
            .println("no instances have registered with " + snapshot.status().coordinatorUrl());
      } else {
        Table.print(
            context.out(), List.of("INSTANCE", "DID", "ENDPOINT", "STATUS", "RTT", "RESULT"), rows);
      }
      if (liveFailures > 0) {
        throw CliException.failure(liveFailures + " live instance(s) did not answer");
      }
      return ExitCodes.OK;
    }

    private JsonNode pingOnce(String endpoint, int timeoutMillis) {
      return context
          .client(Resolution.normalizeUrl(endpoint, "instance endpoint"))
          .get("/health", timeoutMillis);
    }
  }

  @Command(
      name = "status",
      description =
          "Coordinator, heartbeat interval, counts, freezes, emergency stop, pending fan-outs,"
              + " load per instance and the children each worker runs.")
  static final class Status implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--live",
        description =
            "Refresh until Ctrl-C: in place on a terminal, else one snapshot after another.")
    boolean live;

    @Option(
        names = "--interval",
        paramLabel = "SECS",
        converter = DaemonRunOptions.SecondsConverter.class,
        description = "Seconds between refreshes with --live (default 1).")
    Duration interval;

    @Option(
        names = "--count",
        paramLabel = "N",
        description = "With --live: stop after N snapshots (default: until Ctrl-C).")
    Integer count;

    Status(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (!live && (interval != null || count != null)) {
        throw CliException.badInput(
            (interval != null ? "--interval" : "--count") + ": only applies with --live");
      }
      if (interval != null && interval.toMillis() < 100) {
        throw CliException.badInput(
            "--interval: expected at least 0.1 seconds but found "
                + DaemonRunOptions.seconds(interval));
      }
      if (count != null && count < 1) {
        throw CliException.badInput("--count: expected at least 1 but found " + count);
      }
      if (!live) {
        print(fetch(context), false);
        return ExitCodes.OK;
      }
      return new LiveView(context, interval == null ? Duration.ofSeconds(1) : interval, count)
          .run(this::print, Terminal.interactive() && !context.json());
    }

    private void print(FleetSnapshot snapshot, boolean compact) {
      RunningChildren running = RunningChildren.fetch(snapshot, context.client(), context.token());
      if (context.json()) {
        ObjectNode node = snapshot.raw().deepCopy();
        node.set("running_children", running.toJson(snapshot));
        if (compact) {
          context.out().println(node.toString());
        } else {
          context.printJson(node);
        }
      } else {
        FleetText.status(context.out(), snapshot, running);
      }
    }
  }

  /**
   * {@code spl fleet status --live}: on a terminal, redraws in place (cursor hidden, restored on
   * exit, also on Ctrl-C through a shutdown hook); otherwise prints one snapshot after another,
   * each headed by the time it was taken (JSON: one object per line).
   */
  static final class LiveView {
    private static final String CLEAR_HOME = "\033[H\033[2J";
    private static final String HIDE_CURSOR = "\033[?25l";
    private static final String SHOW_CURSOR = "\033[?25h";

    interface Printer {
      void print(FleetSnapshot snapshot, boolean compact);
    }

    private final CliContext context;
    private final Duration interval;
    private final Integer count;

    LiveView(CliContext context, Duration interval, Integer count) {
      this.context = context;
      this.interval = interval;
      this.count = count;
    }

    /**
     * {@code terminal}: redraw in place with ANSI sequences rather than print one after another.
     */
    int run(Printer printer, boolean terminal) {
      PrintStream out = context.out();
      // The first snapshot must work: a wrong URL is an error, not an endless stream of them.
      FleetSnapshot first = fetch(context);
      Thread restore = null;
      if (terminal) {
        restore = new Thread(() -> restoreTerminal(out), "spl-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restore);
        out.print(HIDE_CURSOR);
      }
      try {
        FleetSnapshot snapshot = first;
        for (int shown = 0; count == null || shown < count; shown++) {
          if (shown > 0) {
            sleep(interval);
            try {
              snapshot = fetch(context);
            } catch (CliException e) {
              snapshot = null;
              frame(terminal, out);
              out.println("spl: " + e.getMessage());
              out.flush();
              continue;
            }
          }
          frame(terminal, out);
          printer.print(snapshot, true);
          if (terminal) {
            out.println();
            out.println(
                "refreshing every " + DaemonRunOptions.seconds(interval) + "s · Ctrl-C to quit");
          }
          out.flush();
        }
      } finally {
        if (restore != null) {
          restoreTerminal(out);
          try {
            Runtime.getRuntime().removeShutdownHook(restore);
          } catch (IllegalStateException shuttingDown) {
            // The hook is running or will run: it restores the terminal as well.
          }
        }
      }
      return ExitCodes.OK;
    }

    private void frame(boolean terminal, PrintStream out) {
      if (terminal) {
        out.print(CLEAR_HOME);
      } else if (!context.json()) {
        out.println("--- " + Instant.now().truncatedTo(ChronoUnit.MILLIS) + " ---");
      }
    }

    private static void restoreTerminal(PrintStream out) {
      out.print(SHOW_CURSOR);
      out.flush();
    }

    private static void sleep(Duration duration) {
      try {
        Thread.sleep(duration.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.failure("interrupted");
      }
    }
  }
}
