package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * The body of {@code LEARN fanout_merge_step} on the parent's thread: the coordinator's merge queue
 * integrated (or failed to integrate) one child's branch. Written by the coordinator only, after
 * the integration branch moved (or did not), so a restart resumes from these records.
 *
 * @param from the integration branch's commit before the step (the base before the first)
 * @param head the integration branch's commit after the step ({@code from} unless integrated)
 * @param paths the conflicting paths ({@code conflict} only, else empty)
 * @param tail the end of the check's output ({@code check_failed} only, else null)
 * @param recovered whether the step was found already done after a restart, not run again
 */
public record MergeStep(
    String namespace,
    String fanout,
    int index,
    int attempt,
    String branch,
    String childHead,
    MergeQueue.Outcome outcome,
    String from,
    String head,
    List<String> paths,
    String tail,
    boolean recovered,
    long atMillis)
    implements FanoutEvent {

  public MergeStep {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(outcome, "outcome");
    paths = paths == null ? List.of() : List.copyOf(paths);
    Worktrees.requireCommit("from", from);
    Worktrees.requireCommit("head", head);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.MERGE_STEP, namespace, fanout);
    body.put("index", index);
    body.put("attempt", attempt);
    body.put("branch", branch);
    body.put("child_head", childHead);
    body.put("outcome", outcome.wire());
    body.put("from", from);
    body.put("head", head);
    if (!paths.isEmpty()) {
      ArrayNode array = body.putArray("paths");
      paths.forEach(array::add);
    }
    if (tail != null) {
      body.put("tail", tail);
    }
    if (recovered) {
      body.put("recovered", true);
    }
    body.put("at", atMillis);
    return body;
  }

  public static MergeStep fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.MERGE_STEP);
    String outcome = reader.oneOf("outcome", "integrated", "conflict", "check_failed");
    try {
      return new MergeStep(
          reader.text("namespace"),
          reader.text("fanout"),
          reader.integer("index", 0),
          reader.integer("attempt", 1),
          reader.text("branch"),
          reader.text("child_head"),
          MergeQueue.Outcome.of(outcome),
          reader.text("from"),
          reader.text("head"),
          body.has("paths") ? reader.texts("paths") : List.of(),
          reader.optionalText("tail"),
          reader.optionalBoolean("recovered"),
          reader.longValue("at", 0));
    } catch (IllegalArgumentException e) {
      throw new dev.spl.core.InvalidRecordException("body." + e.getMessage());
    }
  }

  /** What the task's result says of this child: its outcome, and the paths or the check's tail. */
  public ObjectNode toSummary() {
    ObjectNode node = dev.spl.core.Json.MAPPER.createObjectNode();
    node.put("index", index);
    node.put("attempt", attempt);
    node.put("branch", branch);
    node.put("child_head", childHead);
    node.put("outcome", outcome.wire());
    if (outcome == MergeQueue.Outcome.INTEGRATED) {
      node.put("head", head);
    }
    if (!paths.isEmpty()) {
      ArrayNode array = node.putArray("paths");
      paths.forEach(array::add);
    }
    if (tail != null) {
      node.put("tail", tail);
    }
    return node;
  }
}
