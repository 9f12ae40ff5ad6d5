package dev.spl.core.auth;

import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.NestedFanouts;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.InstanceTransition;
import dev.spl.core.fleet.SettingsChanged;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who may write which record, decided where a record is received, before anything is stored or
 * acted on (see docs/security.md for the table). Pure: it is given the record, who wrote the
 * request (a daemon whose signature verified, or an operator who holds the fleet token and signs
 * nothing) and what the receiver knows ({@link View}).
 */
public final class Authorizer {
  private static final long MAX_CLOCK_SKEW_MILLIS = Heartbeat.MAX_CLOCK_SKEW_MILLIS;

  /** Topics the receiving daemon only ever writes itself: they never arrive over HTTP. */
  private static final Set<String> RECEIVER_ONLY_TOPICS =
      Set.of(
          FanoutRecords.SPAWNED,
          FanoutRecords.JOIN_COMPLETE,
          FanoutRecords.MERGE_STEP,
          FanoutRecords.CANCEL_SENT,
          FanoutRecords.CHILD_RESULT,
          InstanceTransition.TOPIC,
          SettingsChanged.TOPIC);

  private Authorizer() {}

  /** Who sent a request. */
  public sealed interface Writer {
    /** A request that carries the fleet token (or reached a daemon that has none) unsigned. */
    record Operator() implements Writer {}

    /** A request whose envelope {@code did} signed and the receiver verified. */
    record Daemon(String did) implements Writer {
      public Daemon {
        Objects.requireNonNull(did, "did");
      }
    }

    /**
     * A running child that presented its {@link ChildCredential}, verified by the receiver: the
     * credential's signature, the attempt it names (spawned on its worker) and that the attempt is
     * still running. {@code namespace} is the child's, from the child INTEND the receiver wrote.
     */
    record Child(ChildCredential credential, String namespace) implements Writer {
      public Child {
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(namespace, "namespace");
      }
    }

    Writer OPERATOR = new Operator();

    static Writer daemon(String did) {
      return new Daemon(did);
    }

    default String describe() {
      if (this instanceof Child child) {
        return "sent with " + child.credential().describe();
      }
      return this instanceof Daemon daemon ? "signed by " + daemon.did() : "not signed";
    }
  }

  /** What the receiving daemon knows when it decides. */
  public interface View {
    /** The receiving daemon's own DID. */
    String self();

    /** Whether the receiver is the coordinator of its fleet. */
    boolean isCoordinator();

    /** The coordinator's DID: the receiver itself on a coordinator, the one a worker learned. */
    Optional<String> coordinator();

    /** The child INTEND of one attempt of a child, as the receiver stored it (coordinator). */
    Optional<ChildIntent> childAttempt(String childThread, int attempt);

    /** The receiver's clock. */
    long nowMillis();

    /** The deepest fan-out this receiver takes: a task's own fan-out is depth 1. */
    default int maxFanoutDepth() {
      return NestedFanouts.DEFAULT_MAX_DEPTH;
    }
  }

  /** A refused record: the rule and a message that says what was expected and found. */
  public record Refusal(AuthRule rule, String message) {}

