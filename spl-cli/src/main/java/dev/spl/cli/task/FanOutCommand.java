package dev.spl.cli.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.text.Formats;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.FanoutValidation;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.Joins;
import dev.spl.core.fanout.RunCommandPlacement;
import dev.spl.core.fanout.SubtaskChunk;
import dev.spl.core.fanout.SubtaskParser;
import dev.spl.core.fanout.SubtaskSpec;
import dev.spl.core.fanout.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task fan-out}: checks a whole fan-out, then writes its descriptor chunks and its
 * parent INTEND. Nothing is written unless every check passes.
 */
@Command(
    name = "fan-out",
    description = "Split a task into subtasks that run on the workers, joined by a predicate.")
final class FanOutCommand implements Callable<Integer> {
  /** Descriptors per chunk record, at most. */
  static final int CHUNK_SUBTASKS = FanoutRecords.DEFAULT_CHUNK_SIZE;

  /** Bytes of descriptors per chunk record, at most, so two chunks fit in one request. */
  static final int CHUNK_BYTES = 200 * 1024;

  /** The largest single descriptor: it must fit in a chunk on its own. */
  static final int MAX_DESCRIPTOR_BYTES = 128 * 1024;

  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(
      names = "--subtask",
      paramLabel = "K=V,...",
      description =
          "One subtask: goal=...,target=...,budget=...,timeout=...,depends=0+1,run=... Repeat."
              + " Quote values with commas: goal=\"a, b\".")
  List<String> subtasks = new ArrayList<>();

  @Option(
      names = "--subtasks-file",
      paramLabel = "FILE|-",
      description = "Read subtasks as JSON lines from FILE (- for standard input).")
  String subtasksFile;

  @Option(
      names = "--join",
      required = true,
      paramLabel = "JOIN",
      description = "all, any, k_of_n:K, or a CEL expression over children and counters.")
  String join;

  @Option(
      names = "--max-attempts",
      paramLabel = "N",
      description = "Attempts per subtask when workers are lost (default: 3).")
  int maxAttempts = FanoutRecords.DEFAULT_MAX_ATTEMPTS;

  @Option(
      names = "--replace",
      description = "Replace the task's current fan-out (it gets no further spawns).")
  boolean replace;

  FanOutCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    List<SubtaskSpec> specs = readSubtasks();
    try {
      FanoutValidation.validate(specs);
      Joins.compile(join, specs.size(), new TaskFold.LazyCelJoins());
      if (maxAttempts < 1) {
        throw new InvalidFanoutException(
            -1, "--max-attempts", "expected a whole number >= 1 but found " + maxAttempts);
      }
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }
    RecordsApi api = new RecordsApi(context.client());
    TaskFold fold = TaskFold.load(api, reference);
    Tasks.Task task = fold.task();
    String replaces = null;
    if (fold.latest() != null) {
      FanoutState existing = fold.latest();
      if (!replace) {
        throw CliException.badInput(
            "task '"
                + task.reference()
                + "' already has a fan-out ("
                + existing.ref().id()
                + ", "
                + existing.width()
                + " subtasks, join "
                + (existing.joinComplete() ? "complete: " + existing.joinVerdict() : "open")
                + "); pass --replace to replace it");
      }
      replaces = existing.ref().id();
    }
    String namespace = task.namespace();
    FleetView fleet = FleetView.load(api);
    boolean pinned = false;
    for (int i = 0; i < specs.size() && !pinned; i++) {
      pinned = Target.parse(i, specs.get(i).target()).pinned();
    }
    if (pinned) {
      try {
        FanoutValidation.validateTargets(specs, fleet.directory());
      } catch (InvalidFanoutException e) {
        throw CliException.badInput(
            e.getMessage()
                + (fleet.hasRegistry()
                    ? ""
                    : "; "
                        + api.client().baseUrl()
                        + " keeps no fleet registry (is it the coordinator?)"));
      }
    }
    fleet
        .refusal(namespace)
        .ifPresent(
            why -> {
              throw CliException.unavailable("cannot fan out '" + task.reference() + "': " + why);
            });
    // A run command sent to an echo worker is never run: refused, or warned about in a mixed fleet.
    RunCommandPlacement.Verdict placement = RunCommandPlacement.check(specs, fleet.directory());
    if (placement.refusal().isPresent()) {
      throw CliException.badInput(
          "cannot fan out '" + task.reference() + "': " + placement.refusal().get());
    }
    placement.warning().ifPresent(warning -> context.err().println("spl: warning: " + warning));
    List<ObjectNode> chunkBodies;
    try {
      chunkBodies = chunk(namespace, specs);
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }

