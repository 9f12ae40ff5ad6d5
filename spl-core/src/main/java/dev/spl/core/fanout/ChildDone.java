package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * The body of {@code KNOW fanout_child_done} on the parent's thread: one attempt's result as the
 * coordinator folds it. Written by the worker and delivered through its outbox, or by the
 * coordinator itself when it gives up on a child whose worker was lost.
 *
 * @param worker the DID of the worker that ran the attempt, or null when it is not known
 * @param verdict read with {@link Verdict#fromWire}: a word the coordinator does not know counts as
 *     {@code failed}
 * @param interruptedBy null, or {@link FanoutRecords#INTERRUPTED_BY_HARD_FREEZE} on a cancelled
 *     attempt the worker stopped itself because its namespace's hard freeze passed its grace
 * @param exitCode the shell command's exit code, or null (echo children, children that never ran,
 *     results the coordinator wrote itself)
 * @param value what the child computed (the echo executor's compute mode), or null
 * @param output the attempt's result and file references ({@link ChildOutput#NONE} when none)
 */
public record ChildDone(
    String namespace,
    String fanout,
    int index,
    int attempt,
    String childThread,
    String worker,
    Verdict verdict,
    BigDecimal costUsd,
    double wallTimeSecs,
    String summary,
    long startedAtMillis,
    long finishedAtMillis,
    String interruptedBy,
    Integer exitCode,
    JsonNode value,
    ChildOutput output)
    implements FanoutEvent {

  public ChildDone {
    output = output == null ? ChildOutput.NONE : output;
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(childThread, "childThread");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(costUsd, "costUsd");
    Objects.requireNonNull(summary, "summary");
    FanoutRecords.requireInterruptedBy(interruptedBy);
  }

  /** A result without a result value or file references. */
  public ChildDone(
      String namespace,
      String fanout,
      int index,
      int attempt,
      String childThread,
      String worker,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      long startedAtMillis,
      long finishedAtMillis,
      String interruptedBy,
      Integer exitCode,
      JsonNode value) {
    this(
        namespace,
        fanout,
        index,
        attempt,
        childThread,
        worker,
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        startedAtMillis,
        finishedAtMillis,
        interruptedBy,
        exitCode,
        value,
        ChildOutput.NONE);
  }

  /** A result without an exit code or a computed value. */
  public ChildDone(
      String namespace,
      String fanout,
      int index,
      int attempt,
      String childThread,
      String worker,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      long startedAtMillis,
      long finishedAtMillis,
      String interruptedBy) {
    this(
        namespace,
        fanout,
        index,
        attempt,
        childThread,
        worker,
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        startedAtMillis,
        finishedAtMillis,
        interruptedBy,
        null,
        null,
        ChildOutput.NONE);
  }

  /** A result without a computed value. */
  public ChildDone(
      String namespace,
      String fanout,
      int index,
      int attempt,
      String childThread,
      String worker,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      long startedAtMillis,
      long finishedAtMillis,
      String interruptedBy,
      Integer exitCode) {
    this(
        namespace,
        fanout,
        index,
        attempt,
        childThread,
        worker,
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        startedAtMillis,
        finishedAtMillis,
        interruptedBy,
        exitCode,
        null,
        ChildOutput.NONE);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CHILD_DONE, namespace, fanout);
    body.put("index", index);
    body.put("attempt", attempt);
    body.put("child_thread", childThread);
    if (worker != null) {
      body.put("worker", worker);
    }
    body.put("verdict", verdict.wire());
    body.put("cost_usd", costUsd);
    body.put("wall_time_secs", BigDecimal.valueOf(wallTimeSecs));
    body.put("summary", summary);
    body.put("started_at", startedAtMillis);
    body.put("finished_at", finishedAtMillis);
    if (interruptedBy != null) {
      body.put(FanoutRecords.INTERRUPTED_BY, interruptedBy);
    }
    if (exitCode != null) {
      body.put("exit_code", exitCode);
    }
    if (value != null) {
      body.set("value", value);
    }
    output.writeTo(body);
    return body;
  }

  public static ChildDone fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CHILD_DONE);
    return new ChildDone(
        reader.text("namespace"),
        reader.text("fanout"),
        reader.integer("index", 0),
        reader.integer("attempt", 1),
        reader.text("child_thread"),
        reader.optionalText("worker"),
        Verdict.fromWire(reader.text("verdict")),
        reader.decimal("cost_usd"),
        reader.nonNegativeDouble("wall_time_secs"),
        reader.text("summary"),
        reader.longValue("started_at", 0),
        reader.longValue("finished_at", 0),
        FanoutRecords.readInterruptedBy(reader),
        reader.optionalInteger("exit_code", Integer.MIN_VALUE),
        FanoutRecords.readValue(body),
        ChildOutput.read(body, reader));
  }
}
