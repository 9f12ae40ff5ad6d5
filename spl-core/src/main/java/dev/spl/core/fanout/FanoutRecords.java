package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Topics and bodies of the fan-out records (see docs/records.md). */
public final class FanoutRecords {
  public static final String FANOUT = "fanout";
  public static final String SUBTASKS = "fanout_subtasks";
  public static final String SPAWNED = "fanout_spawned";
  public static final String CHILD_DONE = "fanout_child_done";
  public static final String RETRY = "fanout_retry_subtask";
  public static final String CANCEL_SENT = "fanout_cancel_sent";
  public static final String JOIN_COMPLETE = "fanout_join_complete";
  public static final String CHILD = "fanout_child";

  public static final String REASON_MANUAL = "manual";
  public static final String REASON_WORKER_LOST = "worker_lost";
  public static final String CANCEL_JOIN_SATISFIED = "join_satisfied";
  public static final String CANCEL_JOIN_IMPOSSIBLE = "join_impossible";

  /**
   * The {@code fanout_child_done} field a worker sets when it stopped the attempt itself, not at
   * the coordinator's request; its only value is {@link #INTERRUPTED_BY_HARD_FREEZE}.
   */
  public static final String INTERRUPTED_BY = "interrupted_by";

  public static final String INTERRUPTED_BY_HARD_FREEZE = "hard_freeze";

  /** Default subtasks per {@code fanout_subtasks} chunk: keeps each record well under 1 MiB. */
  public static final int DEFAULT_CHUNK_SIZE = 1_000;

  /** Default spawns listed in one {@code fanout_spawned} record. */
  public static final int DEFAULT_SPAWNS_PER_RECORD = 1_000;

  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  private FanoutRecords() {}

  /** A record to append, minus what the writer adds (actor, clock, parents). */
  public record Draft(String thread, Act act, ObjectNode body) {}

  /** The {@code fanout_subtasks} bodies for a descriptor list, {@code chunkSize} per chunk. */
  public static List<ObjectNode> chunkBodies(
      String namespace, List<SubtaskSpec> specs, int chunkSize) {
    List<ObjectNode> chunks = new ArrayList<>();
    for (int offset = 0; offset < specs.size(); offset += chunkSize) {
      ObjectNode body = topic(SUBTASKS);
      body.put("namespace", namespace);
      body.put("offset", offset);
      ArrayNode subtasks = body.putArray("subtasks");
      for (SubtaskSpec spec : specs.subList(offset, Math.min(specs.size(), offset + chunkSize))) {
        subtasks.add(spec.toJson());
      }
      chunks.add(body);
    }
    return chunks;
  }

  /** The fan-out parent INTEND's body; its record lists the chunk ids as parents too. */
  public static ObjectNode parentBody(
      String namespace,
      String join,
      int subtaskCount,
      List<String> chunkIds,
      int maxAttempts,
      String replaces,
      long createdAtMillis) {
    ObjectNode body = topic(FANOUT);
    body.put("namespace", namespace);
    body.put("join", join);
    body.put("subtask_count", subtaskCount);
    ArrayNode chunks = body.putArray("chunks");
    chunkIds.forEach(chunks::add);
    body.put("max_attempts", maxAttempts);
    if (replaces != null) {
      body.put("replaces", replaces);
    }
    body.put("created_at", createdAtMillis);
    return body;
  }

  public static ObjectNode spawnedBody(FanoutRef ref, List<FanoutAction.Spawn> spawns) {
    ObjectNode body = ofFanout(SPAWNED, ref);
    ArrayNode array = body.putArray("spawns");
    for (FanoutAction.Spawn spawn : spawns) {
      ObjectNode entry = array.addObject();
      entry.put("index", spawn.index());
      entry.put("attempt", spawn.attempt());
      entry.put("child_thread", spawn.childThread());
      entry.put("worker", spawn.worker().did());
      entry.put("target", spawn.resolvedTarget());
    }
    return body;
  }

  /**
   * A retry request. {@code attempt} is the attempt being replaced, so applying the same request
   * twice, or after another retry, changes nothing.
   */
  public static ObjectNode retryBody(
      FanoutRef ref, int index, int attempt, String hint, String reason) {
    ObjectNode body = ofFanout(RETRY, ref);
    body.put("index", index);
    body.put("attempt", attempt);
    if (hint != null) {
      body.put("hint", hint);
    }
    body.put("reason", reason);
    return body;
  }

  public static ObjectNode cancelSentBody(FanoutRef ref, List<Integer> indices, String reason) {
    ObjectNode body = ofFanout(CANCEL_SENT, ref);
    ArrayNode array = body.putArray("indices");
    indices.forEach(array::add);
    body.put("reason", reason);
    return body;
  }

