package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Topics and words of the fan-out records (see docs/records.md), and the drafts that carry out the
 * coordinator's decisions. Each body is a record type with {@code toBody()} and {@code fromBody}:
 * {@link FanoutParent}, {@link SubtaskChunk}, {@link Spawned}, {@link ChildIntent}, {@link
 * ChildCancel}, {@link ChildResult}, {@link ChildDone}, {@link RetrySubtask}, {@link CancelSent},
 * {@link JoinComplete}.
 */
public final class FanoutRecords {
  public static final String FANOUT = "fanout";
  public static final String SUBTASKS = "fanout_subtasks";
  public static final String ITEMS = "fanout_items";
  public static final String SPAWNED = "fanout_spawned";
  public static final String CHILD_DONE = "fanout_child_done";
  public static final String RETRY = "fanout_retry_subtask";
  public static final String CANCEL_REQUEST = "fanout_cancel_request";
  public static final String CANCEL_SENT = "fanout_cancel_sent";
  public static final String JOIN_COMPLETE = "fanout_join_complete";
  public static final String FANIN_DECIDED = "fanout_fanin_decided";
  public static final String MERGE_STEP = "fanout_merge_step";
  public static final String CHILD = "fanout_child";
  public static final String CANCEL = "fanout_cancel";
  public static final String CHILD_RESULT = "child_result";

  public static final String REASON_MANUAL = "manual";
  public static final String REASON_WORKER_LOST = "worker_lost";
  public static final String CANCEL_JOIN_SATISFIED = "join_satisfied";
  public static final String CANCEL_JOIN_IMPOSSIBLE = "join_impossible";
  public static final String CANCEL_FAIL_FAST = "fail_fast";
  public static final String CANCEL_REQUESTED = "cancel_requested";
  public static final String CANCEL_BUDGET = "budget";

  /**
   * The cancel of a newer attempt of a child that a late accept of an earlier attempt completed:
   * the child is done, so the cancel is no verdict.
   */
  public static final String CANCEL_SUPERSEDED = "superseded";

  /**
   * The cancel of the other attempt of a hedged child ({@code --hedge-after}) once one attempt
   * decided it: the child is done (or being cancelled) already, so the cancel is no verdict.
   */
  public static final String CANCEL_HEDGE_LOST = "hedge_lost";

  /**
   * The field of {@code fanout_child_done} and {@code child_result} a worker sets when it stopped
   * the attempt itself, not at the coordinator's request; its only value is {@link
   * #INTERRUPTED_BY_HARD_FREEZE}.
   */
  public static final String INTERRUPTED_BY = "interrupted_by";

  public static final String INTERRUPTED_BY_HARD_FREEZE = "hard_freeze";

  /** Default subtasks per {@code fanout_subtasks} chunk: keeps each record well under 1 MiB. */
  public static final int DEFAULT_CHUNK_SIZE = 1_000;

  /** Default spawns listed in one {@code fanout_spawned} record. */
  public static final int DEFAULT_SPAWNS_PER_RECORD = 1_000;

  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  private FanoutRecords() {}

  /**
   * A record to append, minus what the writer adds (actor, clock). The coordinator's fan-out
   * records list the fan-out parent among their {@code parents}.
   */
  public record Draft(String thread, Act act, ObjectNode body, List<String> parents) {
    public Draft {
      parents = List.copyOf(parents);
    }

    /** A draft without parents. */
    public Draft(String thread, Act act, ObjectNode body) {
      this(thread, act, body, List.of());
    }
  }

