package dev.spl.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.text.Formats;
import dev.spl.cli.text.Table;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.fleet.FleetStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Labels;
import dev.spl.core.fleet.Role;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The text forms of the fleet commands. Pure: a snapshot in, lines out. */
final class FleetText {
  private FleetText() {}

  /** {@code spl fleet list}: one row per instance, then the counts. */
  static void list(PrintStream out, FleetSnapshot snapshot) {
    List<String[]> rows = new ArrayList<>();
    for (InstanceView view : snapshot.instances()) {
      rows.add(
          new String[] {
            view.did(),
            view.endpoint(),
            view.statusText(),
            view.version(),
            view.uptimeText(),
            view.health().wire(),
            executor(view),
            view.role() == Role.WORKER ? Integer.toString(view.slots()) : "-",
            name(view)
          });
    }
    if (rows.isEmpty()) {
      out.println("no instances have registered with " + coordinatorOf(snapshot));
    } else {
      Table.print(
          out,
          List.of(
              "DID",
              "ENDPOINT",
              "STATUS",
              "VERSION",
              "UPTIME",
              "HEALTH",
              "EXECUTOR",
              "SLOTS",
              "ALIAS"),
          rows);
    }
    out.println(snapshot.status().counts().summary());
  }

  /** {@code spl fleet show}: one instance in detail; {@code records} is null when unknown. */
  static void show(PrintStream out, InstanceView view, String records) {
    out.println(name(view) + "  " + view.did());
    line(out, "role", view.role().wire());
    line(out, "endpoint", view.endpoint());
    line(
        out,
        "status",
        view.statusText() + " (last heartbeat " + ago(view.lastHeartbeatAgeMillis()) + ")");
    if (view.unreachable() != null) {
      line(out, "unreachable", view.unreachable());
    }
    line(out, "health", view.health().wire());
    line(out, "version", view.version());
    line(
        out,
        "uptime",
        view.uptimeText()
            + (view.startedAt() > 0
                ? " (started " + Instant.ofEpochMilli(view.startedAt()) + ")"
                : ""));
    if (view.role() == Role.WORKER) {
      line(out, "executor", executor(view));
    }
    line(out, "dispatches", view.active() + " active");
    line(out, "slots", view.freeSlots() + " free of " + view.slots());
    line(out, "labels", Labels.describe(view.labels()));
    line(out, "records", records);
    line(
        out,
        "last heartbeat",
        (view.lastHeartbeatAt() > 0 ? Instant.ofEpochMilli(view.lastHeartbeatAt()) + ", " : "")
            + ago(view.lastHeartbeatAgeMillis()));
  }

  /** Running children listed per instance; more are counted, not listed. */
  static final int RUNNING_LISTED_PER_INSTANCE = 20;

  /** {@code spl fleet status} without asking the workers for their children. */
  static void status(PrintStream out, FleetSnapshot snapshot) {
    status(out, snapshot, RunningChildren.NONE);
  }

