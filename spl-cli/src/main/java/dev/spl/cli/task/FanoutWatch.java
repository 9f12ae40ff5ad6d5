package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliException;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.fanout.ChildState;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A copy of one fan-out's join status kept current from the coordinator's fan-out routes
 * (docs/api.md, "Fan-outs"): each round reads the counts, and only the children that changed since
 * the last round, never the whole task thread. A round may read the counts alone ({@link
 * #pollCounts}): the children of a wide fan-out are then read once, when they are shown.
 */
final class FanoutWatch {
  /** Children per request: the route's maximum. */
  static final int PAGE = 1000;

  /** Enough for any summary a worker reports; longer ones arrive cut. */
  static final int SUMMARY_CHARS = 65_536;

  private final DaemonClient client;
  private final String fanout;
  private JsonNode summary;
  private JoinStatus.SubtaskStatus[] rows;
  private long epoch = Long.MIN_VALUE;
  private long version;
  // Whether a round has read every child once: the first such round reports no changes.
  private boolean readOnce;

  FanoutWatch(DaemonClient client, String fanout) {
    this.client = client;
    this.fanout = fanout;
  }

  /**
   * Reads the counts and the children changed since the previous call. Returns the children whose
   * line changed (empty on the first call, which reads every child), or null while the coordinator
   * has not folded the fan-out yet or its reconciler is too busy to answer.
   */
  List<JoinStatus.SubtaskStatus> poll() {
    JsonNode latest = read("/v1/fanouts/" + DaemonClient.segment(fanout));
    if (latest == null) {
      return null;
    }
    return pollChildren(latest);
  }

  /**
   * Reads the counts only: {@link #complete}, {@link #progress} and {@link #counters} are current
   * after it, the children are not. Returns false while the coordinator has not folded the fan-out
   * yet or its reconciler is too busy to answer.
   *
   * <p>Each changed child costs the coordinator's loop a read of its last record, so a watch that
   * shows no child lines (a wide fan-out) reads none until it prints the status.
   */
  boolean pollCounts() {
    JsonNode latest = read("/v1/fanouts/" + DaemonClient.segment(fanout));
    if (latest == null) {
      return false;
    }
    summary = latest;
    return true;
  }

  private List<JoinStatus.SubtaskStatus> pollChildren(JsonNode latest) {
    boolean first = !readOnce;
    if (rows == null || latest.path("epoch").asLong() != epoch) {
      // A restarted coordinator numbers its versions anew: read every child again.
      epoch = latest.path("epoch").asLong();
      version = 0;
      rows = new JoinStatus.SubtaskStatus[latest.path("width").asInt()];
    } else if (latest.path("version").asLong() == version) {
      summary = latest;
      return List.of();
    }
    List<JoinStatus.SubtaskStatus> changed = new ArrayList<>();
    long since = version;
    int after = -1;
    while (true) {
      JsonNode page = childrenPage(after, PAGE, since);
      if (page == null) {
        // The rows read so far are kept; the next round reads again from the last version the
        // rounds read completely (all of them after a first round cut short).
        version = since;
        return null;
      }
      if (page.path("epoch").asLong() != epoch) {
        epoch = Long.MIN_VALUE;
        return poll();
      }
      if (after == -1) {
        // Children that change while the pages are read come again next round.
        version = page.path("version").asLong();
        summary = page.path("summary");
      }
      for (JsonNode row : page.path("data")) {
        JoinStatus.SubtaskStatus line = line(row);
        if (line.index() >= 0 && line.index() < rows.length) {
          if (!line.equals(rows[line.index()])) {
            changed.add(line);
          }
          rows[line.index()] = line;
        }
      }
      if (!page.path("has_more").asBoolean()) {
        break;
      }
      after = page.path("next_after").asInt();
    }
    readOnce = true;
    return first ? List.of() : changed;
  }

  /**
   * One route read, or null when the fan-out is not folded yet or the reconciler is too busy to
   * answer in time (a wide fan-out on a loaded machine): nothing new this round.
   */
  private JsonNode read(String path) {
    try {
      return client.get(path);
    } catch (CliException e) {
      if ("FANOUT_NOT_FOUND".equals(e.code()) || busy(e)) {
        return null;
      }
      throw e;
    }
  }

  /** Whether the coordinator answered that its reconciler was too busy to answer in time. */
  static boolean busy(CliException e) {
    return "RECONCILER_BUSY".equals(e.code());
  }

  /**
   * The task's current fan-out as the coordinator lists it ({@link ResultsCommand#listedFanout}),
   * asked again every {@code pauseMillis} while its reconciler is too busy to answer, until {@code
   * deadlineNanos}; then the busy answer is the command's error.
   */
  static Optional<String> listedFanout(
      DaemonClient client, String thread, long deadlineNanos, long pauseMillis)
      throws InterruptedException {
    while (true) {
      try {
        return ResultsCommand.listedFanout(client, thread);
      } catch (CliException e) {
        if (!busy(e) || System.nanoTime() > deadlineNanos) {
          throw e;
        }
      }
      Thread.sleep(pauseMillis);
    }
  }

  boolean complete() {
    return summary != null && summary.path("complete").asBoolean();
  }

  int width() {
    return summary.path("width").asInt();
  }

  /** The counts as the last round read them. */
  JoinCounters counters() {
    return new JoinCounters(
        summary.path("width").asInt(),
        summary.path("completed").asInt(),
        summary.path("accepted").asInt(),
        summary.path("failed").asInt(),
        summary.path("running").asInt());
  }

  String fanout() {
    return fanout;
  }

  String namespace() {
    return summary.path("namespace").asText();
  }

  String progress() {
    return progress(
        summary.path("spawned").asInt(),
        summary.path("completed").asInt(),
        summary.path("width").asInt());
  }

  static String progress(int spawned, int completed, int width) {
    return "spawned " + spawned + "/" + width + " · completed " + completed + "/" + width;
  }

  /** The join status as {@code spl task join-status} prints it, from what was read. */
  JoinStatus status() {
    if (Arrays.asList(rows).contains(null)) {
      throw CliException.failure(
          "the coordinator listed fewer children of fan-out " + fanout + " than its width");
    }
    return status(List.of(rows));
  }

  /** A wide fan-out's status as its text shows it: see {@link #wide}. */
  record Wide(
      JoinStatus status,
      java.util.SortedMap<String, Integer> byState,
      List<JoinStatus.SubtaskStatus> head,
      List<JoinStatus.SubtaskStatus> tail) {

    /** The same, worked out from a status that lists every child. */
    static Wide of(JoinStatus full, int head, int tail) {
      java.util.SortedMap<String, Integer> byState = new java.util.TreeMap<>();
      full.perSubtask().forEach(line -> byState.merge(line.state(), 1, Integer::sum));
      List<JoinStatus.SubtaskStatus> lines = full.perSubtask();
      int n = lines.size();
      return new Wide(full, byState, lines.subList(0, head), lines.subList(n - tail, n));
    }
  }

  /**
   * The status of a fan-out with more than {@code head + tail} children as the text of {@code spl
   * task join-status} shows it: the counts, the children counted by state ({@code by_state}), and
   * only the first {@code head} and the last {@code tail} children, in three requests however wide
   * it is (each child listed costs the coordinator's loop a read of its last record). Null while
   * the coordinator has not folded it or is too busy to answer; {@link JoinStatus#perSubtask} holds
   * the head and tail only.
   */
  Wide wide(int head, int tail) {
    JsonNode latest = read("/v1/fanouts/" + DaemonClient.segment(fanout));
    if (latest == null) {
      return null;
    }
    int width = latest.path("width").asInt();
    if (width <= head + tail) {
      throw new IllegalStateException(
          "expected a fan-out wider than " + (head + tail) + " but found width " + width);
    }
    if (!latest.path("by_state").isObject()) {
      // A coordinator that does not count its children by state: every child is read.
      if (pollChildren(latest) == null) {
        return null;
      }
      return Wide.of(status(), head, tail);
    }
    List<JoinStatus.SubtaskStatus> first = childrenAfter(-1, head);
    List<JoinStatus.SubtaskStatus> last = childrenAfter(width - tail - 1, tail);
    if (first == null || last == null) {
      return null;
    }
    summary = latest;
    java.util.SortedMap<String, Integer> byState = new java.util.TreeMap<>();
    latest
        .path("by_state")
        .fields()
        .forEachRemaining(e -> byState.put(e.getKey(), e.getValue().asInt()));
    List<JoinStatus.SubtaskStatus> listed = new ArrayList<>(first);
    listed.addAll(last);
    return new Wide(status(listed), byState, first, last);
  }

  /**
   * One page of children after index {@code after}, of those changed after version {@code since}
   * when it is above 0; null as {@link #read}.
   */
  private JsonNode childrenPage(int after, int limit, long since) {
    Map<String, Object> query = DaemonClient.query();
    query.put("after", after);
    query.put("limit", limit);
    if (since > 0) {
      query.put("changed_after", since);
    }
    query.put("summary_chars", SUMMARY_CHARS);
    return read(
        DaemonClient.withQuery("/v1/fanouts/" + DaemonClient.segment(fanout) + "/children", query));
  }

  private List<JoinStatus.SubtaskStatus> childrenAfter(int after, int limit) {
    JsonNode page = childrenPage(after, limit, 0);
    if (page == null) {
      return null;
    }
    List<JoinStatus.SubtaskStatus> lines = new ArrayList<>();
    for (JsonNode row : page.path("data")) {
      lines.add(line(row));
    }
    if (lines.size() != limit) {
      throw CliException.failure(
          "the coordinator listed "
              + lines.size()
              + " children of fan-out "
              + fanout
              + " after index "
              + after
              + " but "
              + limit
              + " were expected");
    }
    return lines;
  }

  private JoinStatus status(List<JoinStatus.SubtaskStatus> listed) {
    return new JoinStatus(
        new FanoutRef(
            summary.path("fanout").asText(),
            summary.path("thread").asText(),
            summary.path("namespace").asText()),
        summary.path("width").asInt(),
        summary.path("spawned").asInt(),
        summary.path("completed").asInt(),
        summary.path("join").asText(),
        summary.path("complete").asBoolean(),
        text(summary, "verdict"),
        counters(),
        summary.path("ignored_records").asInt(),
        listed,
        fanin(summary.path("fanin")),
        summary.get("reduced") instanceof com.fasterxml.jackson.databind.node.ObjectNode reduced
            ? reduced
            : null,
        text(summary, "stages"),
        summary.path("spent_usd").isNumber() ? summary.get("spent_usd").decimalValue() : null,
        summary.path("total_budget_usd").isNumber()
            ? summary.get("total_budget_usd").decimalValue()
            : null,
        summary.get("merge") instanceof com.fasterxml.jackson.databind.node.ObjectNode merge
            ? merge
            : null,
        waiting(summary.path("waiting")),
        summary.path("hedged").asInt());
  }

  private static List<JoinStatus.Waiting> waiting(JsonNode array) {
    List<JoinStatus.Waiting> waiting = new ArrayList<>();
    for (JsonNode group : array) {
      waiting.add(
          new JoinStatus.Waiting(
              group.path("reason").asText(),
              group.path("subtasks").asInt(),
              group.path("first_index").asInt()));
    }
    return List.copyOf(waiting);
  }

  private static Fanin fanin(JsonNode node) {
    return new Fanin(
        node.path("status").asText(Fanin.RUNNING),
        node.path("succeeded").asInt(),
        node.path("failed").asInt(),
        node.path("cancelled").asInt(),
        node.path("retried").asInt(),
        node.path("retries").asLong());
  }

  private static JoinStatus.SubtaskStatus line(JsonNode row) {
    JsonNode wall = row.path("wall_time_secs");
    JsonNode cost = row.path("cost_usd");
    ChildState lifecycle;
    try {
      lifecycle = ChildState.valueOf(row.path("lifecycle").asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw CliException.failure(
          "the coordinator returned a child spl cannot read (lifecycle '"
              + row.path("lifecycle").asText()
              + "'): "
              + row);
    }
    return new JoinStatus.SubtaskStatus(
        row.path("index").asInt(-1),
        row.path("goal").asText(),
        row.path("target").asText(),
        text(row, "resolved_target"),
        lifecycle,
        row.path("state").asText(),
        row.path("attempt").asInt(),
        text(row, "worker"),
        row.path("child_thread").asText(),
        cost.isNumber() ? cost.decimalValue() : null,
        wall.isNumber() ? wall.doubleValue() : null,
        row.path("summary").asText(),
        text(row, "interrupted_by"),
        row.path("exit_code").isInt() ? row.get("exit_code").intValue() : null,
        new JoinStatus.Identity(
            row.path("shard").asInt(row.path("index").asInt(-1)),
            row.path("iter_from").asLong(),
            row.path("iter_to").asLong(),
            row.path("idempotency_key").asText()),
        row.path("retries").asInt(),
        row.path("retry_at").asLong(0),
        text(row, "waiting"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? value.textValue() : null;
  }
}
