package dev.spl.daemon.coordinator;

import dev.spl.core.Act;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.core.fanout.RetrySubtask;
import dev.spl.core.fanout.SpawnPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The read side of the coordinator's fan-out fold, for the API and the dashboard: small summaries
 * and pages of children, read from {@link Fanouts} on the loop's thread (see {@link
 * Reconciler#read}), never by replaying records. Each read does O(1) work per fan-out it lists and
 * per child it returns, plus, for {@code changedAfter}, one pass over the fan-out's children.
 */
public final class FanoutReads {
  private FanoutReads() {}

  /**
   * One fan-out as the fold stands.
   *
   * @param pending children waiting to be spawned (including those whose dependencies have not been
   *     accepted yet)
   * @param running children spawned and not finished (including those being cancelled)
   * @param failed children with a verdict other than accept (including skipped and cancelled)
   * @param frozen whether the permission check would refuse the fan-out's parent INTEND now
   * @param replacedBy the id of the newer fan-out that replaced this one, or null
   * @param version grows with every change of the fan-out; see {@link Children#version()}
   * @param spentUsd what every result of its children reported spending, retried attempts too
   * @param waiting why children ready to spawn are not placed, grouped by reason
   * @param hedged children started a second time on another worker ({@code --hedge-after})
   */
  public record Summary(
      FanoutRef ref,
      String join,
      int width,
      int spawned,
      int pending,
      int running,
      int completed,
      int accepted,
      int failed,
      boolean complete,
      String verdict,
      boolean frozen,
      long createdAtMillis,
      long completedAtMillis,
      int maxAttempts,
      String replaces,
      String replacedBy,
      int ignoredRecords,
      long version,
      FanoutOptions options,
      Fanin fanin,
      com.fasterxml.jackson.databind.node.ObjectNode reduced,
      String stages,
      java.math.BigDecimal spentUsd,
      com.fasterxml.jackson.databind.node.ObjectNode merge,
      List<JoinStatus.Waiting> waiting,
      int hedged) {

    /**
     * Still waiting for its join, and not replaced by a newer fan-out (which gets no decisions).
     */
    public boolean open() {
      return !complete && replacedBy == null;
    }
  }

  /**
   * Fan-outs listed: open ones first, then completed and replaced ones, each newest first.
   *
   * @param open fan-outs waiting for their join and not replaced
   */
  public record Listing(int open, int total, List<Summary> fanouts) {}

  /**
   * A page of children.
   *
   * @param version the fan-out's version when the page was read: a reader that passes it back as
   *     {@code changedAfter} gets the children that changed since
   * @param rows each child with the version of its last change
   * @param hasMore whether children after the last row match too
   */
  public record Children(Summary fanout, long version, List<Row> rows, boolean hasMore) {}

  /** One child's line, as {@code spl task join-status} shows it, and when it last changed. */
  public record Row(JoinStatus.SubtaskStatus status, long changedAt) {}

  /** Which fan-outs {@link #list} returns. */
  public enum Filter {
    OPEN,
    COMPLETE,
    ALL
  }

  /**
   * Lists fan-outs, optionally only those of one task thread, at most {@code limit} of them.
   *
   * @param thread null for every thread
   */
  public static Function<Fanouts, Listing> list(
      String thread, Filter filter, int limit, SpawnPolicy policy) {
    return fanouts -> {
      List<FanoutState> open = new ArrayList<>();
      List<FanoutState> closed = new ArrayList<>();
      for (FanoutState state : fanouts.all()) {
        if (thread == null || thread.equals(state.ref().thread())) {
          (fanouts.isOpen(state) ? open : closed).add(state);
        }
      }
      List<Summary> listed = new ArrayList<>(Math.min(limit, open.size() + closed.size()));
      if (filter != Filter.COMPLETE) {
        addNewestFirst(open, listed, limit, policy, fanouts);
      }
      if (filter != Filter.OPEN) {
        addNewestFirst(closed, listed, limit, policy, fanouts);
      }
      int total =
          switch (filter) {
            case OPEN -> open.size();
            case COMPLETE -> closed.size();
            case ALL -> open.size() + closed.size();
          };
      return new Listing(open.size(), total, List.copyOf(listed));
    };
  }

