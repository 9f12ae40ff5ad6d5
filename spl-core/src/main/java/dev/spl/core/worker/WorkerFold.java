package dev.spl.core.worker;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.Freeze;
import dev.spl.core.fanout.ChildCancel;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.ChildResult;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.core.fanout.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fold of a worker: the child attempts it was sent, their cancels and their results, and what
 * to do about them. Pure: records in, actions out; time, the control state, the spawn policy and
 * the free slots come in with {@link #decide}.
 *
 * <h2>Contract with the worker runtime</h2>
 *
 * <ol>
 *   <li>Apply every child INTEND ({@code fanout_child}), cancel ({@code fanout_cancel}), result
 *       ({@code child_result}) and control or rule record with {@link #apply}, whatever the order:
 *       on start the stored ones (replay), then each as it is appended, through the same method.
 *       Applying a record twice changes nothing.
 *   <li>Call {@link #decide} after applying, whenever something may have changed: a record, a
 *       finished attempt (a free slot), a tick (time passes hard-freeze deadlines, and the control
 *       state may change).
 *   <li>Carry out every action it returns; apply the {@code child_result} written for an attempt
 *       (or tell {@link #resultRecorded} of it once it is stored).
 * </ol>
 *
 * <h2>Fenced attempts</h2>
 *
 * <p>An attempt starts only once its coordinator has said it is the child's current attempt on this
 * worker ({@link AttemptFence}): {@code decide} returns a {@link WorkerAction.Confirm} for each
 * waiting attempt not yet asked about, among the first {@link #CONFIRM_WINDOW} in arrival order
 * that the spawn policy lets through, and starts only confirmed ones. While at least {@code
 * CONFIRM_WINDOW - CONFIRM_BATCH} of the window are asked about or confirmed and no free slot is
 * left over, it waits until {@link #CONFIRM_BATCH} are ready to be asked about, so a long queue is
 * asked about in batches. The runtime asks and hands each answer to {@link #answer} (or {@link
 * #unanswered} when it got none): {@code current} (and {@code unknown}, a coordinator that fences
 * nothing) confirms; {@code superseded} and {@code done} drop the attempt for good, without a
 * result (the coordinator counts none for it) unless a cancel of it follows, which is answered with
 * a cancelled result as for any attempt cancelled before it started; {@code not_yet} and no answer
 * ask again after {@link #ASK_AGAIN_MILLIS}. A confirmation counts for {@link
 * #CONFIRMATION_MAX_AGE_MILLIS} from its answer: an attempt whose confirmation is older when a slot
 * is free is asked about again, holding that slot, and starts only on a fresh {@code current}, or
 * when no answer comes (the coordinator is unreachable: the earlier confirmation stands). So that
 * this costs no round trip per start, confirmed attempts still waiting for a slot whose
 * confirmation passed {@link #REFRESH_AFTER_MILLIS} are asked about again ahead of their slot,
 * keeping their confirmation until the answer ({@code current} renews it, {@code superseded} and
 * {@code done} drop the attempt, {@code not_yet} withdraws the confirmation, no answer leaves it as
 * it was). An INTEND applied with {@link #applyDelivered} comes with its coordinator's confirmation
 * (sent with the delivery, decided as the fence's answers are) and waits confirmed from then, with
 * no question. Confirmations live in memory only, so after a restart every attempt without a result
 * is asked about again before it runs.
 *
 * <p>Unlike the coordinator's fold, {@code decide} takes what it returns: each action is returned
 * once, because the worker carries them out in process at once (a start is a hand-off to a slot).
 * An attempt is known by its child thread and attempt: it starts at most once, never once it has a
 * result (a re-sent INTEND after its result is a duplicate), and an attempt cancelled before it
 * started is reported cancelled without running. Attempts wait in arrival order; one whose INTEND
 * the spawn policy refuses (its namespace is frozen, or a rule refuses it) is held while the others
 * behind it may start. The spawn policy's answer for an attempt is kept while the policy's {@link
 * SpawnPolicy#answersVersion} stays equal, and asked again when it changes (a freeze, an unfreeze,
 * a rule).
 *
 * <p>An INTEND may carry a limit ({@link ChildIntent#maxRunning}, this worker's share of its
 * fan-out's {@code --max-concurrency}): it starts only while fewer than that many attempts of its
 * fan-out (its parent thread) run here, counting every attempt of that fan-out that was started and
 * whose run has not ended ({@link #runEnded}, else its result). Until then it waits as if no slot
 * were free for it, takes no place among the {@link #CONFIRM_WINDOW} once confirmed, and attempts
 * behind it may start. Its confirmation is not asked for again ahead of its slot: it may wait for
 * long, and is asked about again, if its confirmation is old by then, when it may start.
 */
public final class WorkerFold {
  private static final long NOT_CONFIRMED = Long.MIN_VALUE;

  /** How many skipped records are listed. */
  static final int MAX_SKIPPED_LISTED = 100;

  /** How many waiting attempts, from the head of the queue, are confirmed ahead of a free slot. */
  public static final int CONFIRM_WINDOW = 256;

  /** How long after a {@code not_yet} (or no answer) an attempt is asked about again. */
  public static final long ASK_AGAIN_MILLIS = 500;

  /**
   * How old a confirmation may be when its attempt starts. An attempt confirmed ahead of a free
   * slot may wait for one for seconds, and meanwhile the coordinator may have completed its child
   * (a late accept of an earlier attempt); an older confirmation is asked for again first.
   */
  public static final long CONFIRMATION_MAX_AGE_MILLIS = 1_000;

  /**
   * How many attempts of the window must be ready to be asked about before they are asked, while at
   * least {@code CONFIRM_WINDOW - CONFIRM_BATCH} are asked about or confirmed ahead of them: a
   * worker working through a long queue asks in requests of this many, not one per start.
   */
  public static final int CONFIRM_BATCH = 64;

  /**
   * How old a confirmation may grow, while its attempt waits for a slot, before it is asked for
   * again ahead of that slot: at a decision with a free slot, once one waiting confirmation is
   * older than this, those older than half of it are asked about again (at most {@link
   * #CONFIRM_BATCH}, in queue order). Each keeps its confirmation meanwhile, so a queue longer than
   * a second of work starts without a round trip per start.
   */
  public static final long REFRESH_AFTER_MILLIS = CONFIRMATION_MAX_AGE_MILLIS / 2;

  private final Map<String, Attempt> attempts = new HashMap<>();
  // Attempts with an INTEND that have not started, in arrival order.
  private final LinkedHashMap<String, Attempt> waiting = new LinkedHashMap<>();
  // Attempts cancelled before they started whose cancelled result is still to be reported.
  private final LinkedHashMap<String, Attempt> cancelledBeforeStart = new LinkedHashMap<>();
  private final Map<String, Attempt> running = new HashMap<>();
  // How many attempts of each fan-out (by parent thread) run here, for INTENDs that carry a limit.
  private final Map<String, Integer> runningByFanout = new HashMap<>();
  // Cancels of attempts whose INTEND has not arrived (and that have no result).
  private final Map<String, String> earlyCancels = new HashMap<>();
  private final Set<String> finished = new HashSet<>();
  // Attempts the coordinator said were superseded or done: they never run here.
  // Attempts the fence dropped, kept so that a cancel of one that follows can be answered.
  private final Map<String, Attempt> dropped = new HashMap<>();
  private final List<String> skipped = new ArrayList<>();
  // The spawn policy's answers kept in an attempt count while the policy's version is unchanged.
  private Object policyVersion;
  private long policyEpoch;

  /** Where an attempt is. Finished attempts are only remembered by key. */
  private enum Phase {
    WAITING,
    CANCELLED_BEFORE_START,
    REPORTING_CANCELLED,
    RUNNING
  }

  /** What the coordinator said of a waiting attempt. */
  private enum Fence {
    UNASKED,
    ASKED,
    CONFIRMED
  }

  private static final class Attempt {
    final String key;
    final String childThread;
    final String intendId;
    final ChildIntent intent;
    // The INTEND as the spawn policy is asked about it; built once.
    final FanoutRecords.Draft draft;
    Phase phase = Phase.WAITING;
    Fence fence = Fence.UNASKED;
    long askAgainAt;
    long confirmedAt;
    // Asked again because its confirmation was too old when a slot was free: it keeps that slot.
    boolean reconfirming;
    // Confirmed, and asked again ahead of a slot because the confirmation is growing old.
    boolean refreshing;
    // The spawn policy's last answer, and the policy epoch it holds for.
    long refusalEpoch = -1;
    boolean refused;
    String cancelReason;
    boolean stopDecided;
    String interruptedBy;
    // Its run ended (its result is on its way to the store): it no longer counts against a limit.
    boolean ended;

    Attempt(String key, StoredRecord stored, ChildIntent intent) {
      this.key = key;
      this.childThread = stored.record().thread();
      this.intendId = stored.id();
      this.intent = intent;
      Record record = stored.record();
      this.draft = new FanoutRecords.Draft(record.thread(), record.act(), record.body());
    }
  }

  /**
   * Applies one record. Returns whether a decision may have changed: true for a new attempt, a
   * cancel or result of one, and for control and rule records (they may change what the spawn
   * policy lets through). Malformed child records change nothing and are listed in {@link
   * #skippedRecords()}.
   */
  public boolean apply(StoredRecord stored) {
    Record record = stored.record();
    if (ThreadIds.FLEET_CONTROL.equals(record.thread())
        || ThreadIds.ENGINE_CONFIG.equals(record.thread())) {
      return true;
    }
    String topic = record.topic();
    try {
      if (record.act() == Act.INTEND && FanoutRecords.CHILD.equals(topic)) {
        return applyIntent(stored, ChildIntent.fromBody(record.body()), NOT_CONFIRMED);
      }
      if (record.act() == Act.LEARN && FanoutRecords.CANCEL.equals(topic)) {
        return applyCancel(record, ChildCancel.fromBody(record.body()));
      }
      if (record.act() == Act.KNOW && FanoutRecords.CHILD_RESULT.equals(topic)) {
        return applyResult(record, ChildResult.fromBody(record.body()));
      }
    } catch (InvalidRecordException e) {
      if (skipped.size() < MAX_SKIPPED_LISTED) {
        skipped.add(stored.id() + ": " + e.getMessage());
      }
    }
    return false;
  }

  /**
   * As {@link #apply}, for a child INTEND whose coordinator confirmed its attempt as it delivered
   * it ({@link dev.spl.core.auth.DeliveryConfirmation}), at {@code confirmedAtMillis}: a new
   * attempt waits confirmed, as if the fence had answered {@code current} then, and its
   * confirmation ages like any other. An attempt this worker already holds, dropped or finished is
   * left as it is: a confirmation counts only with the delivery that brought its INTEND. Any other
   * record is applied as {@link #apply} does.
   */
  public boolean applyDelivered(StoredRecord stored, long confirmedAtMillis) {
    Record record = stored.record();
    if (record.act() != Act.INTEND || !FanoutRecords.CHILD.equals(record.topic())) {
      return apply(stored);
    }
    try {
      return applyIntent(stored, ChildIntent.fromBody(record.body()), confirmedAtMillis);
    } catch (InvalidRecordException e) {
      if (skipped.size() < MAX_SKIPPED_LISTED) {
        skipped.add(stored.id() + ": " + e.getMessage());
      }
      return false;
    }
  }

  private boolean applyIntent(StoredRecord stored, ChildIntent intent, long confirmedAtMillis) {
    String key = ChildIntent.attemptKey(stored.record().thread(), intent.attempt());
    if (finished.contains(key) || attempts.containsKey(key) || dropped.containsKey(key)) {
      return false;
    }
    Attempt attempt = new Attempt(key, stored, intent);
    attempts.put(key, attempt);
    String early = earlyCancels.remove(key);
    if (early != null) {
      attempt.cancelReason = early;
      attempt.phase = Phase.CANCELLED_BEFORE_START;
      cancelledBeforeStart.put(key, attempt);
    } else {
      waiting.put(key, attempt);
      if (confirmedAtMillis != NOT_CONFIRMED) {
        attempt.fence = Fence.CONFIRMED;
        attempt.confirmedAt = confirmedAtMillis;
      }
    }
    return true;
  }

  private boolean applyCancel(Record record, ChildCancel cancel) {
    String key = ChildIntent.attemptKey(record.thread(), cancel.attempt());
    if (finished.contains(key)) {
      return false;
    }
    Attempt droppedAttempt = dropped.get(key);
    if (droppedAttempt != null) {
      // Never started: a cancel is answered with a cancelled result, as for a waiting attempt, so
      // a coordinator that waits for this attempt's report (a hedged child's other attempt) gets
      // one. A second cancel changes nothing.
      if (droppedAttempt.cancelReason != null) {
        return false;
      }
      droppedAttempt.cancelReason = cancel.reason();
      droppedAttempt.phase = Phase.CANCELLED_BEFORE_START;
      cancelledBeforeStart.put(key, droppedAttempt);
      return true;
    }
    Attempt attempt = attempts.get(key);
    if (attempt == null) {
      return earlyCancels.putIfAbsent(key, cancel.reason()) == null;
    }
    if (attempt.cancelReason != null) {
      return false;
    }
    attempt.cancelReason = cancel.reason();
    if (attempt.phase == Phase.WAITING) {
      waiting.remove(key);
      attempt.phase = Phase.CANCELLED_BEFORE_START;
      cancelledBeforeStart.put(key, attempt);
    }
    return true;
  }

  private boolean applyResult(Record record, ChildResult result) {
    return resultRecorded(ChildIntent.attemptKey(record.thread(), result.attempt()));
  }

  /**
   * Applies the {@code child_result} of attempt {@code key} ({@link ChildIntent#attemptKey}) that
   * this worker has just stored, as {@link #apply} would apply that record, without reading its
   * body back. Returns whether a decision may have changed.
   */
  public boolean resultRecorded(String key) {
    if (!finished.add(key)) {
      return false;
    }
    earlyCancels.remove(key);
    Attempt attempt = attempts.remove(key);
    if (attempt != null) {
      waiting.remove(key);
      cancelledBeforeStart.remove(key);
      if (running.remove(key) != null) {
        endRun(attempt);
      }
    }
    return true;
  }

  /**
   * The run of started attempt {@code key} ended, and its result is yet to be stored: it stops
   * counting against its fan-out's limit ({@link ChildIntent#maxRunning}) now, so the next one may
   * start before the store has the result. Returns whether a decision may have changed.
   */
  public boolean runEnded(String key) {
    Attempt attempt = running.get(key);
    return attempt != null && endRun(attempt);
  }

  /** Stops counting {@code attempt} against its fan-out's limit; false when it already had. */
  private boolean endRun(Attempt attempt) {
    if (attempt.ended) {
      return false;
    }
    attempt.ended = true;
    runningByFanout.computeIfPresent(
        attempt.intent.parentThread(), (fanout, count) -> count > 1 ? count - 1 : null);
    return true;
  }

  /**
   * What to do now: report attempts cancelled before they started, stop running attempts the
   * coordinator cancelled or whose namespace's hard freeze passed its grace at {@code nowMillis},
   * and start waiting attempts in arrival order into the {@code freeSlots} free slots, skipping
   * those whose INTEND {@code policy} refuses. Each action is returned once (see the class
   * comment).
   */
  public List<WorkerAction> decide(
      long nowMillis, ControlSnapshot control, SpawnPolicy policy, int freeSlots) {
    List<WorkerAction> actions = new ArrayList<>();
    for (Attempt attempt : cancelledBeforeStart.values()) {
      attempt.phase = Phase.REPORTING_CANCELLED;
      actions.add(
          new WorkerAction.ReportCancelled(
              attempt.key,
              attempt.childThread,
              attempt.intendId,
              attempt.intent,
              attempt.cancelReason));
    }
    cancelledBeforeStart.clear();
    for (Attempt attempt : running.values()) {
      if (attempt.stopDecided) {
        continue;
      }
      if (attempt.cancelReason != null) {
        attempt.stopDecided = true;
        actions.add(new WorkerAction.Stop(attempt.key, attempt.cancelReason, null));
        continue;
      }
      Freeze freeze = control.freezes().get(attempt.intent.namespace());
      if (freeze != null && freeze.isPastGrace(nowMillis)) {
        attempt.stopDecided = true;
        attempt.interruptedBy = FanoutRecords.INTERRUPTED_BY_HARD_FREEZE;
        actions.add(
            new WorkerAction.Stop(
                attempt.key,
                "hard freeze of '" + freeze.namespace() + "'",
                FanoutRecords.INTERRUPTED_BY_HARD_FREEZE));
      }
    }
    Object version = policy.answersVersion();
    if (version == null || !version.equals(policyVersion)) {
      policyEpoch++;
    }
    policyVersion = version;
    int slots = freeSlots;
    int window = CONFIRM_WINDOW;
    // Attempts of the window asked about or confirmed, and those ready to be asked about.
    int ahead = 0;
    List<Attempt> askable = new ArrayList<>();
    List<Attempt> refreshable = new ArrayList<>();
    boolean refreshDue = false;
    for (Iterator<Attempt> it = waiting.values().iterator(); window > 0 && it.hasNext(); ) {
      Attempt attempt = it.next();
      if (refused(attempt, policy)) {
        continue;
      }
      boolean atLimit = atItsLimit(attempt);
      if (attempt.fence == Fence.CONFIRMED && !attempt.refreshing && atLimit) {
        // Confirmed and held back by its fan-out's limit: it takes no place in the window, so a
        // capped fan-out's queue does not keep the attempts of other fan-outs behind it waiting,
        // and it is not asked again ahead of its slot (it may wait for long: it is asked again,
        // if its confirmation is old by then, when it may start).
        continue;
      }
      window--;
      if (attempt.fence == Fence.UNASKED) {
        if (attempt.askAgainAt <= nowMillis) {
          askable.add(attempt);
        }
        continue;
      }
      ahead++;
      if (attempt.fence == Fence.ASKED) {
        if (attempt.reconfirming && slots > 0) {
          slots--;
        }
        continue;
      }
      long age = nowMillis - attempt.confirmedAt;
      boolean slotForIt = slots > 0 && !atLimit;
      if (slotForIt && age > CONFIRMATION_MAX_AGE_MILLIS) {
        // Too old to start on: asked again, holding the free slot. One already asked again
        // ahead of its slot waits for that answer instead of a second question.
        if (!attempt.refreshing) {
          actions.add(new WorkerAction.Confirm(attempt.key, attempt.intent));
        }
        attempt.fence = Fence.ASKED;
        attempt.refreshing = false;
        attempt.reconfirming = true;
        slots--;
      } else if (slotForIt) {
        it.remove();
        ahead--;
        attempt.phase = Phase.RUNNING;
        running.put(attempt.key, attempt);
        runningByFanout.merge(attempt.intent.parentThread(), 1, Integer::sum);
        actions.add(
            new WorkerAction.Start(
                attempt.key, attempt.childThread, attempt.intendId, attempt.intent));
        slots--;
      } else if (!attempt.refreshing && age > REFRESH_AFTER_MILLIS / 2) {
        refreshDue |= age > REFRESH_AFTER_MILLIS;
        if (refreshable.size() < CONFIRM_BATCH) {
          refreshable.add(attempt);
        }
      }
    }
    if (refreshDue && freeSlots > 0) {
      for (Attempt attempt : refreshable) {
        attempt.refreshing = true;
        actions.add(new WorkerAction.Confirm(attempt.key, attempt.intent));
      }
    }
    if (!askable.isEmpty()
        && (slots > 0
            || ahead < CONFIRM_WINDOW - CONFIRM_BATCH
            || askable.size() >= CONFIRM_BATCH)) {
      for (Attempt attempt : askable) {
        attempt.fence = Fence.ASKED;
        actions.add(new WorkerAction.Confirm(attempt.key, attempt.intent));
      }
    }
    return actions;
  }

  /**
   * Whether {@code attempt} carries a limit ({@link ChildIntent#maxRunning}) that as many attempts
   * of its fan-out running here already reach: it waits, and attempts behind it may start.
   */
  private boolean atItsLimit(Attempt attempt) {
    int limit = attempt.intent.maxRunning();
    return limit > 0 && runningByFanout.getOrDefault(attempt.intent.parentThread(), 0) >= limit;
  }

  /** Whether the spawn policy refuses {@code attempt} now; asked again only when it changed. */
  private boolean refused(Attempt attempt, SpawnPolicy policy) {
    if (attempt.refusalEpoch != policyEpoch) {
      attempt.refused = policy.refusal(attempt.draft).isPresent();
      attempt.refusalEpoch = policyEpoch;
    }
    return attempt.refused;
  }

  /**
   * The coordinator's answer for attempt {@code key}, asked about by a {@link
   * WorkerAction.Confirm}. Returns whether a decision may have changed. An answer for an attempt
   * that is no longer waiting (it was cancelled meanwhile) changes nothing.
   */
  public boolean answer(String key, AttemptStanding standing, long nowMillis) {
    Attempt attempt = attempts.get(key);
    if (attempt == null || attempt.phase != Phase.WAITING) {
      return false;
    }
    if (attempt.fence == Fence.CONFIRMED && attempt.refreshing) {
      attempt.refreshing = false;
    } else if (attempt.fence != Fence.ASKED) {
      return false;
    }
    switch (standing) {
      case CURRENT, UNKNOWN -> {
        attempt.fence = Fence.CONFIRMED;
        attempt.confirmedAt = nowMillis;
        attempt.reconfirming = false;
      }
      case SUPERSEDED, DONE -> {
        waiting.remove(key);
        attempts.remove(key);
        dropped.put(key, attempt);
      }
      case NOT_YET -> askAgain(attempt, nowMillis);
    }
    return true;
  }

  /**
   * No answer came for attempt {@code key} (the coordinator is unreachable): ask again later; but
   * an attempt that was confirmed before and only asked again because that confirmation was old
   * keeps it and starts. A worker cut off from its coordinator works through what it was confirmed,
   * as it did before confirmations aged; the re-ask only guards starts while the coordinator
   * answers.
   */
  public void unanswered(String key, long nowMillis) {
    Attempt attempt = attempts.get(key);
    if (attempt == null || attempt.phase != Phase.WAITING) {
      return;
    }
    if (attempt.fence == Fence.CONFIRMED && attempt.refreshing) {
      // Still confirmed as before: it starts on that confirmation while it is young enough, and
      // is asked again ahead of its slot once it is not.
      attempt.refreshing = false;
      return;
    }
    if (attempt.fence != Fence.ASKED) {
      return;
    }
    if (attempt.reconfirming) {
      attempt.fence = Fence.CONFIRMED;
      attempt.reconfirming = false;
      attempt.confirmedAt = nowMillis;
    } else {
      askAgain(attempt, nowMillis);
    }
  }

  private static void askAgain(Attempt attempt, long nowMillis) {
    attempt.fence = Fence.UNASKED;
    attempt.reconfirming = false;
    attempt.refreshing = false;
    attempt.askAgainAt = nowMillis + ASK_AGAIN_MILLIS;
  }

  /** Attempts the coordinator said were superseded or done, which never run here. */
  public int droppedCount() {
    return dropped.size();
  }

  /** Whether the coordinator said attempt {@code key} was superseded or done. */
  public boolean dropped(String key) {
    return dropped.containsKey(key);
  }

  /**
   * What to write as {@code interrupted_by} in the result of attempt {@code key} that ended with
   * {@code verdict}: {@code hard_freeze} when the worker stopped it for a hard freeze and it ended
   * cancelled, else null. An attempt that finished on its own just before the stop keeps its
   * verdict and is not marked.
   */
  public String interruptionOf(String key, Verdict verdict) {
    Attempt attempt = running.get(key);
    return attempt != null && attempt.interruptedBy != null && verdict == Verdict.CANCELLED
        ? attempt.interruptedBy
        : null;
  }

  /** Attempts with an INTEND that have not started: held, or waiting for a free slot. */
  public int waitingCount() {
    return waiting.size();
  }

  /** Attempts started and without a result yet. */
  public int runningCount() {
    return running.size();
  }

  /** Whether attempt {@code key} has a result. */
  public boolean finished(String key) {
    return finished.contains(key);
  }

  /** Child records that were malformed and skipped, with the reason; the first hundred. */
  public List<String> skippedRecords() {
    return Collections.unmodifiableList(skipped);
  }
}