  public static Optional<Refusal> check(Record record, Writer writer, View view) {
    String actor = record.actor();
    String signer = writer instanceof Writer.Daemon daemon ? daemon.did() : null;
    if (Actors.isInstance(actor) && !actor.equals(signer)) {
      return refuse(
          AuthRule.ACTOR_NOT_SIGNER,
          "a record written as daemon "
              + actor
              + " must be signed by that daemon, but this one is "
              + writer.describe());
    }
    String topic = record.topic() == null ? "" : record.topic();
    String thread = record.thread();
    if (writer instanceof Writer.Child child) {
      Optional<Refusal> outOfScope = childScope(record, topic, child);
      if (outOfScope.isPresent()) {
        return outOfScope;
      }
    }
    if (record.act() == Act.INTEND && FanoutRecords.FANOUT.equals(topic) && view.isCoordinator()) {
      Optional<Refusal> tooDeep = depth(thread, view);
      if (tooDeep.isPresent()) {
        return tooDeep;
      }
    }
    if (ThreadIds.INSTANCE_REGISTRY.equals(thread)
        && record.act() == Act.DO
        && Heartbeat.TOPIC.equals(topic)) {
      return heartbeat(record, signer, view);
    }
    if (RECEIVER_ONLY_TOPICS.contains(topic)) {
      return refuse(
          AuthRule.WRITTEN_BY_RECEIVER_ONLY,
          "a '"
              + topic
              + "' record is written only by the daemon that holds it ("
              + view.self()
              + "), never received from another writer");
    }
    if (ThreadIds.FLEET_CONTROL.equals(thread) || ThreadIds.ENGINE_CONFIG.equals(thread)) {
      if (signer == null || signer.equals(view.coordinator().orElse(null))) {
        return Optional.empty();
      }
      return refuse(
          AuthRule.NOT_OPERATOR,
          "control and rule records come from an operator holding the fleet token, or from the"
              + " coordinator relaying them"
              + view.coordinator().map(c -> " (" + c + ")").orElse("")
              + ", but this one is "
              + writer.describe());
    }
    if ((record.act() == Act.INTEND && FanoutRecords.CHILD.equals(topic))
        || (record.act() == Act.LEARN && FanoutRecords.CANCEL.equals(topic))) {
      return childFromCoordinator(record, topic, signer, writer, view);
    }
    if (FanoutRecords.CHILD_DONE.equals(topic)) {
      return childDone(record, signer, writer, view);
    }
    return Optional.empty();
  }

  /**
   * What a child credential covers: the records of a fan-out whose parent is the child's own thread
   * (its descriptor or item chunks and the parent INTEND), in the child's namespace. Nothing else:
   * no control or rule record, no other thread, no retry or cancel.
   */
  private static Optional<Refusal> childScope(Record record, String topic, Writer.Child child) {
    ChildCredential credential = child.credential();
    boolean fanoutRecord =
        (record.act() == Act.INTEND && FanoutRecords.FANOUT.equals(topic))
            || (record.act() == Act.LEARN
                && (FanoutRecords.SUBTASKS.equals(topic) || FanoutRecords.ITEMS.equals(topic)));
    if (!fanoutRecord) {
      return refuse(
          AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE,
          "a child credential writes only a nested fan-out (INTEND fanout and its LEARN"
              + " fanout_subtasks or fanout_items chunks), but this record is "
              + record.act()
              + (topic.isEmpty() ? " without a topic" : " " + topic));
    }
    if (!credential.childThread().equals(record.thread())) {
      return refuse(
          AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE,
          "a child credential writes only on its own child's thread ("
              + credential.childThread()
              + ") but this record is on "
              + record.thread());
    }
    String namespace = BodyFields.optionalText(record.body(), "namespace", null);
    if (!child.namespace().equals(namespace)) {
      return refuse(
          AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE,
          "body.namespace: a nested fan-out stays in its child's namespace ('"
              + child.namespace()
              + "') but found "
              + (namespace == null ? "nothing" : "'" + namespace + "'"));
    }
    return Optional.empty();
  }

  /** A fan-out on a child's thread is one level below that child's fan-out. */
  private static Optional<Refusal> depth(String thread, View view) {
    int limit = view.maxFanoutDepth();
    int depth = NestedFanouts.depthOf(thread, limit + 1, view::childAttempt);
    if (depth <= limit) {
      return Optional.empty();
    }
    return refuse(
        AuthRule.FANOUT_TOO_DEEP,
        "a fan-out on thread "
            + thread
            + " would be at depth "
            + (depth > limit + 1 ? "more than " + (limit + 1) : Integer.toString(depth))
            + " (a task's own fan-out is depth 1, each nested one a level deeper), but this"
            + " coordinator allows at most "
            + limit);
  }

