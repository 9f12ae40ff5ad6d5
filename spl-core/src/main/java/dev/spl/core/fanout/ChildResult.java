package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * The body of {@code KNOW child_result} on a child's thread: the worker's own record of how one
 * attempt ended. Its copy for the coordinator is the {@link ChildDone} written with it.
 *
 * @param fulfills the id of the child INTEND of the attempt
 * @param exitCode the shell command's exit code, or null
 * @param interruptedBy as in {@link ChildDone}
 * @param value what the child computed (the echo executor's compute mode), or null
 * @param output the attempt's result and file references, as in {@link ChildDone}
 */
public record ChildResult(
    String namespace,
    String fulfills,
    int attempt,
    Verdict verdict,
    BigDecimal costUsd,
    double wallTimeSecs,
    String summary,
    Integer exitCode,
    String interruptedBy,
    JsonNode value,
    ChildOutput output) {

  public ChildResult {
    output = output == null ? ChildOutput.NONE : output;
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fulfills, "fulfills");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(costUsd, "costUsd");
    Objects.requireNonNull(summary, "summary");
    FanoutRecords.requireInterruptedBy(interruptedBy);
  }

  /** A result without a result value or file references. */
  public ChildResult(
      String namespace,
      String fulfills,
      int attempt,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      Integer exitCode,
      String interruptedBy,
      JsonNode value) {
    this(
        namespace,
        fulfills,
        attempt,
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        exitCode,
        interruptedBy,
        value,
        ChildOutput.NONE);
  }

  /** A result without a computed value. */
  public ChildResult(
      String namespace,
      String fulfills,
      int attempt,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      Integer exitCode,
      String interruptedBy) {
    this(
        namespace,
        fulfills,
        attempt,
        verdict,
        costUsd,
        wallTimeSecs,
        summary,
        exitCode,
        interruptedBy,
        null,
        ChildOutput.NONE);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.CHILD_RESULT);
    body.put("namespace", namespace);
    body.put("fulfills", fulfills);
    body.put("attempt", attempt);
    body.put("verdict", verdict.wire());
    body.put("cost_usd", costUsd);
    body.put("wall_time_secs", BigDecimal.valueOf(wallTimeSecs));
    body.put("summary", summary);
    if (exitCode != null) {
      body.put("exit_code", exitCode);
    }
    if (interruptedBy != null) {
      body.put(FanoutRecords.INTERRUPTED_BY, interruptedBy);
    }
    if (value != null) {
      body.set("value", value);
    }
    output.writeTo(body);
    return body;
  }

  public static ChildResult fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.CHILD_RESULT);
    return new ChildResult(
        reader.text("namespace"),
        reader.text("fulfills"),
        reader.integer("attempt", 1),
        Verdict.fromWire(reader.text("verdict")),
        reader.decimal("cost_usd"),
        reader.nonNegativeDouble("wall_time_secs"),
        reader.text("summary"),
        reader.optionalInteger("exit_code", Integer.MIN_VALUE),
        FanoutRecords.readInterruptedBy(reader),
        FanoutRecords.readValue(body),
        ChildOutput.read(body, reader));
  }
}
