package dev.spl.cli.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.TaskRecords;
import dev.spl.cli.text.Table;
import dev.spl.core.Actors;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.RecordJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl records}: raw access to a daemon's record log, for operators and scripts. */
@Command(name = "records", description = "Write and read raw records on a daemon.")
public final class RecordsCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "emit",
          RecordsCommand.Emit.class,
          "get",
          RecordsCommand.Get.class,
          "list",
          RecordsCommand.ListRecords.class);

  @Command(name = "emit", description = "Append one record and print its id.")
  static final class Emit implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--thread",
        required = true,
        paramLabel = "THREAD",
        description = "Thread id: th_ + 64 hex, or a reserved thread such as th_fleet_control.")
    String thread;

    @Option(
        names = "--act",
        required = true,
        paramLabel = "ACT",
        description = "INTEND, DO, KNOW, LEARN or CALL.")
    String act;

    @Option(
        names = "--topic",
        paramLabel = "TOPIC",
        description = "Sets body.topic (must agree with a topic already in the body).")
    String topic;

    @Option(
        names = "--body",
        paramLabel = "JSON|@FILE",
        description = "The body: a JSON object, or @path to read it from a file (default {}).")
    String body = "{}";

    @Option(
        names = "--actor",
        paramLabel = "DID",
        description =
            "Who writes the record: did:sync:user:<name> (default did:sync:user:$USER); a"
                + " daemon's did:sync:instance:... is refused.")
    String actor;

    @Option(
        names = "--parents",
        split = ",",
        paramLabel = "ID",
        description = "Ids of the records this one follows, comma-separated.")
    List<String> parents = new ArrayList<>();

    @Option(
        names = "--clock",
        paramLabel = "N",
        description = "The writer's clock for this thread (default 0).")
    long clock;

    Emit(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (Actors.isInstance(actor)) {
        throw CliException.badInput(
            "--actor: "
                + actor
                + " is a daemon's DID; records written from the CLI are an operator's (default"
                + " did:sync:user:$USER, or --actor did:sync:user:<name>)");
      }
      ObjectNode bodyNode = parseBody(body, context);
      if (topic != null) {
        JsonNode existing = bodyNode.get("topic");
        if (existing != null && !(existing.isTextual() && existing.textValue().equals(topic))) {
          throw CliException.badInput(
              "--topic: '" + topic + "' disagrees with body.topic " + existing + " in --body");
        }
        bodyNode.put("topic", topic);
      }
      ObjectNode record = Json.MAPPER.createObjectNode();
      record.put("thread", thread);
      record.put("actor", actor != null ? actor : Actors.user(context.userName()));
      record.put("act", act);
      record.set("body", bodyNode);
      record.put("clock", clock);
      ArrayNode parentIds = record.putArray("parents");
      parents.stream().map(String::trim).filter(p -> !p.isEmpty()).forEach(parentIds::add);
      String id;
      try {
        // The daemon validates again; checking here names the option before any network trip.
        id = RecordJson.parse(record).id();
      } catch (InvalidRecordException e) {
        throw CliException.badInput(e.getMessage());
      }
      JsonNode answer = context.client().post("/v1/records", record);
      JsonNode stored = firstRecord(answer);
      if (context.json()) {
        context.printJson(answer);
      } else {
        context.out().println(stored.path("id").asText(id) + seqSuffix(stored));
      }
      return ExitCodes.OK;
    }

    private static String seqSuffix(JsonNode stored) {
      return stored.has("seq") ? "  seq " + stored.get("seq").asLong() : "";
    }

    private static JsonNode firstRecord(JsonNode answer) {
      if (answer.has("data") && answer.get("data").isArray() && answer.get("data").size() > 0) {
        return answer.get("data").get(0);
      }
      if (answer.has("record")) {
        return answer.get("record");
      }
      return answer;
    }

    private static ObjectNode parseBody(String value, CliContext context) {
      String source = "--body";
      JsonNode node;
      try {
        if (value.startsWith("@")) {
          Path file = context.path(value.substring(1));
          source = "--body " + value;
          try {
            node = Json.parse(Files.readAllBytes(file));
          } catch (NoSuchFileException e) {
            throw CliException.badInput("--body: no such file " + file);
          } catch (IOException e) {
            throw CliException.badInput("--body: cannot read " + file + ": " + e.getMessage());
          }
        } else {
          node = Json.parse(value);
        }
      } catch (MalformedJsonException e) {
        String problem = e.getMessage();
        throw CliException.badInput(
            problem.startsWith("not valid JSON")
                ? source + ": expected a JSON object but it is " + problem
                : source + ": " + problem);
      }
      if (node.isMissingNode() || !node.isObject()) {
        throw CliException.badInput(
            source
                + ": expected a JSON object but found "
                + (node.isMissingNode()
                    ? "nothing"
                    : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
      }
      return (ObjectNode) node;
    }
  }

  @Command(name = "get", description = "Print one record by id.")
  static final class Get implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "ID", description = "The record id (64 hex).")
    String id;

    Get(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      JsonNode record = context.client().get("/v1/records/" + DaemonClient.segment(id));
      if (context.json()) {
        context.printJson(record);
        return ExitCodes.OK;
      }
      var out = context.out();
      out.println("id         " + record.path("id").asText());
      out.println("seq        " + record.path("seq").asText());
      out.println("thread     " + record.path("thread").asText());
      out.println("act        " + record.path("act").asText());
      out.println("actor      " + record.path("actor").asText());
      out.println("clock      " + record.path("clock").asText());
      out.println("parents    " + joinedOrDash(record.path("parents")));
      out.println("received   " + record.path("received_at").asText("-"));
      JsonNode signature = record.path("signature");
      out.println(
          "signed     "
              + (signature.isObject()
                  ? "signed by "
                      + signature.path("signed_by").asText()
                      + " (envelope "
                      + signature.path("envelope").asText()
                      + ", "
                      + signature.path("ids").size()
                      + " record(s))"
                  : "- (written here, or sent by an operator)"));
      out.println("body       " + record.path("body"));
      return ExitCodes.OK;
    }

    private static String joinedOrDash(JsonNode array) {
      if (!array.isArray() || array.isEmpty()) {
        return "-";
      }
      List<String> ids = new ArrayList<>();
      array.forEach(p -> ids.add(p.asText()));
      return String.join(",", ids);
    }
  }

  @Command(
      name = "list",
      description = "List records in append order, optionally filtered, from a cursor.")
  static final class ListRecords implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--thread",
        paramLabel = "THREAD|TASK",
        description = "Only this thread: a thread id, or a task's alias for the task's thread.")
    String thread;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Only records with this topic.")
    String topic;

    @Option(names = "--act", paramLabel = "ACT", description = "Only records with this act.")
    String act;

    @Option(
        names = "--after",
        paramLabel = "SEQ",
        description = "Only records appended after this sequence number.")
    Long after;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most this many records (the daemon applies its own default and cap).")
    Integer limit;

    ListRecords(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      if (limit != null && limit < 1) {
        throw CliException.badInput("--limit: expected a positive number but found " + limit);
      }
      if (after != null && after < 0) {
        throw CliException.badInput("--after: expected a sequence number >= 0 but found " + after);
      }
      Map<String, Object> query = DaemonClient.query();
      query.put("thread", threadOf(thread));
      query.put("topic", topic);
      query.put("act", act);
      query.put("after", after);
      query.put("limit", limit);
      JsonNode page = context.client().get(DaemonClient.withQuery("/v1/records", query));
      if (context.json()) {
        context.printJson(page);
        return ExitCodes.OK;
      }
      JsonNode data = page.path("data");
      if (data.isEmpty()) {
        context.out().println("no records");
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      for (JsonNode record : data) {
        rows.add(
            new String[] {
              record.path("seq").asText(),
              prefix(record.path("id").asText(), 12),
              record.path("act").asText(),
              record.path("body").path("topic").asText("-"),
              prefix(record.path("thread").asText(), 20)
            });
      }
      Table.print(context.out(), List.of("SEQ", "ID", "ACT", "TOPIC", "THREAD"), rows);
      if (limit != null && data.size() >= limit && page.hasNonNull("next_after")) {
        context.err().println("more: --after " + page.get("next_after").asLong());
      }
      return ExitCodes.OK;
    }

    /** A thread id as given, or the thread of the task with that alias. */
    private String threadOf(String given) {
      if (given == null || given.trim().startsWith("th_")) {
        return given;
      }
      try {
        return TaskRecords.resolve(new RecordsApi(context.client()), given).record().thread();
      } catch (CliException e) {
        if (e.exitCode() != ExitCodes.BAD_INPUT) {
          throw e;
        }
        throw CliException.badInput(
            "--thread: expected a thread id (th_ + 64 hex) or a task alias, but " + e.getMessage());
      }
    }

    private static String prefix(String text, int length) {
      return text.length() <= length ? text : text.substring(0, length);
    }
  }
}
