package dev.spl.core.fanout;

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
    String hint) {

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
    return body;
  }

  public static ChildIntent fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CHILD);
    List<Input> inputs = new ArrayList<>();
    for (WireReader input : reader.objects("inputs")) {
      inputs.add(
          new Input(input.integer("index", 0), input.text("verdict"), input.text("summary")));
    }
    return new ChildIntent(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.text("parent_thread"),
        reader.optionalText("coordinator"),
        reader.text("worker"),
        reader.integer("index", 0),
        reader.integer("attempt", 1),
        reader.text("goal"),
        reader.optionalDecimal("budget"),
        reader.optionalLong("timeout", 1),
        reader.optionalText("run"),
        inputs,
        reader.optionalText("hint"));
  }
}
