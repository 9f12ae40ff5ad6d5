package dev.spl.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One immutable fact in the log. The content id is the SHA-256 of the canonical JSON of these six
 * fields (see {@link RecordIds}). The body is a Jackson tree: callers must not mutate it after
 * building the record, because the id is derived from it.
 *
 * <p>Two records are equal exactly when their ids are equal: bodies are compared by canonical form
 * (numbers as the IEEE-754 doubles RFC 8785 reads them), so {@code 1.50} equals {@code 1.5}, {@code
 * 56.0} equals {@code 56}, {@code 333333333.33333329} equals {@code 333333333.3333333} and an int
 * node equals a long node of the same value. This keeps a record read back from a store (which
 * keeps the canonical form) equal to the one written.
 */
public record Record(
    String thread, String actor, Act act, ObjectNode body, long clock, List<String> parents) {

  /** The largest clock: 2^53, the largest integer every JSON reader takes exactly. */
  public static final long MAX_CLOCK = CanonicalJson.MAX_EXACT_INTEGER;

  public Record {
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(act, "act");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(parents, "parents");
    ThreadIds.requireValid(thread);
    Actors.requireValid(actor);
    if (clock < 0 || clock > MAX_CLOCK) {
      throw new InvalidRecordException(
          "clock: expected a non-negative integer of at most " + MAX_CLOCK + " but found " + clock);
    }
    List<String> sorted = new ArrayList<>(parents);
    Collections.sort(sorted);
    for (int i = 0; i < sorted.size(); i++) {
      String parent = sorted.get(i);
      RecordIds.requireValid(parent, "parents");
      if (i > 0 && parent.equals(sorted.get(i - 1))) {
        throw new InvalidRecordException(
            "parents: expected distinct record ids but " + parent + " is given twice");
      }
    }
    parents = List.copyOf(sorted);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Record other
        && clock == other.clock
        && act == other.act
        && thread.equals(other.thread)
        && actor.equals(other.actor)
        && parents.equals(other.parents)
        && body.equals(CanonicalJson.SAME_CANONICAL_FORM, other.body);
  }

  @Override
  public int hashCode() {
    // The body is left out: equal bodies may differ in node types, and the rest spreads well
    // enough.
    return Objects.hash(thread, actor, act, clock, parents);
  }

  /** The record's content id: lowercase hex SHA-256 of its canonical JSON. */
  public String id() {
    return RecordIds.of(this);
  }

  /** {@code body.topic}, or null when the body has none. */
  public String topic() {
    var topic = body.get("topic");
    return topic != null && topic.isTextual() ? topic.asText() : null;
  }

  /** {@code body.namespace}, or null when the body has none. */
  public String namespace() {
    var namespace = body.get("namespace");
    return namespace != null && namespace.isTextual() ? namespace.asText() : null;
  }
}