    String actor = Actors.user(context.userName());
    long clock = RecordsApi.nextClock(fold.records(), actor);
    List<Record> records = new ArrayList<>();
    List<String> chunkIds = new ArrayList<>();
    for (ObjectNode body : chunkBodies) {
      Record chunk = new Record(task.thread(), actor, Act.LEARN, body, clock++, List.of(task.id()));
      records.add(chunk);
      chunkIds.add(chunk.id());
    }
    ObjectNode parentBody =
        new FanoutParent(
                namespace,
                join.trim(),
                specs.size(),
                chunkIds,
                maxAttempts,
                replaces,
                System.currentTimeMillis())
            .toBody();
    Record parent = new Record(task.thread(), actor, Act.INTEND, parentBody, clock, chunkIds);
    records.add(parent);
    int requests = api.post(records);

    if (context.json()) {
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("thread", task.thread());
      out.put("alias", task.alias());
      out.put("record", parent.id());
      out.put("subtasks", specs.size());
      out.put("join", join.trim());
      out.put("namespace", namespace);
      ArrayNode chunks = out.putArray("chunks");
      chunkIds.forEach(chunks::add);
      out.put("replaces", replaces);
      out.put("requests", requests);
      context.printJson(out);
      return ExitCodes.OK;
    }
    var out = context.out();
    out.println("◇ Fan-out parent INTEND created");
    out.println("  thread:   " + task.thread());
    out.println("  record:   " + parent.id());
    out.println("  subtasks: " + Formats.count(specs.size()));
    out.println("  join:     " + join.trim());
    if (replaces != null) {
      out.println("  replaces: " + replaces);
    }
    out.println("The coordinator spawns each ready subtask on a worker and completes the task");
    out.println("once the join is decided.");
    out.println("Watch progress: spl task join-status " + task.reference());
    return ExitCodes.OK;
  }

  private List<SubtaskSpec> readSubtasks() {
    if (subtasksFile != null && !subtasks.isEmpty()) {
      throw CliException.badInput(
          "--subtasks-file: give subtasks with --subtask or with --subtasks-file, not both");
    }
    try {
      if (subtasksFile != null) {
        return parseFile(subtasksFile);
      }
      List<SubtaskSpec> specs = new ArrayList<>(subtasks.size());
      for (int i = 0; i < subtasks.size(); i++) {
        specs.add(SubtaskParser.parseCli(i, subtasks.get(i)));
      }
      return specs;
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  private List<SubtaskSpec> parseFile(String file) {
    byte[] content;
    try {
      content = file.equals("-") ? context.in().readAllBytes() : Files.readAllBytes(Path.of(file));
    } catch (NoSuchFileException e) {
      throw CliException.badInput("--subtasks-file: no such file " + file);
    } catch (IOException e) {
      throw CliException.badInput("--subtasks-file: cannot read " + file + ": " + e.getMessage());
    }
    return SubtaskParser.parseJsonLines(content);
  }

  /**
   * Chunk bodies of at most {@link #CHUNK_SUBTASKS} descriptors and about {@link #CHUNK_BYTES}
   * each, so no record and no request grows with the width of the fan-out.
   */
  static List<ObjectNode> chunk(String namespace, List<SubtaskSpec> specs) {
    List<ObjectNode> chunks = new ArrayList<>();
    int offset = 0;
    long bytes = 0;
    for (int i = 0; i < specs.size(); i++) {
      long size = RecordsApi.sizeOf(specs.get(i).toJson());
      if (size > MAX_DESCRIPTOR_BYTES) {
        throw new InvalidFanoutException(
            i,
            null,
            "the descriptor is "
                + Formats.count(size)
                + " bytes but at most "
                + Formats.count(MAX_DESCRIPTOR_BYTES)
                + " fit in one record; keep large inputs in files the run command reads");
      }
      if (i > offset && (i - offset >= CHUNK_SUBTASKS || bytes + size > CHUNK_BYTES)) {
        chunks.add(new SubtaskChunk(namespace, offset, specs.subList(offset, i)).toBody());
        offset = i;
        bytes = 0;
      }
      bytes += size + 1;
    }
    if (offset < specs.size()) {
      chunks.add(new SubtaskChunk(namespace, offset, specs.subList(offset, specs.size())).toBody());
    }
    return chunks;
  }
}
