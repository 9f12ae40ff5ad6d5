package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The body of a child INTEND ({@code fanout_child}) on the child's thread: one attempt of one
 * subtask, as the coordinator sends it to the worker it chose.
 *
 * @param parentThread the parent's thread, where the worker reports {@code fanout_child_done}
 * @param coordinator the coordinator's URL, where the worker delivers its results; null when the
 *     coordinator did not say (the worker then uses its configured coordinator)
 * @param worker the DID of the worker the attempt was spawned on
 * @param attempt the attempt number, from 1
 * @param budget the most the child may spend in USD, or null
 * @param timeoutSecs the most wall time the child may take, or null
 * @param run the shell command for the shell executor, or null
 * @param inputs the results of the subtasks it depends on, in {@code depends} order
 * @param hint guidance for this attempt from {@code spl task retry --hint}, or null
 * @param shard the child's index in its fan-out (its loop's shard), the same as {@code index}
 * @param iterFrom the first item position or range point of the child ({@code index} for a listed
 *     subtask)
 * @param iterTo one past its last item position or range point ({@code index + 1} for a listed
 *     subtask)
 * @param idempotencyKey {@link DataLoop#idempotencyKey}: the same for every attempt of the child
 * @param items the child's items (an item loop's shard), or null
 * @param loop what a data child iterates over ({@code items} or {@code range}), or null for a
 *     listed subtask
 * @param fanin for a stage after the join ({@code --then}): the fan-in it is given, which a shell
 *     child reads from {@code $SPL_FANIN_FILE}; null for every other child
 * @param worktree the commit and branch of a child that works in a git worktree of its own, or null
 * @param executor {@link SubtaskSpec#ECHO} when its subtask asked for the echo executor ({@code
 *     executor=echo}), which a shell worker then runs instead of the command; null otherwise
 * @param maxRunning at most this many attempts of the child's fan-out run at once on the worker it
 *     was spawned on (that worker's share of the fan-out's {@code --max-concurrency}), or 0 for no
 *     such limit
 */
