package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.text.Formats;
import dev.spl.cli.text.Table;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Hex;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutState;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl task}: tasks on the coordinator, their fan-outs, joins and speedups. */
@Command(
    name = "task",
    description = "Create tasks, fan them out over the fleet, follow their joins.")
public final class TaskCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "add",
          TaskCommand.Add.class,
          "show",
          TaskCommand.Show.class,
          "list",
          TaskCommand.ListTasks.class,
          "fan-out",
          FanOutCommand.class,
          "join-status",
          JoinStatusCommand.class,
          "results",
          ResultsCommand.class,
          "speedup",
          SpeedupCommand.class,
          "retry",
          RetryCommand.class,
          "cancel",
          CancelCommand.class,
          "logs",
          LogsCommand.class);

  private static final SecureRandom NONCES = new SecureRandom();

  enum Priority {
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Command(name = "add", description = "Create a task (its genesis INTEND) and print its thread.")
  static final class Add implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "TITLE", description = "What the task is about.")
    String title;

    @Option(
        names = "--priority",
        paramLabel = "low|medium|high|critical",
        description = "Default: medium.")
    Priority priority = Priority.MEDIUM;

    @Option(names = "--domain", paramLabel = "D", description = "Area of work, e.g. docs.")
    String domain;

    @Option(names = "--hypothesis", paramLabel = "H", description = "What the task should show.")
    String hypothesis;

    @Option(
        names = "--criteria",
        paramLabel = "C",
        description = "A success criterion; repeat for several.")
    List<String> criteria = new ArrayList<>();

    @Option(
        names = "--alias",
        paramLabel = "A",
        description = "A short unique name (default: task- and 8 hex of the thread).")
    String alias;

    @Option(
        names = "--namespace",
        paramLabel = "NS",
        description = "Namespace of its work, the unit `spl kill` freezes (default: default).")
    String namespace = Tasks.DEFAULT_NAMESPACE;

    Add(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (title == null || title.isBlank()) {
        throw CliException.badInput("TITLE: expected a title but it is empty");
      }
      if (alias != null && (!Tasks.ALIAS.matcher(alias).matches() || alias.startsWith("th_"))) {
        throw CliException.badInput(
            "--alias: expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or"
                + " digit and not with th_, but found '"
                + alias
                + "'");
      }
      requireNamespace(namespace);
      for (int i = 0; i < criteria.size(); i++) {
        if (criteria.get(i).isBlank()) {
          throw CliException.badInput(
              "--criteria #" + (i + 1) + ": expected a text but it is empty");
        }
      }
      RecordsApi api = new RecordsApi(context.client());
      if (alias != null) {
        for (Tasks.Task task : Tasks.all(api)) {
          if (task.alias().equals(alias)) {
            throw CliException.badInput(
                "--alias: '"
                    + alias
                    + "' is taken by the task '"
                    + task.title()
                    + "' on "
                    + task.thread()
                    + "; choose another alias");
          }
        }
      }
      String actor = Actors.user(context.userName());
      long now = System.currentTimeMillis();
      byte[] nonce = new byte[16];
      NONCES.nextBytes(nonce);
      String thread = ThreadIds.derive("task", title, actor, Long.toString(now), Hex.format(nonce));
      String chosenAlias = alias != null ? alias : "task-" + thread.substring(3, 11);
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("topic", Tasks.TOPIC);
      body.put("title", title.strip());
      body.put("priority", priority.wire());
      if (domain != null) {
        body.put("domain", domain);
      }
      if (hypothesis != null) {
        body.put("hypothesis", hypothesis);
      }
      ArrayNode criteriaArray = body.putArray("criteria");
      criteria.forEach(criteriaArray::add);
      body.put("alias", chosenAlias);
      body.put("namespace", namespace);
      body.put("created_at", now);
      Record record = new Record(thread, actor, Act.INTEND, body, 0, List.of());
      api.postOne(record);
      if (context.json()) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("thread", thread);
        out.put("alias", chosenAlias);
        out.put("record", record.id());
        out.put("namespace", namespace);
        context.printJson(out);
        return ExitCodes.OK;
      }
      var out = context.out();
      out.println("◇ Task created: " + title.strip());
      out.println("  thread: " + thread);
      out.println("  alias:  " + chosenAlias);
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", description = "Show a task, its status and, once joined, its verdict.")
  static final class Show implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "TASK", description = "Alias or thread id.")
    String reference;

    Show(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      TaskFold fold = TaskFold.load(new RecordsApi(context.client()), reference);
      Tasks.Task task = fold.task();
      JsonNode body = task.body();
      FanoutState fanout = fold.latest();
      String completedBy = fold.joinRecord() == null ? null : fold.joinRecord().record().actor();
      if (context.json()) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("title", task.title());
        out.put("thread", task.thread());
        out.put("alias", task.alias());
        out.put("status", fold.status().label());
        out.put("priority", body.path("priority").asText(""));
        out.put("namespace", task.namespace());
        out.put("domain", body.path("domain").asText(null));
        out.put("hypothesis", body.path("hypothesis").asText(null));
        out.set("criteria", body.path("criteria").isArray() ? body.get("criteria") : null);
        out.put("records", fold.records().size());
        out.put("fanout", fanout == null ? null : fanout.ref().id());
        out.put("completed_by", completedBy);
        out.put("verdict", fanout == null ? null : fanout.joinVerdict());
        context.printJson(out);
        return ExitCodes.OK;
      }
      var out = context.out();
      out.println("Task: " + task.title());
      line(out, "Thread", task.thread());
      line(out, "Alias", task.alias());
      line(out, "Status", fold.status().label());
      line(out, "Priority", body.path("priority").asText("-"));
      line(out, "Namespace", task.namespace());
      if (body.hasNonNull("domain")) {
        line(out, "Domain", body.get("domain").asText());
      }
      if (body.hasNonNull("hypothesis")) {
        line(out, "Hypothesis", body.get("hypothesis").asText());
      }
      if (body.path("criteria").size() > 0) {
        out.println("  Success criteria:");
        for (JsonNode criterion : body.get("criteria")) {
          out.println("    - " + criterion.asText());
        }
      }
      if (fanout != null) {
        line(
            out,
            "Fan-out",
            fanout.ref().id()
                + " ("
                + Formats.count(fanout.width())
                + " subtasks, join "
                + fanout.join()
                + ")");
        if (fanout.joinComplete()) {
          out.println("  Evaluation:");
          out.println("    Completed by: " + (completedBy == null ? "engine" : completedBy));
          out.println("    Verdict:      " + fanout.joinVerdict());
        }
      }
      line(out, "Records", String.valueOf(fold.records().size()));
      return ExitCodes.OK;
    }

    private static void line(java.io.PrintStream out, String label, String value) {
      out.println("  " + label + ":" + " ".repeat(Math.max(1, 12 - label.length())) + value);
    }
  }

  @Command(name = "list", description = "List the tasks on the coordinator with their status.")
  static final class ListTasks implements Callable<Integer> {
    static final String STATUS_VALUES =
        "open, fanned-out, complete, accepted, rejected, partial or cancelled";

    private final CliContext context;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description =
            "Only tasks in this status: open (no fan-out yet, or its join still running),"
                + " fanned-out, complete (the join completed, any verdict), accepted, rejected,"
                + " partial, cancelled.")
    String status;

    ListTasks(CliContext context) {
      this.context = context;
    }

    /** Which statuses {@code --status VALUE} keeps. */
    static Predicate<Tasks.Status> filter(String value) {
      String wanted = value.trim().toLowerCase(Locale.ROOT);
      return switch (wanted) {
        case "open" -> status -> !status.complete();
        case "complete" -> Tasks.Status::complete;
        case "fanned-out", "fanned out" -> status -> status == Tasks.Status.FANNED_OUT;
        case "accepted", "rejected", "partial", "cancelled" ->
            status -> status.label().equals(wanted);
        default ->
            throw CliException.badInput(
                "--status: expected " + STATUS_VALUES + " but found '" + value + "'");
      };
    }

    @Override
    public Integer call() {
      Predicate<Tasks.Status> keep = status == null ? any -> true : filter(status);
      RecordsApi api = new RecordsApi(context.client());
      Map<String, Tasks.Status> statuses = Tasks.statuses(api);
      List<Tasks.Task> tasks = new ArrayList<>();
      for (Tasks.Task task : Tasks.all(api)) {
        if (keep.test(statuses.getOrDefault(task.thread(), Tasks.Status.OPEN))) {
          tasks.add(task);
        }
      }
      if (context.json()) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Tasks.Task task : tasks) {
          ObjectNode row = array.addObject();
          row.put("alias", task.alias());
          row.put("thread", task.thread());
          row.put("title", task.title());
          row.put("priority", task.body().path("priority").asText(""));
          row.put("namespace", task.namespace());
          row.put("status", statuses.getOrDefault(task.thread(), Tasks.Status.OPEN).label());
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "list");
        out.set("data", array);
        context.printJson(out);
        return ExitCodes.OK;
      }
      if (tasks.isEmpty()) {
        context
            .out()
            .println(
                status == null
                    ? "no tasks; create one with `spl task add \"TITLE\"`"
                    : "no tasks with status " + status.trim());
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      for (Tasks.Task task : tasks) {
        rows.add(
            new String[] {
              task.alias(),
              statuses.getOrDefault(task.thread(), Tasks.Status.OPEN).label(),
              task.body().path("priority").asText("-"),
              task.thread().substring(0, 15),
              task.title()
            });
      }
      Table.print(context.out(), List.of("ALIAS", "STATUS", "PRIORITY", "THREAD", "TITLE"), rows);
      return ExitCodes.OK;
    }
  }

  /** Namespaces follow the freeze rules: no spaces or control characters, at most 200 chars. */
  static void requireNamespace(String namespace) {
    if (namespace == null || namespace.isBlank()) {
      throw CliException.badInput("--namespace: expected a namespace name but it is empty");
    }
    if (namespace.length() > 200) {
      throw CliException.badInput(
          "--namespace: expected at most 200 characters but found " + namespace.length());
    }
    for (int i = 0; i < namespace.length(); i++) {
      char c = namespace.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw CliException.badInput(
            "--namespace: expected no spaces or control characters but found one at index "
                + i
                + " of '"
                + namespace
                + "'");
      }
    }
  }

  private TaskCommand() {}
}