  /**
   * The records that carry out {@code actions}, in the order they must be appended: cancellations,
   * reassignments and give-ups, then spawns (batched, {@code spawnsPerRecord} each), then the join.
   * Child INTENDs for the outbox are in the {@link FanoutAction.Spawn} actions themselves, and the
   * cancels for workers follow from {@link FanoutAction.Cancel}; {@link FanoutAction.Hold} writes
   * nothing.
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
                ref.thread(),
                Act.LEARN,
                new CancelSent(ref.namespace(), ref.id(), cancel.indices(), cancel.reason())
                    .toBody(),
                List.of(ref.id())));
      } else if (action instanceof FanoutAction.Reassign reassign) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.LEARN,
                new RetrySubtask(
                        ref.namespace(),
                        ref.id(),
                        reassign.index(),
                        reassign.abandonedAttempt(),
                        null,
                        REASON_WORKER_LOST,
                        null)
                    .toBody(),
                List.of(ref.id())));
      } else if (action instanceof FanoutAction.GiveUp giveUp) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.KNOW,
                new ChildDone(
                        ref.namespace(),
                        ref.id(),
                        giveUp.index(),
                        giveUp.attempt(),
                        giveUp.childThread(),
                        giveUp.worker(),
                        giveUp.verdict(),
                        BigDecimal.ZERO,
                        0,
                        giveUp.summary(),
                        giveUp.atMillis(),
                        giveUp.atMillis(),
                        null)
                    .toBody(),
                List.of(ref.id())));
      } else if (action instanceof FanoutAction.CompleteNested nested) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.KNOW,
                NestedFanouts.outerResultBody(nested.result(), nested.nested()),
                List.of(ref.id())));
      } else if (action instanceof FanoutAction.CancelNested cancelNested) {
        drafts.add(
            new Draft(
                ref.thread(),
                Act.LEARN,
                new CancelRequest(ref.namespace(), ref.id(), cancelNested.reason()).toBody(),
                List.of(ref.id())));
      } else if (action instanceof FanoutAction.Spawn spawn) {
        spawns.add(spawn);
      } else if (action instanceof FanoutAction.DecideFanin decided) {
        joins.add(
            new Draft(ref.thread(), Act.LEARN, decided.decided().toBody(), List.of(ref.id())));
      } else if (action instanceof FanoutAction.CompleteJoin join) {
        joins.add(
            new Draft(
                ref.thread(),
                Act.KNOW,
                new JoinComplete(
                        ref.namespace(),
                        ref.id(),
                        join.verdict(),
                        null,
                        join.totals(),
                        join.completedAtMillis(),
                        join.fanin(),
                        join.reduced(),
                        join.merge())
                    .toBody(),
                List.of(ref.id())));
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
      List<Spawned.Entry> entries = new ArrayList<>(end - start);
      for (FanoutAction.Spawn spawn : spawns.subList(start, end)) {
        entries.add(
            new Spawned.Entry(
                spawn.index(),
                spawn.attempt(),
                spawn.childThread(),
                spawn.worker().did(),
                spawn.resolvedTarget(),
                spawn.hedge(),
                spawn.maxRunning()));
      }
      drafts.add(
          new Draft(
              ref.thread(),
              Act.DO,
              new Spawned(ref.namespace(), ref.id(), entries).toBody(),
              List.of(ref.id())));
      start = end;
    }
    drafts.addAll(joins);
    return drafts;
  }

  /** {@code interruptedBy} of a result: null, or {@link #INTERRUPTED_BY_HARD_FREEZE}. */
  static void requireInterruptedBy(String interruptedBy) {
    if (interruptedBy != null && !INTERRUPTED_BY_HARD_FREEZE.equals(interruptedBy)) {
      throw new IllegalArgumentException(
          "interruptedBy: expected null or '"
              + INTERRUPTED_BY_HARD_FREEZE
              + "' but found '"
              + interruptedBy
              + "'");
    }
  }

  static ObjectNode start(String topic) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    return body;
  }

  static ObjectNode start(String topic, String namespace, String fanout) {
    ObjectNode body = start(topic);
    body.put("namespace", namespace);
    body.put("fanout", fanout);
    return body;
  }

  /** The optional {@code value} of a result: any JSON value, null when absent or null. */
  static com.fasterxml.jackson.databind.JsonNode readValue(ObjectNode body) {
    var value = body.get("value");
    return value == null || value.isNull() ? null : value;
  }

  static String readInterruptedBy(WireReader reader) {
    String value = reader.optionalText(INTERRUPTED_BY);
    if (value != null && !value.equals(INTERRUPTED_BY_HARD_FREEZE)) {
      throw reader.problem(
          INTERRUPTED_BY,
          "'" + INTERRUPTED_BY_HARD_FREEZE + "' or no field",
          Json.MAPPER.getNodeFactory().textNode(value));
    }
    return value;
  }
}
