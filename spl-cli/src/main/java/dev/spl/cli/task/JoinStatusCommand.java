package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.text.Formats;
import dev.spl.core.Json;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinStatus;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl task join-status}: where each subtask of a task's fan-out stands. */
@Command(
    name = "join-status",
    description = "Show the join of a task's fan-out: spawned, completed, each subtask's state.")
final class JoinStatusCommand implements Callable<Integer> {
  /** Fan-outs wider than this show a summary and the first and last rows unless --all. */
  static final int FULL_LISTING_MAX = 20;

  static final int HEAD_ROWS = 10;
  static final int TAIL_ROWS = 5;

  /** Lines of a failed subtask's summary (the tail of its output) shown in text. */
  static final int FAILED_OUTPUT_LINES = 5;

  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(
      names = "--watch",
      description =
          "Poll until the join completes (exit 0 on accept, 1 on reject, partial or cancelled),"
              + " or until a freeze holds everything left (exit 3).")
  boolean watch;

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      description = "With --watch: give up after this many seconds (default: 300), exit 1.")
  double timeoutSecs = 300;

  @Option(
      names = "--interval",
      paramLabel = "SECS",
      description = "With --watch: seconds between polls (default: 0.5).")
  double intervalSecs = 0.5;

  @Option(names = "--all", description = "List every subtask of a wide fan-out.")
  boolean all;

  @Option(
      names = "--tree",
      description =
          "Show the fan-outs the children made themselves too, level by level, with the counts of"
              + " each level.")
  boolean tree;

  JoinStatusCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (timeoutSecs <= 0 || intervalSecs <= 0) {
      throw CliException.badInput(
          (timeoutSecs <= 0 ? "--timeout" : "--interval")
              + ": expected a number of seconds > 0 but found "
              + (timeoutSecs <= 0 ? timeoutSecs : intervalSecs));
    }
    RecordsApi api = new RecordsApi(context.client());
    if (!tree) {
      // The task by one lookup and its fan-out from the coordinator's list and routes, never the
      // task's thread (two records per child: a million-child fan-out's thread is too long to
      // read and fold here). A fan-out the coordinator has not folded yet, or cannot answer for
      // now, is read from the thread.
      Tasks.Task task = Tasks.resolve(api, reference);
      Optional<String> listed = Optional.empty();
      if (watch) {
        listed =
            FanoutWatch.listedFanout(
                context.client(),
                task.thread(),
                System.nanoTime() + (long) (timeoutSecs * 1e9),
                (long) (intervalSecs * 1000));
      } else {
        try {
          listed = ResultsCommand.listedFanout(context.client(), task.thread());
        } catch (CliException e) {
          if (!FanoutWatch.busy(e)) {
            throw e;
          }
        }
      }
      if (listed.isPresent()) {
        if (watch) {
          return watch(api, task.reference(), listed.get(), null);
        }
        FanoutWatch once = new FanoutWatch(context.client(), listed.get());
        if (once.pollCounts()) {
          if (showsHeadAndTail(once)) {
            FanoutWatch.Wide wide = once.wide(HEAD_ROWS, TAIL_ROWS);
            if (wide != null) {
              renderWide(wide, task.reference());
              return ExitCodes.OK;
            }
          } else if (once.poll() != null) {
            print(once.status(), task.reference());
            return ExitCodes.OK;
          }
        }
      }
    }
    TaskFold fold = TaskFold.load(api, reference);
    FanoutState state = fold.requireFanout();
    String task = fold.task().reference();
    if (tree) {
      if (watch) {
        throw CliException.badInput("--tree and --watch: give one of them, not both");
      }
      NestedTree.Node root = NestedTree.load(api, state);
      if (context.json()) {
        context.printJson(NestedTree.toJson(root));
      } else {
        NestedTree.render(context.out(), root, task);
      }
      return ExitCodes.OK;
    }
    if (watch && !state.joinComplete()) {
      return watch(api, task, state.ref().id(), state);
    }
    JoinStatus status =
        state.joinComplete() || !state.routed()
            ? JoinStatus.of(state)
            : JoinStatus.of(state, FleetView.load(api).directory());
    print(status, task);
    if (watch) {
      requireAccepted(task, status);
    }
    return ExitCodes.OK;
  }

  /** The exit of a watch whose join completed: 0 for accept, else 1 naming the verdict. */
  private static void requireAccepted(String task, JoinStatus status) {
    if (!JoinComplete.ACCEPT.equals(status.verdict())) {
      throw CliException.failure(
          "the join of '" + task + "' completed with " + status.verdict() + ", not accept");
    }
  }

  /**
   * Why nothing more can happen until someone acts: nothing runs, subtasks wait to spawn, and a
   * freeze of the namespace or the emergency stop refuses them. Empty otherwise.
   */
  private static Optional<String> heldByFreeze(
      RecordsApi api, boolean complete, JoinCounters counters, String namespace) {
    if (complete
        || counters.active() > 0
        || counters.completed() + counters.active() >= counters.n()) {
      return Optional.empty();
    }
    try {
      return FleetView.load(api).refusal(namespace);
    } catch (CliException e) {
      if (FanoutWatch.busy(e)) {
        // Asked again next round: a busy reconciler is no freeze.
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Polls the coordinator's fan-out routes until the join completes: the counts each round and, for
   * a fan-out narrow enough to list its children as they change, only the children that changed
   * (docs/cli.md). The children of a wider fan-out are read once, when the status is printed.
   * Prints what the command without --watch would print once it completed.
   *
   * @param read the fan-out as the task's thread was read, or null when it was not
   */
  private int watch(RecordsApi api, String task, String fanout, FanoutState read)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (timeoutSecs * 1e9);
    FanoutWatch watched = new FanoutWatch(context.client(), fanout);
    String lastProgress = null;
    if (read != null) {
      // What the thread just read says, in case the coordinator has not folded it yet.
      lastProgress = FanoutWatch.progress(read.spawnedCount(), read.completedCount(), read.width());
      if (!context.json()) {
        context.err().println(lastProgress);
      }
    }
    // Whether each round reads the changed children to print them; known after the first read.
    boolean listsChanges = false;
    boolean answered = false;
    while (true) {
      List<JoinStatus.SubtaskStatus> changed = List.of();
      boolean readNow;
      if (listsChanges) {
        changed = watched.poll();
        readNow = changed != null;
      } else {
        readNow = watched.pollCounts();
        if (readNow && !context.json() && watched.width() <= FULL_LISTING_MAX) {
          listsChanges = true;
          // The first read of the children reports none as changed.
          readNow = watched.poll() != null;
        }
      }
      answered |= readNow;
      if (readNow) {
        String progress = watched.progress();
        if (!context.json()) {
          if (!progress.equals(lastProgress)) {
            context.err().println(progress);
            lastProgress = progress;
          }
          for (JoinStatus.SubtaskStatus line : changed) {
            context.err().println("  [" + line.index() + "] " + line.goal() + ": " + line.state());
          }
        }
        if (watched.complete()) {
          JoinStatus status = printStatus(watched, deadline, task);
          requireAccepted(task, status);
          return ExitCodes.OK;
        }
        Optional<String> held =
            heldByFreeze(api, watched.complete(), watched.counters(), watched.namespace());
        if (held.isPresent()) {
          printStatus(watched, deadline, task);
          throw CliException.unavailable(
              "the join of '"
                  + task
                  + "' is held: "
                  + held.get()
                  + "; nothing more runs until then");
        }
      }
      if (System.nanoTime() > deadline) {
        if (answered) {
          printStatus(watched, System.nanoTime() + STATUS_READ_NANOS, task);
        }
        throw CliException.failure(
            "the join of '"
                + task
                + "' did not complete within "
                + timeoutSecs
                + " s ("
                + (lastProgress == null ? "the coordinator has not folded it yet" : lastProgress)
                + ")");
      }
      Thread.sleep((long) (intervalSecs * 1000));
    }
  }

  /** How long the status printed at the watch's deadline may take to read, past the deadline. */
  private static final long STATUS_READ_NANOS = 30_000_000_000L;

  /**
   * Whether the status is shown as text with only the first and last children listed (a fan-out
   * wider than {@link #FULL_LISTING_MAX}, without --all): then only those are read.
   */
  private boolean showsHeadAndTail(FanoutWatch watched) {
    return !context.json() && !all && watched.width() > FULL_LISTING_MAX;
  }

  private void renderWide(FanoutWatch.Wide wide, String task) {
    render(context.out(), wide.status(), wide.byState(), wide.head(), wide.tail(), task);
  }

  /**
   * Prints the watched fan-out's status as the command without --watch would, reading only what it
   * shows; asked again every interval while the coordinator's reconciler is too busy to answer,
   * until {@code deadlineNanos}. Returns the status printed.
   */
  private JoinStatus printStatus(FanoutWatch watched, long deadlineNanos, String task)
      throws InterruptedException {
    if (!showsHeadAndTail(watched)) {
      JoinStatus status = statusOf(watched, deadlineNanos);
      print(status, task);
      return status;
    }
    FanoutWatch.Wide wide;
    while ((wide = watched.wide(HEAD_ROWS, TAIL_ROWS)) == null) {
      waitForTheReconciler(watched, deadlineNanos);
    }
    renderWide(wide, task);
    return wide.status();
  }

  /**
   * The status with every child as the coordinator lists it now, asked again every interval while
   * its reconciler is too busy to answer, until {@code deadlineNanos}.
   */
  private JoinStatus statusOf(FanoutWatch watched, long deadlineNanos) throws InterruptedException {
    while (watched.poll() == null) {
      waitForTheReconciler(watched, deadlineNanos);
    }
    return watched.status();
  }

  /** Waits an interval for a reconciler too busy to list children, unless past the deadline. */
  private void waitForTheReconciler(FanoutWatch watched, long deadlineNanos)
      throws InterruptedException {
    if (System.nanoTime() > deadlineNanos) {
      throw CliException.unavailable(
          "the coordinator's reconciler was too busy to list the children of fan-out "
              + watched.fanout()
              + " before the deadline; spl task join-status reads them again");
    }
    Thread.sleep((long) (intervalSecs * 1000));
  }

  private void print(JoinStatus status, String task) {
    if (context.json()) {
      context.printJson(toJson(status));
    } else {
      render(context.out(), status, all, task);
    }
  }

  static ObjectNode toJson(JoinStatus status) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "join_status");
    node.put("thread", status.fanout().thread());
    node.put("fanout", status.fanout().id());
    node.put("namespace", status.fanout().namespace());
    node.put("subtasks", status.subtasks());
    node.put("spawned", status.spawned());
    node.put("completed", status.completed());
    node.put("join", status.predicate());
    node.put("complete", status.complete());
    node.put("verdict", status.verdict());
    ObjectNode counters = node.putObject("counters");
    counters.put("n", status.counters().n());
    counters.put("completed", status.counters().completed());
    counters.put("accepted", status.counters().accepted());
    counters.put("failed", status.counters().failed());
    counters.put("active", status.counters().active());
    node.put("ignored_records", status.ignoredRecords());
    Fanin fanin = status.fanin();
    ObjectNode faninNode = node.putObject("fanin");
    faninNode.put("status", fanin.status());
    faninNode.put("succeeded", fanin.succeeded());
    faninNode.put("failed", fanin.failed());
    faninNode.put("cancelled", fanin.cancelled());
    faninNode.put("retried", fanin.retried());
    faninNode.put("retries", fanin.retries());
    if (status.reduced() != null) {
      node.set("reduced", status.reduced());
    }
    if (status.stages() != null) {
      node.put("stages", status.stages());
    }
    if (status.merge() != null) {
      node.set("merge", status.merge());
    }
    node.put("spent_usd", status.spentUsd());
    node.put("total_budget_usd", status.totalBudgetUsd());
    node.put("hedged", status.hedged());
    ArrayNode rows = node.putArray("per_subtask");
    for (JoinStatus.SubtaskStatus line : status.perSubtask()) {
      ObjectNode row = rows.addObject();
      row.put("index", line.index());
      row.put("goal", line.goal());
      row.put("target", line.target());
      row.put("resolved_target", line.resolvedTarget());
      row.put("state", line.state());
      row.put("attempt", line.attempt());
      row.put("worker", line.worker());
      row.put("child_thread", line.childThread());
      row.put("cost_usd", line.costUsd());
      if (line.wallTimeSecs() == null) {
        row.putNull("wall_time_secs");
      } else {
        row.put("wall_time_secs", BigDecimal.valueOf(line.wallTimeSecs()));
      }
      row.put("summary", line.summary());
      if (line.exitCode() != null) {
        row.put("exit_code", line.exitCode());
      }
      if (line.interruptedBy() != null) {
        row.put("interrupted_by", line.interruptedBy());
      }
      row.put("shard", line.identity().shard());
      row.put("iter_from", line.identity().iterFrom());
      row.put("iter_to", line.identity().iterTo());
      row.put("idempotency_key", line.identity().idempotencyKey());
      row.put("retries", line.retries());
      if (line.waiting() != null) {
        row.put("waiting", line.waiting());
      }
    }
    ArrayNode waiting = node.putArray("waiting");
    for (JoinStatus.Waiting group : status.waiting()) {
      waiting
          .addObject()
          .put("reason", group.reason())
          .put("subtasks", group.subtasks())
          .put("first_index", group.firstIndex());
    }
    return node;
  }

  /**
   * The text form; {@code task} is how to name the task in hints ({@code spl task logs TASK ...}).
   */
  static void render(PrintStream out, JoinStatus status, boolean all, String task) {
    int n = status.subtasks();
    if (n > FULL_LISTING_MAX && !all) {
      FanoutWatch.Wide wide = FanoutWatch.Wide.of(status, HEAD_ROWS, TAIL_ROWS);
      render(out, status, wide.byState(), wide.head(), wide.tail(), task);
    } else {
      render(out, status, null, null, null, task);
    }
  }

  /**
   * Renders {@code status}; with {@code byState} (a fan-out wider than {@link #FULL_LISTING_MAX}
   * shown without --all) the children as counts by state and the lines of the first and last few,
   * else every line of {@link JoinStatus#perSubtask}.
   */
  static void render(
      PrintStream out,
      JoinStatus status,
      Map<String, Integer> byState,
      List<JoinStatus.SubtaskStatus> head,
      List<JoinStatus.SubtaskStatus> tail,
      String task) {
    int n = status.subtasks();
    out.println("Fan-out join status: " + status.fanout().thread());
    out.println("  Subtasks:        " + Formats.count(n));
    out.println("  Spawned:         " + Formats.count(status.spawned()) + " / " + Formats.count(n));
    out.println(
        "  Completed:       " + Formats.count(status.completed()) + " / " + Formats.count(n));
    out.println("  Join predicate:  " + status.predicate());
    out.println(
        "  Join complete:   " + (status.complete() ? "yes (" + status.verdict() + ")" : "no"));
    Fanin fanin = status.fanin();
    out.println(
        "  Fan-in:          "
            + fanin.status()
            + " · succeeded "
            + Formats.count(fanin.succeeded())
            + " · failed "
            + Formats.count(fanin.failed())
            + " · cancelled "
            + Formats.count(fanin.cancelled())
            + " · retried "
            + Formats.count(fanin.retried())
            + (fanin.retries() > fanin.retried() ? " (" + fanin.retries() + " retries)" : ""));
    if (status.stages() != null) {
      out.println("  Then:            " + status.stages());
    }
    if (status.merge() != null) {
      MergeText.print(out, status.merge());
    }
    if (status.totalBudgetUsd() != null) {
      out.println(
          "  Spent:           "
              + Formats.usd(status.spentUsd() == null ? BigDecimal.ZERO : status.spentUsd())
              + " of "
              + Formats.usd(status.totalBudgetUsd())
              + " total budget");
    }
    if (status.reduced() != null) {
      ReducedText.print(out, status.reduced(), "  Reduced:         ", "                   ");
    }
    if (status.hedged() > 0) {
      out.println(
          "  Hedged:          "
              + Formats.count(status.hedged())
              + (status.hedged() == 1 ? " child" : " children")
              + " started twice · spent "
              + Formats.usd(status.spentUsd() == null ? BigDecimal.ZERO : status.spentUsd())
              + " (every attempt)");
    }
    for (JoinStatus.Waiting group : status.waiting()) {
      out.println(
          "  Waiting:         "
              + Formats.count(group.subtasks())
              + (group.subtasks() == 1 ? " subtask" : " subtasks")
              + " (first ["
              + group.firstIndex()
              + "]): "
              + group.reason());
    }
    out.println();
    if (byState != null) {
      StringBuilder summary = new StringBuilder();
      byState.forEach(
          (state, count) ->
              summary
                  .append(summary.length() == 0 ? "" : " · ")
                  .append(state)
                  .append(' ')
                  .append(Formats.count(count)));
      out.println("  By state: " + summary);
      out.println();
      out.println("  Per-subtask (first " + HEAD_ROWS + " and last " + TAIL_ROWS + "):");
      head.forEach(line -> row(out, line, task));
      out.println(
          "    ... "
              + Formats.count(n - HEAD_ROWS - TAIL_ROWS)
              + " more (--all lists every subtask, -o json prints them all)");
      tail.forEach(line -> row(out, line, task));
      return;
    }
    out.println("  Per-subtask:");
    status.perSubtask().forEach(line -> row(out, line, task));
  }

  private static void row(PrintStream out, JoinStatus.SubtaskStatus line, String task) {
    String target = line.resolvedTarget() != null ? line.resolvedTarget() : line.target();
    out.println("    [" + line.index() + "] " + line.goal() + " → " + target);
    String state;
    if (line.wallTimeSecs() != null && line.lifecycle().terminal()) {
      state =
          line.state()
              + " ("
              + Formats.usd(line.costUsd())
              + ", "
              + Formats.seconds(line.wallTimeSecs())
              + ")";
    } else if (line.interruptedBy() != null) {
      state =
          line.state()
              + " (attempt "
              + (line.attempt() - 1)
              + " interrupted by a "
              + line.interruptedBy().replace('_', ' ')
              + ")";
    } else if (line.waiting() != null) {
      state = line.state() + " (" + line.waiting() + ")";
    } else {
      state = line.state();
    }
    if (line.exitCode() != null && failedOnItsOwn(line)) {
      state += "  exit " + line.exitCode();
    }
    if (line.attempt() > 1) {
      state += "  attempt " + line.attempt();
    }
    if (line.identity().iterTo() - line.identity().iterFrom() > 1) {
      state += "  [" + line.identity().iterFrom() + ".." + line.identity().iterTo() + ")";
    }
    out.println("        " + state);
    if (failedOnItsOwn(line)) {
      if (!line.summary().isBlank()) {
        List<String> lines = List.of(line.summary().strip().split("\n"));
        int from = Math.max(0, lines.size() - FAILED_OUTPUT_LINES);
        for (String text : lines.subList(from, lines.size())) {
          out.println("          | " + text.stripTrailing());
        }
      }
      if (line.worker() != null) {
        out.println("          full output: spl task logs " + task + " --subtask " + line.index());
      }
    }
  }

  /** A verdict of the child's own making that is not accept: what a user wants the reason of. */
  private static boolean failedOnItsOwn(JoinStatus.SubtaskStatus line) {
    if (!line.lifecycle().terminal()) {
      return false;
    }
    return switch (line.state()) {
      case "reject", "failed", "timeout", "over_budget" -> true;
      default -> false;
    };
  }
}