  private static void addNewestFirst(
      List<FanoutState> states,
      List<Summary> into,
      int limit,
      SpawnPolicy policy,
      Fanouts fanouts) {
    for (int i = states.size() - 1; i >= 0 && into.size() < limit; i--) {
      FanoutState state = states.get(i);
      into.add(summary(state, policy, fanouts.replacedBy(state.ref().id()).orElse(null)));
    }
  }

  /** The summary of one fan-out, or empty when the fold does not know it. */
  public static Function<Fanouts, Optional<Summary>> summary(String id, SpawnPolicy policy) {
    return fanouts ->
        fanouts.get(id).map(state -> summary(state, policy, fanouts.replacedBy(id).orElse(null)));
  }

  /** A fan-out's summary and how many of its children are in each state. */
  public record SummaryWithStates(Summary summary, java.util.SortedMap<String, Integer> byState) {}

  /**
   * The summary of one fan-out with its children counted by state ({@link JoinStatus#countByState}:
   * a pass over the fold's arrays, no record read), or empty when the fold does not know it.
   */
  public static Function<Fanouts, Optional<SummaryWithStates>> summaryWithStates(
      String id, SpawnPolicy policy) {
    return fanouts ->
        fanouts
            .get(id)
            .map(
                state ->
                    new SummaryWithStates(
                        summary(state, policy, fanouts.replacedBy(id).orElse(null)),
                        JoinStatus.countByState(state)));
  }

  /**
   * Up to {@code limit} children of fan-out {@code id} with an index above {@code afterIndex} (-1
   * for the first) and, when {@code changedAfter} is above 0, only those that changed after that
   * version; in index order. Empty when the fold does not know the fan-out.
   */
  public static Function<Fanouts, Optional<Children>> children(
      String id, int afterIndex, long changedAfter, int limit, SpawnPolicy policy) {
    return fanouts ->
        fanouts
            .get(id)
            .map(
                state -> {
                  List<Row> rows = new ArrayList<>(Math.min(limit, state.width()));
                  boolean more = false;
                  for (int i = Math.max(0, afterIndex + 1); i < state.width(); i++) {
                    long changedAt = state.changedAt(i);
                    if (changedAfter > 0 && changedAt <= changedAfter) {
                      continue;
                    }
                    if (rows.size() == limit) {
                      more = true;
                      break;
                    }
                    rows.add(new Row(JoinStatus.subtask(state, i), changedAt));
                  }
                  return new Children(
                      summary(state, policy, fanouts.replacedBy(id).orElse(null)),
                      state.version(),
                      List.copyOf(rows),
                      more);
                });
  }

  /** The states {@code GET /v1/fanouts/{id}/results?state=} takes: verdicts, pending, running. */
  public static final java.util.Set<String> RESULT_STATES =
      java.util.Set.of(
          "accept",
          "reject",
          "failed",
          "timeout",
          "over_budget",
          "cancelled",
          "skipped",
          "conflict",
          "check_failed",
          "pending",
          "running");

  /**
   * One child's place in a page of results: where the result of its current attempt is in the log
   * ({@code resultSeq}, 0 while it has none), read off the loop.
   */
  public record ResultRow(
      int index,
      String state,
      int attempt,
      String worker,
      String childThread,
      long iterFrom,
      long iterTo,
      long resultSeq) {}

  /**
   * A page of results: the fan-out and up to {@code limit} rows in index order.
   *
   * @param hasMore whether children after the last row match too
   */
  public record Results(Summary fanout, List<ResultRow> rows, boolean hasMore) {}