  /**
   * {@code spl fleet status}: where the coordinator is, counts, control state, load, and each
   * worker's running children.
   */
  static void status(PrintStream out, FleetSnapshot snapshot, RunningChildren running) {
    FleetStatus status = snapshot.status();
    out.println("Fleet status");
    line(out, "coordinator", coordinatorOf(snapshot));
    line(out, "heartbeat", "every " + seconds(status.heartbeatIntervalMillis()) + "s");
    line(out, "instances", status.counts().summary());
    if (status.freezes().isEmpty()) {
      line(out, "active freezes", "none");
    } else {
      line(out, "active freezes", Integer.toString(status.freezes().size()));
      for (Freeze freeze : status.freezes()) {
        out.println("    " + freezeLine(freeze));
      }
    }
    line(out, "emergency stop", emergency(status.emergency()));
    line(out, "refused writes", refusals(snapshot.raw().path("refusals")));
    limits(out, snapshot);
    pending(out, snapshot);
    out.println("  load");
    if (status.instances().isEmpty()) {
      out.println("    (no instances registered)");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    for (InstanceView view : status.instances()) {
      rows.add(
          new String[] {
            name(view),
            view.role().wire(),
            view.statusText(),
            view.health().wire(),
            Integer.toString(view.active()),
            view.slots() == 0 ? "-" : view.freeSlots() + "/" + view.slots(),
            ago(view.lastHeartbeatAgeMillis()),
            executor(view)
          });
    }
    indented(
        out,
        List.of("INSTANCE", "ROLE", "STATUS", "HEALTH", "ACTIVE", "FREE", "HEARTBEAT", "EXECUTOR"),
        rows);
    for (InstanceView view : status.instances()) {
      if (view.unreachable() != null) {
        out.println(
            "    "
                + name(view)
                + " is unreachable at "
                + view.endpoint()
                + ": "
                + view.unreachable());
      }
    }
    if (running != RunningChildren.NONE) {
      running(out, status, running);
    }
  }

  /**
   * The coordinator's refusals since it started: {@code none}, or the total and the count per rule
   * ({@code 3 (NOT_SPAWNED_ON_SIGNER 2, UNKNOWN_SIGNER 1)}); {@code -} from a coordinator too old
   * to count them.
   */
  static String refusals(JsonNode refusals) {
    if (!refusals.isObject()) {
      return "-";
    }
    long total = refusals.path("total").asLong();
    if (total == 0) {
      return "none";
    }
    List<String> rules = new ArrayList<>();
    refusals
        .path("by_rule")
        .fields()
        .forEachRemaining(rule -> rules.add(rule.getKey() + " " + rule.getValue().asLong()));
    return total + " (" + String.join(", ", rules) + "); see docs/security.md";
  }

  private static void running(PrintStream out, FleetStatus status, RunningChildren running) {
    List<String[]> rows = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (InstanceView view : status.instances()) {
      List<RunningChildren.Child> children = running.children().getOrDefault(view.did(), List.of());
      for (int i = 0; i < Math.min(children.size(), RUNNING_LISTED_PER_INSTANCE); i++) {
        RunningChildren.Child child = children.get(i);
        rows.add(
            new String[] {
              name(view),
              child.task(),
              Integer.toString(child.index()),
              Integer.toString(child.attempt()),
              Formats.seconds(child.elapsedMillis() / 1000.0),
              Formats.usd4(child.spentUsd()),
              child.goal()
            });
      }
      if (children.size() > RUNNING_LISTED_PER_INSTANCE) {
        rows.add(
            new String[] {
              name(view),
              "... " + (children.size() - RUNNING_LISTED_PER_INSTANCE) + " more",
              "",
              "",
              "",
              "",
              ""
            });
      }
      String problem = running.problems().get(view.did());
      if (problem != null) {
        problems.add(name(view) + ": " + problem);
      }
    }
    if (rows.isEmpty()) {
      line(out, "running children", "none");
    } else {
      out.println("  running children");
      indented(
          out, List.of("INSTANCE", "TASK", "SUBTASK", "ATTEMPT", "ELAPSED", "SPENT", "GOAL"), rows);
    }
    for (String problem : problems) {
      out.println("    (" + problem + ")");
    }
  }

  static String freezeLine(Freeze freeze) {
    StringBuilder sb = new StringBuilder();
    sb.append('[').append(freeze.level().wire()).append("] ").append(freeze.namespace());
    if (!freeze.reason().isEmpty()) {
      sb.append(" — ").append(freeze.reason());
    }
    List<String> details = new ArrayList<>();
    if (!freeze.issuedBy().isEmpty()) {
      details.add("by " + freeze.issuedBy());
    }
    if (freeze.issuedAt() >= 0) {
      details.add("at " + Instant.ofEpochMilli(freeze.issuedAt()));
    }
    if (freeze.hardDeadlineMillis() != Long.MAX_VALUE) {
      details.add("in-flight work stops at " + Instant.ofEpochMilli(freeze.hardDeadlineMillis()));
    }
    if (!details.isEmpty()) {
      sb.append(" (").append(String.join(", ", details)).append(')');
    }
    return sb.toString();
  }

  static String emergency(EmergencyStop stop) {
    if (!stop.active()) {
      if (stop.issuedAt() < 0) {
        return "inactive";
      }
      return "inactive (released"
          + (stop.issuedBy().isEmpty() ? "" : " by " + stop.issuedBy())
          + " at "
          + Instant.ofEpochMilli(stop.issuedAt())
          + ")";
    }
    StringBuilder sb = new StringBuilder("ACTIVE");
    if (!stop.issuedBy().isEmpty()) {
      sb.append(" by ").append(stop.issuedBy());
    }
    if (stop.issuedAt() >= 0) {
      sb.append(" since ").append(Instant.ofEpochMilli(stop.issuedAt()));
    }
    if (!stop.reason().isEmpty()) {
      sb.append(" — ").append(stop.reason());
    }
    return sb.toString();
  }

  /** The coordinator's caps on a fan-out: its children and how deep nested fan-outs go. */
  private static void limits(PrintStream out, FleetSnapshot snapshot) {
    JsonNode fanouts = snapshot.fanouts().orElse(null);
    if (fanouts == null || !fanouts.has("max_fanout_depth")) {
      return;
    }
    line(
        out,
        "fan-out limits",
        "at most "
            + fanouts.path("max_children").asText("?")
            + " children, nested to depth "
            + fanouts.path("max_fanout_depth").asText("?"));
  }

  private static void pending(PrintStream out, FleetSnapshot snapshot) {
    JsonNode fanouts = snapshot.fanouts().orElse(null);
    if (fanouts == null) {
      line(out, "pending fan-outs", "not reported by this coordinator");
      return;
    }
    JsonNode pending = fanouts.path("pending");
    if (pending.isEmpty()) {
      line(out, "pending fan-outs", "none");
      return;
    }
    line(out, "pending fan-outs", Integer.toString(pending.size()));
    List<String[]> rows = new ArrayList<>();
    for (JsonNode entry : pending) {
      int width = entry.path("width").asInt();
      rows.add(
          new String[] {
            entry.path("thread").asText(entry.path("fanout").asText("?")),
            entry.path("namespace").asText("-"),
            entry.path("join").asText("-"),
            entry.path("spawned").asInt() + "/" + width,
            entry.path("completed").asInt() + "/" + width,
            entry.path("frozen").asBoolean() ? "frozen" : ""
          });
    }
    indented(out, List.of("THREAD", "NAMESPACE", "JOIN", "SPAWNED", "COMPLETED", "STATE"), rows);
  }

  private static void indented(PrintStream out, List<String> header, List<String[]> rows) {
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    PrintStream table = new PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8);
    Table.print(table, header, rows);
    for (String row : buffer.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      out.println("    " + row.stripTrailing());
    }
  }

  private static String coordinatorOf(FleetSnapshot snapshot) {
    String url = snapshot.status().coordinatorUrl();
    return url.isEmpty() ? "(unknown)" : url;
  }

  /** A worker's executor, {@code ?} when it does not report one; {@code -} for a coordinator. */
  static String executor(InstanceView view) {
    if (view.role() != Role.WORKER) {
      return "-";
    }
    return view.executor() == null ? "?" : view.executor().wire();
  }

  static String name(InstanceView view) {
    return view.alias().isEmpty() ? view.role().wire() : view.alias();
  }

  /** An age in milliseconds as people read it: {@code 0.4s ago}, {@code 3m05s ago}. */
  static String ago(long millis) {
    if (millis < 60_000) {
      return seconds(Math.max(0, (millis + 50) / 100 * 100)) + "s ago";
    }
    return InstanceView.formatDuration(millis / 1000) + " ago";
  }

  static String seconds(long millis) {
    return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  private static void line(PrintStream out, String label, String value) {
    out.println("  " + String.format("%-17s", label) + (value == null ? "-" : value));
  }
}