  public static ObjectNode childDoneBody(
      FanoutRef ref,
      int index,
      int attempt,
      String childThread,
      String worker,
      Verdict verdict,
      BigDecimal costUsd,
      double wallTimeSecs,
      String summary,
      long startedAtMillis,
      long finishedAtMillis) {
    return childDoneBody(
        ref,
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
        null);
  }

  /**
   * A child's result. {@code interruptedBy} is null, or {@link #INTERRUPTED_BY_HARD_FREEZE} for a
   * cancelled attempt the worker stopped because its namespace's hard freeze passed its grace.
   */
  public static ObjectNode childDoneBody(
      FanoutRef ref,
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
    ObjectNode body = ofFanout(CHILD_DONE, ref);
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
      body.put(INTERRUPTED_BY, interruptedBy);
    }
    return body;
  }

  public static ObjectNode joinCompleteBody(FanoutAction.CompleteJoin join) {
    ObjectNode body = ofFanout(JOIN_COMPLETE, join.fanout());
    body.put("fulfills", join.fanout().id());
    body.put("verdict", join.verdict());
    ArrayNode children = body.putArray("children");
    for (ChildView child : join.children()) {
      ObjectNode entry = children.addObject();
      entry.put("index", child.index());
      entry.put("thread", child.thread());
      entry.put("worker", child.worker());
      entry.put("verdict", child.verdict());
      entry.put("cost_usd", child.costUsd());
      entry.put("wall_time_secs", BigDecimal.valueOf(child.wallTimeSecs()));
      entry.put("summary", child.summary());
    }
    ObjectNode totals = body.putObject("totals");
    totals.put("n", join.totals().n());
    totals.put("completed", join.totals().completed());
    totals.put("accepted", join.totals().accepted());
    totals.put("failed", join.totals().failed());
    totals.put("cost_usd", join.totals().costUsd());
    body.put("completed_at", join.completedAtMillis());
    return body;
  }

  /**
   * The records that carry out {@code actions}, in the order they must be appended: cancellations,
   * reassignments and give-ups, then spawns (batched, {@code spawnsPerRecord} each), then the join.
   * Child INTENDs for the outbox are in the {@link FanoutAction.Spawn} actions themselves.
   */
  public static List<Draft> drafts(List<FanoutAction> actions, int spawnsPerRecord) {
    List<Draft> drafts = new ArrayList<>();
    List<Draft> joins = new ArrayList<>();
    List<FanoutAction.Spawn> spawns = new ArrayList<>();
    for (FanoutAction action : actions) {
      FanoutRef ref = action.fanout();
      if (action instanceof FanoutAction.Cancel cancel) {
        drafts.add(
            new Draft(
                ref.thread(), Act.LEARN, cancelSentBody(ref, cancel.indices(), cancel.reason())));
      } else if (action instanceof FanoutAction.Reassign reassign) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.LEARN,
                retryBody(
                    ref, reassign.index(), reassign.abandonedAttempt(), null, REASON_WORKER_LOST)));
      } else if (action instanceof FanoutAction.GiveUp giveUp) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.KNOW,
                childDoneBody(
                    ref,
                    giveUp.index(),
                    giveUp.attempt(),
                    giveUp.childThread(),
                    giveUp.worker(),
                    giveUp.verdict(),
                    BigDecimal.ZERO,
                    0,
                    giveUp.summary(),
                    giveUp.atMillis(),
                    giveUp.atMillis())));
      } else if (action instanceof FanoutAction.Spawn spawn) {
        spawns.add(spawn);
      } else if (action instanceof FanoutAction.CompleteJoin join) {
        joins.add(new Draft(ref.thread(), Act.KNOW, joinCompleteBody(join)));
      }
    }
    // Spawns of different fan-outs go to different threads: group consecutive runs per fan-out.
    int start = 0;
    while (start < spawns.size()) {
      FanoutRef ref = spawns.get(start).fanout();
      int end = start;
      while (end < spawns.size()
          && end - start < spawnsPerRecord
          && spawns.get(end).fanout().equals(ref)) {
        end++;
      }
      drafts.add(new Draft(ref.thread(), Act.DO, spawnedBody(ref, spawns.subList(start, end))));
      start = end;
    }
    drafts.addAll(joins);
    return drafts;
  }

  private static ObjectNode topic(String topic) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    return body;
  }

  private static ObjectNode ofFanout(String topicName, FanoutRef ref) {
    ObjectNode body = topic(topicName);
    body.put("namespace", ref.namespace());
    body.put("fanout", ref.id());
    return body;
  }
}