  /**
   * Up to {@code limit} children of fan-out {@code id} with an index above {@code afterIndex} whose
   * state is one of {@code states} (all when empty), in index order; empty when the fold does not
   * know the fan-out.
   */
  public static Function<Fanouts, Optional<Results>> results(
      String id, int afterIndex, int limit, java.util.Set<String> states, SpawnPolicy policy) {
    return fanouts ->
        fanouts
            .get(id)
            .map(
                state -> {
                  List<ResultRow> rows = new ArrayList<>(Math.min(limit, state.width()));
                  boolean more = false;
                  for (int i = Math.max(0, afterIndex + 1); i < state.width(); i++) {
                    String shown = resultState(state, i);
                    if (!states.isEmpty() && !states.contains(shown)) {
                      continue;
                    }
                    if (rows.size() == limit) {
                      more = true;
                      break;
                    }
                    rows.add(
                        new ResultRow(
                            i,
                            shown,
                            state.attempt(i),
                            state.worker(i),
                            state.childThread(i),
                            state.iterFrom(i),
                            state.iterTo(i),
                            state.resultSeq(i)));
                  }
                  return new Results(
                      summary(state, policy, fanouts.replacedBy(id).orElse(null)),
                      List.copyOf(rows),
                      more);
                });
  }

  /** A child's verdict, or {@code pending} / {@code running} while it has none. */
  static String resultState(FanoutState state, int index) {
    return switch (state.childState(index)) {
      case DONE, SKIPPED -> state.verdict(index).wire();
      case PENDING_SPAWN -> "pending";
      case IN_PROGRESS, CANCELLING -> "running";
    };
  }

  /**
   * The retry request of subtask {@code index} of fan-out {@code id}, checked as {@code spl task
   * retry} checks it ({@link FanoutState#manualRetry}), with the fan-out; empty when the fold does
   * not know the fan-out. Throws {@link dev.spl.core.fanout.InvalidFanoutException} when the
   * subtask may not be retried.
   */
  public static Function<Fanouts, Optional<Retry>> retry(
      String id, int index, String hint, SpawnPolicy policy) {
    return fanouts ->
        fanouts
            .get(id)
            .map(
                state -> {
                  RetrySubtask request = state.manualRetry(index, hint);
                  String replacedBy = fanouts.replacedBy(id).orElse(null);
                  String refusal =
                      replacedBy != null
                          ? "the fan-out was replaced by fan-out "
                              + replacedBy
                              + ", which gets the decisions now"
                          : refusal(state, policy)
                              .map(why -> "new work there is refused now: " + why)
                              .orElse(null);
                  return new Retry(
                      summary(state, policy, replacedBy),
                      request,
                      refusal,
                      state.verdict(index).wire());
                });
  }

  /**
   * A checked retry request and the fan-out it is for.
   *
   * @param refusal why the retry would come to nothing now (the fan-out was replaced, or new work
   *     in it is refused and the new attempt would only be held), or null
   * @param replacing the verdict of the attempt it replaces
   */
  public record Retry(Summary fanout, RetrySubtask request, String refusal, String replacing) {}

  private static Summary summary(FanoutState state, SpawnPolicy policy, String replacedBy) {
    JoinCounters counters = state.counters();
    return new Summary(
        state.ref(),
        state.join(),
        state.width(),
        state.spawnedCount(),
        counters.n() - counters.completed() - counters.active(),
        counters.active(),
        counters.completed(),
        counters.accepted(),
        counters.failed(),
        state.joinComplete(),
        state.joinVerdict(),
        frozen(state, policy),
        state.createdAtMillis(),
        state.joinComplete() ? state.joinCompletedAtMillis() : -1,
        state.maxAttempts(),
        state.replaces(),
        replacedBy,
        state.ignoredRecords(),
        state.version(),
        state.options(),
        state.fanin(),
        state.reducedJson(),
        state.stagesStatus(),
        state.spentUsd(),
        state.mergeJson(),
        state.waiting(),
        state.hedgedCount());
  }

  /**
   * Whether the fan-out itself would be refused now: its namespace is frozen, an emergency stop is
   * active, or a rule refuses it.
   */
  static boolean frozen(FanoutState state, SpawnPolicy policy) {
    return refusal(state, policy).isPresent();
  }

  private static Optional<String> refusal(FanoutState state, SpawnPolicy policy) {
    return policy.refusal(
        new FanoutRecords.Draft(state.ref().thread(), Act.INTEND, state.parent().toBody()));
  }
}
