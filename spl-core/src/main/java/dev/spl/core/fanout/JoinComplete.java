package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The body of {@code KNOW fanout_join_complete} on the parent's thread: the join is decided. It
 * fulfils the parent INTEND ({@code fulfills} is the fan-out's id).
 *
 * @param verdict {@code accept}, {@code reject}, {@code partial}, or {@code cancelled} when a user
 *     cancelled the fan-out ({@link CancelRequest})
 * @param children null in the records this version writes: the join keeps counts, and each child's
 *     outcome is its own {@code fanout_child_done} (listed by {@code GET
 *     /v1/fanouts/{id}/children}), so the record stays small at any width. Join records written
 *     before listed every child of a fan-out of listed subtasks as it stood then (those still
 *     running as cancelled); they are still read
 * @param fanin how the fan-in ended: its status and counts (null in records written before it)
 * @param reduced the reducers' final values ({@link Reductions#toJson}), or null without reducers
 * @param merge the merge queue's result (integration branch, its head, each child's outcome), or
 *     null without a merge queue
 */
public record JoinComplete(
    String namespace,
    String fanout,
    String verdict,
    List<ChildView> children,
    FanoutAction.JoinTotals totals,
    long completedAtMillis,
    Fanin fanin,
    ObjectNode reduced,
    ObjectNode merge)
    implements FanoutEvent {

  public static final String ACCEPT = "accept";
  public static final String REJECT = "reject";
  public static final String PARTIAL = "partial";
  public static final String CANCELLED = "cancelled";

  public JoinComplete {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(fanout, "fanout");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(totals, "totals");
    children = children == null ? null : List.copyOf(children);
  }

  /** A join record without a merge queue. */
  public JoinComplete(
      String namespace,
      String fanout,
      String verdict,
      List<ChildView> children,
      FanoutAction.JoinTotals totals,
      long completedAtMillis,
      Fanin fanin,
      ObjectNode reduced) {
    this(namespace, fanout, verdict, children, totals, completedAtMillis, fanin, reduced, null);
  }

  /** A join record without reducers. */
  public JoinComplete(
      String namespace,
      String fanout,
      String verdict,
      List<ChildView> children,
      FanoutAction.JoinTotals totals,
      long completedAtMillis,
      Fanin fanin) {
    this(namespace, fanout, verdict, children, totals, completedAtMillis, fanin, null, null);
  }

  /** A join record without fan-in counts. */
  public JoinComplete(
      String namespace,
      String fanout,
      String verdict,
      List<ChildView> children,
      FanoutAction.JoinTotals totals,
      long completedAtMillis) {
    this(namespace, fanout, verdict, children, totals, completedAtMillis, null, null, null);
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.JOIN_COMPLETE, namespace, fanout);
    body.put("fulfills", fanout);
    body.put("verdict", verdict);
    ArrayNode array = children == null ? null : body.putArray("children");
    for (ChildView child : children == null ? List.<ChildView>of() : children) {
      ObjectNode entry = array.addObject();
      entry.put("index", child.index());
      entry.put("thread", child.thread());
      entry.put("worker", child.worker());
      entry.put("verdict", child.verdict());
      entry.put("cost_usd", child.costUsd());
      entry.put("wall_time_secs", BigDecimal.valueOf(child.wallTimeSecs()));
      entry.put("summary", child.summary());
    }
    ObjectNode sums = body.putObject("totals");
    sums.put("n", totals.n());
    sums.put("completed", totals.completed());
    sums.put("accepted", totals.accepted());
    sums.put("failed", totals.failed());
    sums.put("cost_usd", totals.costUsd());
    if (totals.spentUsd() != null) {
      sums.put("spent_usd", totals.spentUsd());
    }
    if (totals.totalBudgetUsd() != null) {
      sums.put("total_budget_usd", totals.totalBudgetUsd());
    }
    if (totals.hedged() > 0) {
      sums.put("hedged", totals.hedged());
    }
    body.put("completed_at", completedAtMillis);
    if (fanin != null) {
      body.set("fanin", faninJson(fanin));
    }
    if (reduced != null) {
      body.set("reduced", reduced);
    }
    if (merge != null) {
      body.set("merge", merge);
    }
    return body;
  }

  /**
   * The join a record completes: empty when it is not a {@code KNOW fanout_join_complete}, or its
   * body is malformed (the fold skips such a record too).
   */
  public static Optional<JoinComplete> of(Record record) {
    if (record.act() != Act.KNOW || !FanoutRecords.JOIN_COMPLETE.equals(record.topic())) {
      return Optional.empty();
    }
    try {
      return Optional.of(fromBody(record.body()));
    } catch (InvalidRecordException malformed) {
      return Optional.empty();
    }
  }

  public static JoinComplete fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.JOIN_COMPLETE);
    String fanout = reader.text("fanout");
    if (!fanout.equals(reader.text("fulfills"))) {
      throw reader.problem("fulfills", "the fan-out's id " + fanout, body.get("fulfills"));
    }
    List<ChildView> children = body.has("children") ? new ArrayList<>() : null;
    for (WireReader child :
        body.has("children") ? reader.objects("children") : List.<WireReader>of()) {
      children.add(
          new ChildView(
              child.integer("index", 0),
              child.text("thread"),
              child.text("worker"),
              child.text("verdict"),
              child.decimal("cost_usd"),
              child.nonNegativeDouble("wall_time_secs"),
              child.text("summary")));
    }
    WireReader sums = reader.object("totals");
    return new JoinComplete(
        reader.text("namespace"),
        fanout,
        reader.oneOf("verdict", ACCEPT, REJECT, PARTIAL, CANCELLED),
        children,
        new FanoutAction.JoinTotals(
            sums.integer("n", 0),
            sums.integer("completed", 0),
            sums.integer("accepted", 0),
            sums.integer("failed", 0),
            sums.decimal("cost_usd"),
            sums.optionalDecimal("spent_usd"),
            sums.optionalDecimal("total_budget_usd"),
            java.util.Objects.requireNonNullElse(sums.optionalInteger("hedged", 0), 0)),
        reader.longValue("completed_at", 0),
        body.has("fanin") ? faninOf(reader.object("fanin")) : null,
        body.get("reduced") instanceof ObjectNode reduced ? reduced : null,
        body.get("merge") instanceof ObjectNode merge ? merge : null);
  }

  static ObjectNode faninJson(Fanin fanin) {
    ObjectNode counts = dev.spl.core.Json.MAPPER.createObjectNode();
    counts.put("status", fanin.status());
    counts.put("succeeded", fanin.succeeded());
    counts.put("failed", fanin.failed());
    counts.put("cancelled", fanin.cancelled());
    counts.put("retried", fanin.retried());
    counts.put("retries", fanin.retries());
    return counts;
  }

  static Fanin faninOf(WireReader fanin) {
    return new Fanin(
        fanin.oneOf("status", Fanin.COMPLETE, Fanin.PARTIAL, Fanin.FAILED, Fanin.CANCELLED),
        fanin.integer("succeeded", 0),
        fanin.integer("failed", 0),
        fanin.integer("cancelled", 0),
        fanin.integer("retried", 0),
        fanin.longValue("retries", 0));
  }
}
