package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * The body of a fan-out parent: {@code INTEND fanout} on the task's thread. The record also lists
 * the chunk ids among its parents.
 *
 * @param join {@code all}, {@code any}, {@code k_of_n:K} or a CEL expression
 * @param subtaskCount how many subtasks the chunks hold together
 * @param chunks the ids of the {@code fanout_subtasks} chunks, in subtask order
 * @param maxAttempts how many workers a child may lose before it fails
 * @param replaces the id of an earlier fan-out of the task this one replaces, or null
 */
public record FanoutParent(
    String namespace,
    String join,
    int subtaskCount,
    List<String> chunks,
    int maxAttempts,
    String replaces,
    long createdAtMillis) {

  public FanoutParent {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(join, "join");
    chunks = List.copyOf(chunks);
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
    return body;
  }

  public static FanoutParent fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.FANOUT);
    return new FanoutParent(
        reader.text("namespace"),
        reader.text("join"),
        reader.integer("subtask_count", 1),
        reader.texts("chunks"),
        reader.integer("max_attempts", 1),
        reader.optionalText("replaces"),
        reader.longValue("created_at", 0));
  }
}
