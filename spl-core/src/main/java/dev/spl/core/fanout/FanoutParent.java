package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;

/**
 * The body of a fan-out parent: {@code INTEND fanout} on the task's thread. The record also lists
 * the chunk ids among its parents.
 *
 * @param join {@code all}, {@code any}, {@code k_of_n:K} or a CEL expression
 * @param subtaskCount how many children: the listed subtasks, or the shards of {@code loop}
 * @param chunks the ids of the {@code fanout_subtasks} chunks in subtask order, or of the {@code
 *     fanout_items} chunks in item order for an item loop (none for a range)
 * @param maxAttempts how many workers a child may lose before it fails
 * @param replaces the id of an earlier fan-out of the task this one replaces, or null
 * @param loop the items or range a data fan-out iterates over, or null for listed subtasks
 * @param options the failure policy, retries and concurrency
 * @param fanin the reducers (written as {@code reduce}, only when there are some)
 * @param worktree the commit and branch names of children that each work in a git worktree ({@code
 *     spl task fan-out --repo}), or null
 */
public record FanoutParent(
    String namespace,
    String join,
    int subtaskCount,
    List<String> chunks,
    int maxAttempts,
    String replaces,
    long createdAtMillis,
    DataLoop loop,
    FanoutOptions options,
    FaninSpec fanin,
    Worktrees.Spec worktree) {

  /** The most {@code max_attempts}: the fold keeps the count in a byte. */
  public static final int MAX_ATTEMPTS = 100;

  public FanoutParent {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(join, "join");
    Objects.requireNonNull(options, "options");
    chunks = List.copyOf(chunks);
    fanin = fanin == null ? FaninSpec.NONE : fanin;
  }

  /** A fan-out whose children do not work in worktrees. */
  public FanoutParent(
      String namespace,
      String join,
      int subtaskCount,
      List<String> chunks,
      int maxAttempts,
      String replaces,
      long createdAtMillis,
      DataLoop loop,
      FanoutOptions options,
      FaninSpec fanin) {
    this(
        namespace,
        join,
        subtaskCount,
        chunks,
        maxAttempts,
        replaces,
        createdAtMillis,
        loop,
        options,
        fanin,
        null);
  }

  /** A fan-out without reducers. */
  public FanoutParent(
      String namespace,
      String join,
      int subtaskCount,
      List<String> chunks,
      int maxAttempts,
      String replaces,
      long createdAtMillis,
      DataLoop loop,
      FanoutOptions options) {
    this(
        namespace,
        join,
        subtaskCount,
        chunks,
        maxAttempts,
        replaces,
        createdAtMillis,
        loop,
        options,
        FaninSpec.NONE);
  }

  /** A fan-out of listed subtasks with the default options. */
  public FanoutParent(
      String namespace,
      String join,
      int subtaskCount,
      List<String> chunks,
      int maxAttempts,
      String replaces,
      long createdAtMillis) {
    this(
        namespace,
        join,
        subtaskCount,
        chunks,
        maxAttempts,
        replaces,
        createdAtMillis,
        null,
        FanoutOptions.DEFAULTS);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.FANOUT);
    body.put("namespace", namespace);
    body.put("join", join);
    body.put("subtask_count", subtaskCount);
    ArrayNode array = body.putArray("chunks");
    chunks.forEach(array::add);
    body.put("max_attempts", maxAttempts);
    if (replaces != null) {
      body.put("replaces", replaces);
    }
    body.put("created_at", createdAtMillis);
    if (loop != null) {
      body.set("loop", loop.toJson());
    }
    // Written only when they differ from the defaults, so a plain fan-out's body is as before.
    if (options.policy() != FanoutPolicy.ALL) {
      body.put("policy", options.policy().wire());
    }
    if (options.maxRetries() != 0) {
      body.put("max_retries", options.maxRetries());
    }
    if (options.retryBackoffMillis() != FanoutOptions.DEFAULT_BACKOFF_MILLIS) {
      body.put(
          "retry_backoff_secs",
          BigDecimal.valueOf(options.retryBackoffMillis(), 3).stripTrailingZeros());
    }
    if (options.maxConcurrency() != 0) {
      body.put("max_concurrency", options.maxConcurrency());
    }
    if (options.totalBudgetUsd() != null) {
      body.put("total_budget_usd", options.totalBudgetUsd());
    }
    if (options.hedgeAfter() != null) {
      body.set("hedge_after", Json.MAPPER.valueToTree(options.hedgeAfter().wire()));
    }
    if (!fanin.reducers().isEmpty()) {
      ArrayNode reduce = body.putArray("reduce");
      fanin.reducerTexts().forEach(reduce::add);
    }
    if (!fanin.stages().isEmpty()) {
      ArrayNode then = body.putArray("then");
      fanin.stages().forEach(stage -> then.add(stage.toJson()));
    }
    if (fanin.thenIf() != null) {
      body.put("then_if", fanin.thenIf());
    }
    if (worktree != null) {
      body.set("worktree", worktree.toJson());
    }
    return body;
  }

  public static FanoutParent fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.FANOUT);
    DataLoop loop = body.hasNonNull("loop") ? DataLoop.fromJson(reader.object("loop")) : null;
    String policyText = reader.optionalText("policy");
    FanoutPolicy policy =
        policyText == null
            ? FanoutPolicy.ALL
            : FanoutPolicy.fromWire(reader.oneOf("policy", FanoutPolicy.wires()));
    Integer maxRetries = reader.optionalInteger("max_retries", 0);
    BigDecimal backoff = reader.optionalDecimal("retry_backoff_secs");
    Integer maxConcurrency = reader.optionalInteger("max_concurrency", 1);
    BigDecimal totalBudget = reader.optionalDecimal("total_budget_usd");
    FanoutOptions options;
    try {
      var hedgeNode = body.get("hedge_after");
      HedgeAfter hedgeAfter =
          hedgeNode == null || hedgeNode.isNull()
              ? null
              : HedgeAfter.parse(
                  hedgeNode.isNumber()
                      ? hedgeNode.decimalValue().toPlainString()
                      : hedgeNode.isTextual() ? hedgeNode.textValue() : hedgeNode.toString());
      options =
          new FanoutOptions(
              policy,
              maxRetries == null ? 0 : maxRetries,
              backoff == null ? FanoutOptions.DEFAULT_BACKOFF_MILLIS : millis(backoff),
              maxConcurrency == null ? 0 : maxConcurrency,
              totalBudget,
              hedgeAfter);
    } catch (InvalidFanoutException e) {
      throw new InvalidRecordException("body: " + e.getMessage());
    }
    int subtaskCount = reader.integer("subtask_count", 1);
    if (loop != null && loop.width() != subtaskCount) {
      throw reader.problem(
          "subtask_count",
          "the " + loop.width() + " shards of the loop",
          body.get("subtask_count"));
    }
    int maxAttempts = reader.integer("max_attempts", 1);
    if (maxAttempts > MAX_ATTEMPTS) {
      throw reader.problem(
          "max_attempts", "a whole number from 1 to " + MAX_ATTEMPTS, body.get("max_attempts"));
    }
    FaninSpec fanin = FaninSpec.NONE;
    if (body.hasNonNull("reduce") || body.hasNonNull("then")) {
      try {
        List<Reducer> reducers =
            body.hasNonNull("reduce")
                ? Reducer.parseAll(reader.texts("reduce"), "reduce")
                : List.of();
        List<SubtaskSpec> stages = new java.util.ArrayList<>();
        if (body.hasNonNull("then")) {
          List<com.fasterxml.jackson.databind.node.ObjectNode> raw = reader.rawObjects("then");
          for (int i = 0; i < raw.size(); i++) {
            stages.add(SubtaskParser.parseJson(i, raw.get(i)));
          }
        }
        fanin = new FaninSpec(reducers, stages, reader.optionalText("then_if"));
      } catch (InvalidFanoutException e) {
        throw new InvalidRecordException("body." + e.getMessage());
      }
    }
    return new FanoutParent(
        reader.text("namespace"),
        reader.text("join"),
        subtaskCount,
        reader.texts("chunks"),
        maxAttempts,
        reader.optionalText("replaces"),
        reader.longValue("created_at", 0),
        loop,
        options,
        fanin,
        body.hasNonNull("worktree") ? Worktrees.Spec.fromJson(reader.object("worktree")) : null);
  }

  /** Seconds as whole milliseconds; anything out of range is left for the options to refuse. */
  static long millis(BigDecimal seconds) {
    BigDecimal millis = seconds.movePointRight(3).setScale(0, RoundingMode.HALF_UP);
    if (millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
      return Long.MAX_VALUE / 2;
    }
    return millis.longValue();
  }
}
