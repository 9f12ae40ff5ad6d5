package dev.spl.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.UniqueClaim;
import dev.spl.core.UniqueKeys;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import java.util.Optional;
import java.util.Set;

/**
 * The unique keys of spl's records, decided in the store's append (see {@link UniqueKeys}):
 *
 * <ul>
 *   <li>a task ({@code INTEND task}) with a {@code body.alias} claims {@code alias:<alias>}: one
 *       task per alias;
 *   <li>a fan-out parent ({@code INTEND fanout}) claims {@code fanout-of:<its thread>}: one fan-out
 *       per task. A parent whose {@code body.replaces} names the task's current fan-out takes the
 *       key over from it; one that names any other record is refused, so of two concurrent
 *       replacements one wins. A parent whose body is not a fan-out parent claims nothing (the
 *       fan-out fold never acts on it either).
 * </ul>
 */
public final class UniqueRecords implements UniqueKeys {
  /** The topic of a task's genesis INTEND. */
  public static final String TASK_TOPIC = "task";

  public static final String ALIAS_PREFIX = "alias:";
  public static final String FANOUT_PREFIX = "fanout-of:";

  public static final UniqueRecords SPL = new UniqueRecords();

  private UniqueRecords() {}

  @Override
  public Optional<UniqueClaim> claimOf(Record record) {
    if (record.act() != Act.INTEND) {
      return Optional.empty();
    }
    String topic = record.topic();
    if (TASK_TOPIC.equals(topic)) {
      JsonNode alias = record.body().get("alias");
      if (alias == null || !alias.isTextual() || alias.asText().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new UniqueClaim(
              ALIAS_PREFIX + alias.asText(),
              null,
              "the task alias '" + alias.asText() + "'",
              "choose another alias"));
    }
    if (FanoutRecords.FANOUT.equals(topic)) {
      FanoutParent parent;
      try {
        parent = FanoutParent.fromBody(record.body());
      } catch (InvalidRecordException e) {
        return Optional.empty();
      }
      return Optional.of(
          new UniqueClaim(
              FANOUT_PREFIX + record.thread(),
              parent.replaces(),
              "the fan-out of task " + record.thread(),
              "a task has one fan-out at a time: a new one must name the current one in"
                  + " body.replaces"));
    }
    return Optional.empty();
  }

  @Override
  public String version() {
    return "spl-1";
  }

  @Override
  public Set<String> topics() {
    return Set.of(TASK_TOPIC, FanoutRecords.FANOUT);
  }
}
