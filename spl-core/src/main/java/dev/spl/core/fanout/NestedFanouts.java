package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Fan-outs made by a running child on its own thread ({@code spl task fan-out "$SPL_CHILD_THREAD"
 * ...}): how deep they are, and the result the outer child ends with once its command has exited
 * and its nested fan-in is terminal (see docs/fan-in.md, "Nested fan-out"). Pure.
 */
public final class NestedFanouts {
  /** The deepest fan-out a coordinator takes unless set otherwise: a task's own is depth 1. */
  public static final int DEFAULT_MAX_DEPTH = 4;

  /**
   * The most a coordinator's depth limit ({@code max_fanout_depth}) may be set to: the depth check
   * walks one child record per level for every fan-out a child writes, so the walk stays short.
   */
  public static final int MAX_MAX_DEPTH = 16;

  /**
   * The body field of the {@code fanout_child_done} the coordinator writes for an outer child: the
   * id of its nested fan-out. A worker's result never carries it.
   */
  public static final String NESTED_FIELD = "nested";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private NestedFanouts() {}

  /**
   * The depth of a fan-out whose parent is on {@code thread}: 1 on a task's thread, one more than
   * the child's own fan-out on a child's thread. {@code childOf} finds the child INTEND of an
   * attempt written on a thread (empty for a thread that is no child's). Stops counting at {@code
   * cap} (returns {@code cap} + 1 when deeper), so a cycle or a very deep chain costs no more.
   */
  public static int depthOf(
      String thread, int cap, BiFunction<String, Integer, Optional<ChildIntent>> childOf) {
    int depth = 1;
    String at = thread;
    while (depth <= cap) {
      Optional<ChildIntent> child = childOf.apply(at, 1);
      if (child.isEmpty()) {
        return depth;
      }
      depth++;
      at = child.get().parentThread();
    }
    return depth;
  }

  /** The outer child's verdict from its nested join's: a failed nested fan-in fails it. */
  static Verdict verdictOf(String nestedJoinVerdict) {
    return switch (nestedJoinVerdict) {
      case JoinComplete.ACCEPT, JoinComplete.PARTIAL -> Verdict.ACCEPT;
      case JoinComplete.CANCELLED -> Verdict.CANCELLED;
      default -> Verdict.FAILED;
    };
  }

  /**
   * The result of an outer child whose command ended with {@code commandDone} and whose nested
   * fan-out {@code nested} has completed its join: the nested fan-in (status, counts, reduced
   * values), the nested join's verdict, the command's exit code and start; the cost is the
   * command's and the nested children's.
   */
  static ChildDone outerResult(ChildDone commandDone, FanoutState nested) {
    Fanin fanin = nested.fanin();
    ObjectNode result = NODES.objectNode();
    result.put("nested", nested.ref().id());
    result.put("thread", nested.ref().thread());
    result.put("verdict", nested.joinVerdict());
    result.put("status", fanin.status());
    result.put("n", nested.width());
    result.put("succeeded", fanin.succeeded());
    result.put("failed", fanin.failed());
    result.put("cancelled", fanin.cancelled());
    ObjectNode reduced = result.putObject("reduced");
    for (Map.Entry<String, Reductions.Value> entry : nested.reduced().entrySet()) {
      reduced.set(
          entry.getKey(),
          entry.getValue().value() == null ? NODES.nullNode() : entry.getValue().value());
    }
    long finished = Math.max(commandDone.finishedAtMillis(), nested.joinCompletedAtMillis());
    Verdict verdict = verdictOf(nested.joinVerdict());
    return new ChildDone(
        commandDone.namespace(),
        commandDone.fanout(),
        commandDone.index(),
        commandDone.attempt(),
        commandDone.childThread(),
        commandDone.worker(),
        verdict,
        commandDone.costUsd().add(nested.totalCostUsd()),
        Math.max(0, finished - commandDone.startedAtMillis()) / 1000.0,
        "nested fan-out "
            + nested.ref().id()
            + ": "
            + nested.joinVerdict()
            + " ("
            + fanin.succeeded()
            + " of "
            + nested.width()
            + " accepted)",
        commandDone.startedAtMillis(),
        finished,
        null,
        commandDone.exitCode(),
        null,
        new ChildOutput(result, java.util.List.of()));
  }

  /** The body of the outer child's result: {@link #outerResult} naming its nested fan-out. */
  static ObjectNode outerResultBody(ChildDone outer, String nestedId) {
    ObjectNode body = outer.toBody();
    body.put(NESTED_FIELD, nestedId);
    return body;
  }
}
