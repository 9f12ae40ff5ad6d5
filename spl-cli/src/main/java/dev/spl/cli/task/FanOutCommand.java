package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.host.DaemonRunOptions;
import dev.spl.cli.text.Formats;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildTemplate;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.FaninSpec;
import dev.spl.core.fanout.FanoutLog;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutPolicy;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.FanoutValidation;
import dev.spl.core.fanout.HedgeAfter;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.ItemChunk;
import dev.spl.core.fanout.ItemParser;
import dev.spl.core.fanout.Joins;
import dev.spl.core.fanout.Reducer;
import dev.spl.core.fanout.RunCommandPlacement;
import dev.spl.core.fanout.SubtaskChunk;
import dev.spl.core.fanout.SubtaskParser;
import dev.spl.core.fanout.SubtaskSpec;
import dev.spl.core.fanout.Target;
import dev.spl.core.fanout.Worktrees;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    description =
        "Split a task into subtasks that run on the workers, joined by a predicate: listed"
            + " subtasks, or one child per item (--items) or range shard (--range).")
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
      names = "--items",
      paramLabel = "FILE|-",
      description =
          "A data fan-out over the items in FILE (- for standard input, e.g. the output of an"
              + " earlier stage): one child per item, or per --shard-size items.")
  String itemsFile;

  @Option(
      names = "--items-format",
      paramLabel = "jsonl|lines|json",
      description =
          "How --items is written: jsonl (one JSON value a line, the default), lines (each line"
              + " one string item) or json (one JSON array).")
  String itemsFormat = ItemParser.Format.JSONL.wire();

  @Option(
      names = "--range",
      paramLabel = "FROM..TO",
      description =
          "A data fan-out over the whole numbers FROM to TO-1, never materialised: one child per"
              + " --shard-size points.")
  String range;

  @Option(
      names = "--template",
      paramLabel = "K=V,...",
      description =
          "Every child of --items or --range: goal=...,run=...,target=...,budget=...,timeout=..."
              + " Placeholders in goal and run: {{item}}, {{item.<path>}}, {{index}}, {{shard}},"
              + " {{n}}; {{{{ is a literal {{. In run each value is one single-quoted shell word.")
  String template;

  @Option(
      names = "--shard-size",
      paramLabel = "K",
      description = "Items or range points per child (default 1).")
  long shardSize = 1;

  @Option(
      names = "--policy",
      paramLabel = "all|fail-fast|allow-partial",
      description =
          "all: the join alone decides (default); fail-fast: the first failed child stops the"
              + " fan-out and cancels its siblings; allow-partial: every child runs and the fan-in"
              + " may end partial.")
  String policy = FanoutPolicy.ALL.wire();

  @Option(
      names = "--max-retries",
      paramLabel = "N",
      description =
          "Automatic retries of a child that fails, times out or loses its worker (0-100,"
              + " default 0).")
  int maxRetries;

  @Option(
      names = "--retry-backoff",
      paramLabel = "SECS",
      converter = DaemonRunOptions.SecondsConverter.class,
      description =
          "Seconds before a child's first automatic retry, doubling for each further one (default"
              + " 1).")
  Duration retryBackoff;

  @Option(
      names = "--max-concurrency",
      paramLabel = "N",
      description =
          "At most N children of this fan-out running at once, fleet wide; the rest wait in order"
              + " (default: no limit but the workers' slots).")
  Integer maxConcurrency;

  @Option(
      names = "--total-budget",
      paramLabel = "USD",
      description =
          "The most the whole fan-out may spend, in USD: no child is spawned once what was spent"
              + " plus the budgets of running children would exceed it, and running ones are"
              + " cancelled (reason budget) once spent exceeds it.")
  String totalBudget;

  @Option(
      names = "--hedge-after",
      paramLabel = "p95|SECS",
      description =
          "Start a child that is still running once more on another live worker once it has run"
              + " longer than its accepted siblings' p95 (p95) or SECS seconds; the first accepted"
              + " result counts and the other attempt is cancelled (reason hedge_lost). Never for"
              + " a subtask with hedge=false. Default: no hedging.")
  String hedgeAfterText;

  @Option(
      names = "--join",
      required = true,
      paramLabel = "JOIN",
      description = "all, any, k_of_n:K, or a CEL expression over children and counters.")
  String join;

  @Option(
      names = "--reduce",
      paramLabel = "NAME=FN(PATH)",
      description =
          "A reducer folded over the accepted children's results as they complete:"
              + " sum, min, max, count, avg, append or merge of result.PATH, e.g."
              + " 'total=sum(result.count)' (repeatable).")
  List<String> reduce = new ArrayList<>();

  @Option(
      names = "--then",
      paramLabel = "K=V,...",
      description =
          "A stage that runs once the fan-in is terminal (goal, run, target, budget, timeout, as"
              + " --subtask), given the fan-in in $SPL_FANIN_FILE; its verdict is the task's."
              + " Repeat to chain stages.")
  List<String> then = new ArrayList<>();

  @Option(
      names = "--then-if",
      paramLabel = "CEL",
      description =
          "Run the --then stages only when this CEL expression over fanin and reduced holds;"
              + " else the task ends with the fan-in's verdict.")
  String thenIf;

  @Option(
      names = "--max-attempts",
      paramLabel = "N",
      description = "Attempts per subtask when workers are lost (default: 3).")
  int maxAttempts = FanoutRecords.DEFAULT_MAX_ATTEMPTS;

  @Option(
      names = "--replace",
      description = "Replace the task's current fan-out (it gets no further spawns).")
  boolean replace;

  @picocli.CommandLine.Mixin WorktreeOptions worktreeOptions = new WorktreeOptions();

  FanOutCommand(CliContext context) {
    this.context = context;
  }

  /** A data fan-out's loop with its items, read and checked before anything is written. */
  private record Data(DataLoop loop, List<ItemChunk> chunks) {}

  @Override
  public Integer call() {
    FanoutOptions options = readOptions();
    Data data = itemsFile != null || range != null ? readData() : null;
    List<SubtaskSpec> specs = data == null ? readSubtasks() : List.of();
    int width = data == null ? specs.size() : data.loop().width();
    FaninSpec fanin;
    try {
      List<SubtaskSpec> stages = new ArrayList<>();
      for (int i = 0; i < then.size(); i++) {
        try {
          SubtaskSpec stage = SubtaskParser.parseCli(i, then.get(i));
          if (stage.workspace() != null) {
            throw new InvalidFanoutException(
                i,
                "workspace",
                "a stage after the join runs without a worktree; leave the key out");
          }
          stages.add(stage);
        } catch (InvalidFanoutException e) {
          throw new InvalidFanoutException(
              -1, "--then " + (i + 1), e.getMessage().replaceFirst("^subtask [0-9]+: ", ""));
        }
      }
      fanin = new FaninSpec(Reducer.parseAll(reduce, "--reduce"), stages, thenIf);
      if (thenIf != null) {
        try {
          new TaskFold.LazyCelJoins().compile(thenIf);
        } catch (InvalidFanoutException e) {
          throw new InvalidFanoutException(
              -1,
              "--then-if",
              e.getMessage().startsWith("join: ") ? e.getMessage().substring(6) : e.getMessage());
        }
      }
      TaskFold.LazyCelJoins cel = new TaskFold.LazyCelJoins();
      if (data == null) {
        FanoutValidation.validate(specs);
        Joins.compile(join, specs.size(), cel);
        FanoutValidation.validateRoutes(targetsOf(specs), cel.routes(), 0);
      } else {
        FanoutValidation.validateDataJoin(Joins.compile(join, width, cel));
        FanoutValidation.validateRoutes(
            java.util.Collections.singletonList(data.loop().template().target()), cel.routes(), -1);
      }
      FanoutValidation.validateRoutes(targetsOf(stages), cel.routes(), -1);
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
      // A retried child runs its command again on the same thread: its earlier attempt's fan-out
      // has ended (its outer attempt did), and the new attempt's replaces it.
      boolean earlierAttempts =
          context.childCredential() != null
              && (existing.joinComplete() || existing.cancelRequested());
      if (!replace && !earlierAttempts) {
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
    Worktrees.Spec worktree = worktreeOptions.resolve(task.alias(), task.thread());
    try {
      FanoutValidation.validateWorkspaces(specs, worktree);
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }
    FleetView fleet = FleetView.load(api);
    if (data != null) {
      requireWithinMaxChildren(api, width);
    }
    // Where children go and what they run: the listed subtasks, or the template of every child.
    List<SubtaskSpec> placed =
        data == null
            ? specs
            : List.of(
                new SubtaskSpec(
                    data.loop().template().goal(),
                    data.loop().template().target(),
                    null,
                    null,
                    List.of(),
                    data.loop().template().run(),
                    null,
                    null,
                    data.loop().template().executor()));
    boolean pinned = false;
    for (int i = 0; i < placed.size() && !pinned; i++) {
      pinned = Target.parse(i, placed.get(i).target()).pinned();
    }
    if (pinned) {
      try {
        FanoutValidation.validateTargets(placed, fleet.directory());
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
    RunCommandPlacement.Verdict placement = RunCommandPlacement.check(placed, fleet.directory());
    if (placement.refusal().isPresent()) {
      throw CliException.badInput(
          "cannot fan out '" + task.reference() + "': " + placement.refusal().get());
    }
    placement.warning().ifPresent(warning -> context.err().println("spl: warning: " + warning));
    List<ObjectNode> chunkBodies = new ArrayList<>();
    try {
      if (data == null) {
        chunkBodies = chunk(namespace, specs);
      } else {
        for (ItemChunk chunk : data.chunks()) {
          chunkBodies.add(new ItemChunk(namespace, chunk.offset(), chunk.items()).toBody());
        }
      }
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
                width,
                chunkIds,
                maxAttempts,
                replaces,
                System.currentTimeMillis(),
                data == null ? null : data.loop(),
                options,
                fanin,
                worktree)
            .toBody();
    Record parent = new Record(task.thread(), actor, Act.INTEND, parentBody, clock, chunkIds);
    records.add(parent);
    int requests = api.post(records);

    if (context.json()) {
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("thread", task.thread());
      out.put("alias", task.alias());
      out.put("record", parent.id());
      out.put("subtasks", width);
      if (data != null) {
        DataLoop loop = data.loop();
        out.put("loop", loop.kind().wire());
        if (loop.kind() == DataLoop.Kind.ITEMS) {
          out.put("items", loop.count());
        } else {
          out.put("from", loop.from());
          out.put("to", loop.to());
        }
        out.put("shard_size", loop.shardSize());
      }
      out.put("policy", options.policy().wire());
      out.put("max_retries", options.maxRetries());
      if (options.maxConcurrency() > 0) {
        out.put("max_concurrency", options.maxConcurrency());
      }
      if (options.totalBudgetUsd() != null) {
        out.put("total_budget_usd", options.totalBudgetUsd());
      }
      if (options.hedgeAfter() != null) {
        out.set("hedge_after", Json.MAPPER.valueToTree(options.hedgeAfter().wire()));
      }
      out.put("join", join.trim());
      out.put("namespace", namespace);
      ArrayNode chunks = out.putArray("chunks");
      chunkIds.forEach(chunks::add);
      out.put("replaces", replaces);
      if (worktree != null) {
        out.set("worktree", worktree.toJson());
      }
      out.put("requests", requests);
      context.printJson(out);
      return ExitCodes.OK;
    }
    var out = context.out();
    out.println("◇ Fan-out parent INTEND created");
    out.println("  thread:   " + task.thread());
    out.println("  record:   " + parent.id());
    if (data != null) {
      DataLoop loop = data.loop();
      out.println(
          "  loop:     "
              + (loop.kind() == DataLoop.Kind.ITEMS
                  ? Formats.count(loop.count()) + " items"
                  : "range " + loop.from() + ".." + loop.to())
              + (loop.shardSize() > 1 ? " in shards of " + Formats.count(loop.shardSize()) : ""));
      out.println("  children: " + Formats.count(width));
    } else {
      out.println("  subtasks: " + Formats.count(width));
    }
    out.println("  join:     " + join.trim());
    if (options.policy() != FanoutPolicy.ALL
        || options.maxRetries() > 0
        || options.maxConcurrency() > 0) {
      out.println(
          "  policy:   "
              + options.policy().wire()
              + (options.maxRetries() > 0
                  ? ", up to "
                      + options.maxRetries()
                      + " retries per child (back-off "
                      + DaemonRunOptions.seconds(Duration.ofMillis(options.retryBackoffMillis()))
                      + " s, doubling)"
                  : "")
              + (options.maxConcurrency() > 0
                  ? ", at most " + options.maxConcurrency() + " running at once"
                  : ""));
    }
    if (options.totalBudgetUsd() != null) {
      out.println("  budget:   $" + options.totalBudgetUsd().toPlainString() + " in total");
    }
    if (options.hedgeAfter() != null) {
      out.println("  hedge:    a second attempt after " + options.hedgeAfter());
    }
    if (replaces != null) {
      out.println("  replaces: " + replaces);
    }
    if (worktree != null) {
      out.println(
          "  worktree: base "
              + worktree.base()
              + ", branches "
              + Worktrees.prefix(worktree.alias())
              + "INDEX-ATTEMPT"
              + (worktree.allowDirty() ? " (uncommitted changes left out)" : ""));
      if (worktree.remote() != null) {
        out.println(
            "  remote:   "
                + worktree.remote()
                + " (children push their branches there, the merge queue fetches them)");
      }
      if (worktree.merge() != null) {
        out.println(
            "  merge:    "
                + worktree.merge().mode().wire()
                + " onto "
                + worktree.integrationBranch()
                + (worktree.merge().check() == null
                    ? ""
                    : ", check '" + worktree.merge().check() + "'"));
      }
    }
    out.println("The coordinator spawns each ready subtask on a worker and completes the task");
    out.println("once the join is decided.");
    out.println("Watch progress: spl task join-status " + task.reference());
    return ExitCodes.OK;
  }

  private FanoutOptions readOptions() {
    FanoutPolicy chosen = FanoutPolicy.fromWire(policy);
    if (chosen == null) {
      throw CliException.badInput(
          "--policy: expected all, fail-fast or allow-partial but found '" + policy + "'");
    }
    if (maxConcurrency != null && maxConcurrency < 1) {
      throw CliException.badInput(
          "--max-concurrency: expected a whole number >= 1 but found " + maxConcurrency);
    }
    long backoffMillis = FanoutOptions.DEFAULT_BACKOFF_MILLIS;
    if (retryBackoff != null) {
      backoffMillis = retryBackoff.toMillis();
    }
    BigDecimal totalBudgetUsd = null;
    if (totalBudget != null) {
      try {
        totalBudgetUsd = new BigDecimal(totalBudget.trim());
      } catch (NumberFormatException e) {
        throw CliException.badInput(
            "--total-budget: expected an amount in USD such as 5 or 2.50 but found '"
                + totalBudget
                + "'");
      }
    }
    try {
      return new FanoutOptions(
          chosen,
          maxRetries,
          backoffMillis,
          maxConcurrency == null ? 0 : maxConcurrency,
          totalBudgetUsd,
          hedgeAfterText == null ? null : HedgeAfter.parse(hedgeAfterText));
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /** Reads and checks the loop of {@code --items} or {@code --range} and every child it makes. */
  private Data readData() {
    if (!subtasks.isEmpty() || subtasksFile != null) {
      throw CliException.badInput(
          (itemsFile != null ? "--items" : "--range")
              + ": a fan-out is over items, a range or listed subtasks; --subtask and"
              + " --subtasks-file cannot be given with it");
    }
    if (itemsFile != null && range != null) {
      throw CliException.badInput("--range: give --items or --range, not both");
    }
    if (template == null) {
      throw CliException.badInput(
          (itemsFile != null ? "--items" : "--range")
              + ": a data fan-out needs --template, e.g. --template 'goal=Resize {{item}},run=./resize.sh"
              + " {{item}}'");
    }
    if (shardSize < 1) {
      throw CliException.badInput(
          "--shard-size: expected a whole number >= 1 but found " + shardSize);
    }
    try {
      ChildTemplate childTemplate = ChildTemplate.parseCli(template);
      if (range != null) {
        long[] ends = parseRange(range);
        DataLoop loop = DataLoop.range(ends[0], ends[1], shardSize, childTemplate);
        requireWidthBelowCap(loop);
        loop.checkChildren(InMemoryChunks.of(List.of()).chunks());
        return new Data(loop, List.of());
      }
      List<JsonNode> items = readItems();
      DataLoop loop = DataLoop.items(items.size(), shardSize, childTemplate);
      requireWidthBelowCap(loop);
      List<ItemChunk> chunks = ItemChunk.split("", items);
      loop.checkChildren(InMemoryChunks.of(chunks).chunks());
      return new Data(loop, chunks);
    } catch (InvalidFanoutException e) {
      throw CliException.badInput(e.getMessage());
    }
  }

  /** Refused before every child is made: a range of 10^12 points must not be walked. */
  private static void requireWidthBelowCap(DataLoop loop) {
    if (loop.width() > DaemonRunOptions.MAX_CHILDREN_LIMIT) {
      throw CliException.badInput(
          (loop.kind() == DataLoop.Kind.ITEMS ? "--items" : "--range")
              + ": "
              + Formats.count(loop.count())
              + (loop.kind() == DataLoop.Kind.ITEMS ? " items" : " points")
              + " in shards of "
              + Formats.count(loop.shardSize())
              + " make "
              + Formats.count(loop.width())
              + " children, more than any coordinator allows ("
              + Formats.count(DaemonRunOptions.MAX_CHILDREN_LIMIT)
              + "); use a larger --shard-size");
    }
  }

  /** Refuses a fan-out wider than the coordinator's {@code max_children}, before writing. */
  private static void requireWithinMaxChildren(RecordsApi api, int width) {
    JsonNode status;
    try {
      status = api.client().get("/v1/fleet/status");
    } catch (CliException e) {
      return;
    }
    JsonNode cap = status.path("fanouts").path("max_children");
    if (cap.canConvertToInt() && width > cap.asInt()) {
      throw CliException.badInput(
          "the fan-out would have "
              + Formats.count(width)
              + " children but the coordinator allows at most "
              + Formats.count(cap.asInt())
              + " (its --max-children); use a larger --shard-size");
    }
  }

  /** {@code FROM..TO}: whole numbers, FROM <= TO (TO is not included). */
  static long[] parseRange(String text) {
    int dots = text.indexOf("..");
    if (dots < 0) {
      throw CliException.badInput(
          "--range: expected FROM..TO with whole numbers, e.g. 0..1000, but found '" + text + "'");
    }
    long[] ends = new long[2];
    String[] parts = {text.substring(0, dots).trim(), text.substring(dots + 2).trim()};
    for (int i = 0; i < 2; i++) {
      try {
        ends[i] = Long.parseLong(parts[i]);
      } catch (NumberFormatException e) {
        throw CliException.badInput(
            "--range: expected FROM..TO with whole numbers but "
                + (i == 0 ? "FROM" : "TO")
                + " is '"
                + parts[i]
                + "' in '"
                + text
                + "'");
      }
    }
    return ends;
  }

  private List<JsonNode> readItems() {
    ItemParser.Format format = ItemParser.Format.fromWire(itemsFormat);
    if (format == null) {
      throw CliException.badInput(
          "--items-format: expected jsonl, lines or json but found '" + itemsFormat + "'");
    }
    String text;
    try {
      byte[] content =
          itemsFile.equals("-")
              ? context.in().readAllBytes()
              : Files.readAllBytes(context.path(itemsFile));
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
    } catch (NoSuchFileException e) {
      throw CliException.badInput("--items: no such file " + itemsFile);
    } catch (CharacterCodingException e) {
      throw CliException.badInput("--items: " + itemsFile + " is not UTF-8 text");
    } catch (IOException e) {
      throw CliException.badInput("--items: cannot read " + itemsFile + ": " + e.getMessage());
    }
    List<JsonNode> items = new ArrayList<>();
    ItemParser.read(text, format, item -> items.add(item.value()));
    if (items.isEmpty()) {
      throw CliException.badInput(
          "--items: no items in " + (itemsFile.equals("-") ? "standard input" : itemsFile));
    }
    return items;
  }

  /** The chunks a command is about to write, read back as the coordinator reads them. */
  private record InMemoryChunks(DataLoop.ItemChunks chunks) {
    static InMemoryChunks of(List<ItemChunk> chunks) {
      Map<String, List<JsonNode>> byId = new HashMap<>();
      List<String> ids = new ArrayList<>();
      long[] offsets = new long[chunks.size()];
      for (int i = 0; i < chunks.size(); i++) {
        String id = "chunk-" + i;
        ids.add(id);
        offsets[i] = chunks.get(i).offset();
        byId.put(id, chunks.get(i).items());
      }
      FanoutLog log =
          new FanoutLog() {
            @Override
            public List<JsonNode> items(String chunkId) {
              return byId.get(chunkId);
            }

            @Override
            public Optional<ChildDone> childDone(long seq) {
              return Optional.empty();
            }
          };
      return new InMemoryChunks(new DataLoop.ItemChunks(ids, offsets, log));
    }
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
      content =
          file.equals("-") ? context.in().readAllBytes() : Files.readAllBytes(context.path(file));
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

  private static List<String> targetsOf(List<SubtaskSpec> specs) {
    List<String> targets = new ArrayList<>(specs.size());
    specs.forEach(spec -> targets.add(spec.target()));
    return targets;
  }
}