  private static Optional<Refusal> heartbeat(Record record, String signer, View view) {
    String did = BodyFields.optionalText(record.body(), "did", null);
    if (signer == null || !signer.equals(did) || !signer.equals(record.actor())) {
      return refuse(
          AuthRule.HEARTBEAT_NOT_FROM_ITS_INSTANCE,
          "a heartbeat is signed by the instance it describes ("
              + did
              + ") but this one is "
              + (signer == null ? "not signed" : "signed by " + signer));
    }
    long limit = view.nowMillis() + MAX_CLOCK_SKEW_MILLIS;
    for (String field : new String[] {"sent_at", "started_at"}) {
      long value = record.body().path(field).asLong(0);
      if (value > limit) {
        return refuse(
            AuthRule.HEARTBEAT_FROM_THE_FUTURE,
            "body."
                + field
                + ": expected at most the receiver's clock plus "
                + MAX_CLOCK_SKEW_MILLIS / 1000
                + " s ("
                + limit
                + ") but found "
                + value
                + "; check the clock of "
                + did);
      }
    }
    return Optional.empty();
  }

  private static Optional<Refusal> childFromCoordinator(
      Record record, String topic, String signer, Writer writer, View view) {
    if (view.isCoordinator()) {
      return refuse(
          AuthRule.WRITTEN_BY_RECEIVER_ONLY,
          "a '" + topic + "' record is written by this coordinator itself, never received");
    }
    Optional<String> coordinator = view.coordinator();
    if (coordinator.isEmpty()) {
      return refuse(
          AuthRule.COORDINATOR_UNKNOWN,
          "this worker runs children only from its coordinator, and it does not know its"
              + " coordinator yet (it learns it from the answer to its heartbeat); try again");
    }
    if (!coordinator.get().equals(signer)) {
      return refuse(
          AuthRule.NOT_THIS_WORKERS_COORDINATOR,
          "a '"
              + topic
              + "' record is signed by this worker's coordinator ("
              + coordinator.get()
              + ") but this one is "
              + writer.describe());
    }
    if (FanoutRecords.CHILD.equals(topic)) {
      String worker = BodyFields.optionalText(record.body(), "worker", null);
      if (!view.self().equals(worker)) {
        return refuse(
            AuthRule.NOT_ADDRESSED_TO_THIS_WORKER,
            "body.worker: expected this worker ("
                + view.self()
                + ") but found "
                + (worker == null ? "nothing" : "'" + worker + "'"));
      }
    }
    return Optional.empty();
  }

  private static Optional<Refusal> childDone(
      Record record, String signer, Writer writer, View view) {
    if (!view.isCoordinator()) {
      return refuse(
          AuthRule.WRITTEN_BY_RECEIVER_ONLY,
          "a 'fanout_child_done' record is received by the coordinator only, not by a worker");
    }
    if (record.body().has(NestedFanouts.NESTED_FIELD)) {
      return refuse(
          AuthRule.WRITTEN_BY_RECEIVER_ONLY,
          "body."
              + NestedFanouts.NESTED_FIELD
              + ": the result of a child that fanned out itself is written by this coordinator"
              + " once the nested fan-in is terminal, never received");
    }
    ChildDone done = ChildDone.fromBody(record.body());
    Optional<ChildIntent> spawned = view.childAttempt(done.childThread(), done.attempt());
    String where =
        "attempt " + done.attempt() + " of child " + done.index() + " (" + done.childThread() + ")";
    if (spawned.isEmpty()) {
      return refuse(
          AuthRule.NOT_SPAWNED_ON_SIGNER,
          where
              + " was never spawned by this coordinator; a child's result counts only for an"
              + " attempt it spawned");
    }
    ChildIntent intent = spawned.get();
    if (!intent.fanout().equals(done.fanout())
        || intent.index() != done.index()
        || !intent.parentThread().equals(record.thread())) {
      return refuse(
          AuthRule.NOT_SPAWNED_ON_SIGNER,
          where
              + " belongs to fan-out "
              + intent.fanout()
              + " index "
              + intent.index()
              + " on thread "
              + intent.parentThread()
              + ", but the result names fan-out "
              + done.fanout()
              + " index "
              + done.index()
              + " on thread "
              + record.thread());
    }
    if (!intent.worker().equals(signer)
        || (done.worker() != null && !done.worker().equals(signer))) {
      return refuse(
          AuthRule.NOT_SPAWNED_ON_SIGNER,
          where
              + " was spawned on "
              + intent.worker()
              + ", so only that worker's signature makes its result count, but this one is "
              + writer.describe());
    }
    return Optional.empty();
  }

  private static Optional<Refusal> refuse(AuthRule rule, String message) {
    return Optional.of(new Refusal(rule, message));
  }
}