public record ChildIntent(
    String namespace,
    String fanout,
    String parentThread,
    String coordinator,
    String worker,
    int index,
    int attempt,
    String goal,
    BigDecimal budget,
    Long timeoutSecs,
    String run,
    List<Input> inputs,
    String hint,
    int shard,
    long iterFrom,
    long iterTo,
    String idempotencyKey,
    ArrayNode items,
    DataLoop.Kind loop,
    ObjectNode fanin,
    Worktrees.Child worktree,
    String executor,
    int maxRunning) {

  /** A child that does not work in a worktree. */
  public ChildIntent(
      String namespace,
      String fanout,
      String parentThread,
      String coordinator,
      String worker,
      int index,
      int attempt,
      String goal,
      BigDecimal budget,
      Long timeoutSecs,
      String run,
      List<Input> inputs,
      String hint,
      int shard,
      long iterFrom,
      long iterTo,
      String idempotencyKey,
      ArrayNode items,
      DataLoop.Kind loop,
      ObjectNode fanin) {
    this(
        namespace,
        fanout,
        parentThread,
        coordinator,
        worker,
        index,
        attempt,
        goal,
        budget,
        timeoutSecs,
        run,
        inputs,
        hint,
        shard,
        iterFrom,
        iterTo,
        idempotencyKey,
        items,
        loop,
        fanin,
        null,
        null,
        0);
  }

  /** The same attempt, working in a worktree as {@code child} says. */
  public ChildIntent withWorktree(Worktrees.Child child) {
    return new ChildIntent(
        namespace,
        fanout,
        parentThread,
        coordinator,
        worker,
        index,
        attempt,
        goal,
        budget,
        timeoutSecs,
        run,
        inputs,
        hint,
        shard,
        iterFrom,
        iterTo,
        idempotencyKey,
        items,
        loop,
        fanin,
        child,
        executor,
        maxRunning);
  }

  /**
   * The same attempt, limited to {@code limit} running at once on its worker ({@link #maxRunning}).
   */
  public ChildIntent withMaxRunning(int limit) {
    return new ChildIntent(
        namespace,
        fanout,
        parentThread,
        coordinator,
        worker,
        index,
        attempt,
        goal,
        budget,
        timeoutSecs,
        run,
        inputs,
        hint,
        shard,
        iterFrom,
        iterTo,
        idempotencyKey,
        items,
        loop,
        fanin,
        worktree,
        executor,
        limit);
  }

  /** A child that is not a stage after the join. */
  public ChildIntent(
      String namespace,
      String fanout,
      String parentThread,
      String coordinator,
      String worker,
      int index,
      int attempt,
      String goal,
      BigDecimal budget,
      Long timeoutSecs,
      String run,
      List<Input> inputs,
      String hint,
      int shard,
      long iterFrom,
      long iterTo,
      String idempotencyKey,
      ArrayNode items,
      DataLoop.Kind loop) {
    this(
        namespace,
        fanout,
        parentThread,
        coordinator,
        worker,
        index,
        attempt,
        goal,
        budget,
        timeoutSecs,
        run,
        inputs,
        hint,
        shard,
        iterFrom,
        iterTo,
        idempotencyKey,
        items,
        loop,
        null);
  }

  /** A predecessor's result: {@code verdict} is its wire name. */
  public record Input(int index, String verdict, String summary) {
    public Input {
      Objects.requireNonNull(verdict, "verdict");
      Objects.requireNonNull(summary, "summary");
    }
  }

  public ChildIntent {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(parentThread, "parentThread");
    Objects.requireNonNull(worker, "worker");
    Objects.requireNonNull(goal, "goal");
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (maxRunning < 0) {
      throw new IllegalArgumentException("maxRunning must be 0 or more but was " + maxRunning);
    }
  }

  /** A listed subtask's attempt: shard {@code index}, covering {@code [index, index + 1)}. */
  public ChildIntent(
      String namespace,
      String fanout,
      String parentThread,
      String coordinator,
      String worker,
      int index,
      int attempt,
      String goal,
      BigDecimal budget,
      Long timeoutSecs,
      String run,
      List<Input> inputs,
      String hint) {
    this(
        namespace,
        fanout,
        parentThread,
        coordinator,
        worker,
        index,
        attempt,
        goal,
        budget,
        timeoutSecs,
        run,
        inputs,
        hint,
        index,
        index,
        index + 1L,
        DataLoop.idempotencyKey(fanout, index, index, index + 1L),
        null,
        null);
  }

  /** The fan-out the child belongs to. */
  public FanoutRef fanoutRef() {
    return new FanoutRef(fanout, parentThread, namespace);
  }

  /** The key a worker knows the attempt by: child thread and attempt. */
  public static String attemptKey(String childThread, int attempt) {
    return childThread + ":" + attempt;
  }

  /** {@code inputs} as written in the body: an array of {@code {index, verdict, summary}}. */
  public ArrayNode inputsJson() {
    ArrayNode array = Json.MAPPER.createArrayNode();
    for (Input input : inputs) {
      ObjectNode node = array.addObject();
      node.put("index", input.index());
      node.put("verdict", input.verdict());
      node.put("summary", input.summary());
    }
    return array;
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CHILD, namespace, fanout);
    body.put("parent_thread", parentThread);
    if (coordinator != null) {
      body.put("coordinator", coordinator);
    }
    body.put("worker", worker);
    body.put("index", index);
    body.put("attempt", attempt);
    body.put("goal", goal);
    if (budget != null) {
      body.put("budget", budget);
    }
    if (timeoutSecs != null) {
      body.put("timeout", timeoutSecs);
    }
    if (run != null) {
      body.put("run", run);
    }
    body.set("inputs", inputsJson());
    if (hint != null) {
      body.put("hint", hint);
    }
    body.put("shard", shard);
    body.put("iter_from", iterFrom);
    body.put("iter_to", iterTo);
    body.put("idempotency_key", idempotencyKey);
    if (items != null) {
      body.set("items", items);
    }
    if (loop != null) {
      body.put("loop", loop.wire());
    }
    if (fanin != null) {
      body.set("fanin", fanin);
    }
    if (worktree != null) {
      body.set("worktree", worktree.toJson());
    }
    if (executor != null) {
      body.put("executor", executor);
    }
    if (maxRunning > 0) {
      body.put("max_running", maxRunning);
    }
    return body;
  }

  public static ChildIntent fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CHILD);
    List<Input> inputs = new ArrayList<>();
    for (WireReader input : reader.objects("inputs")) {
      inputs.add(
          new Input(input.integer("index", 0), input.text("verdict"), input.text("summary")));
    }
    String fanout = reader.text("fanout");
    int index = reader.integer("index", 0);
    // Written by every coordinator since data fan-outs; a listed subtask's identity otherwise.
    Integer shard = reader.optionalInteger("shard", 0);
    Long iterFrom = reader.optionalLong("iter_from", Long.MIN_VALUE + 1);
    Long iterTo = reader.optionalLong("iter_to", Long.MIN_VALUE + 1);
    String key = reader.optionalText("idempotency_key");
    int shardIndex = shard == null ? index : shard;
    long from = iterFrom == null ? index : iterFrom;
    long to = iterTo == null ? index + 1L : iterTo;
    JsonNode items = body.get("items");
    if (items != null && !items.isNull() && !items.isArray()) {
      throw reader.problem("items", "an array", items);
    }
    return new ChildIntent(
        reader.text("namespace"),
        fanout,
        reader.text("parent_thread"),
        reader.optionalText("coordinator"),
        reader.text("worker"),
        index,
        reader.integer("attempt", 1),
        reader.text("goal"),
        reader.optionalDecimal("budget"),
        reader.optionalLong("timeout", 1),
        reader.optionalText("run"),
        inputs,
        reader.optionalText("hint"),
        shardIndex,
        from,
        to,
        key == null ? DataLoop.idempotencyKey(fanout, shardIndex, from, to) : key,
        items == null || items.isNull() ? null : (ArrayNode) items,
        loopOf(reader),
        body.get("fanin") instanceof ObjectNode fanin ? fanin : null,
        body.hasNonNull("worktree") ? Worktrees.Child.fromJson(reader.object("worktree")) : null,
        body.hasNonNull("executor") ? reader.oneOf("executor", SubtaskSpec.ECHO) : null,
        body.hasNonNull("max_running") ? reader.integer("max_running", 1) : 0);
  }

  private static DataLoop.Kind loopOf(WireReader reader) {
    String loop = reader.optionalText("loop");
    if (loop == null) {
      return null;
    }
    return reader
            .oneOf("loop", DataLoop.Kind.ITEMS.wire(), DataLoop.Kind.RANGE.wire())
            .equals(DataLoop.Kind.ITEMS.wire())
        ? DataLoop.Kind.ITEMS
        : DataLoop.Kind.RANGE;
  }
}
