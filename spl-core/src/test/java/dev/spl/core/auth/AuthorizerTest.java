package dev.spl.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.Authorizer.Writer;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each rule of who may write which record, with the forgeries it stops. */
class AuthorizerTest {
  private static final String COORDINATOR = "did:sync:instance:c000000000000000";
  private static final String WORKER_A = "did:sync:instance:a000000000000000";
  private static final String WORKER_B = "did:sync:instance:b000000000000000";
  private static final String USER = "did:sync:user:ops";
  private static final long NOW = 1_700_000_000_000L;
  private static final String PARENT = ThreadIds.derive("parent");
  private static final String OTHER_PARENT = ThreadIds.derive("unrelated");
  private static final String CHILD = ThreadIds.derive("child", "0");
  private static final String FANOUT = "f".repeat(64);

  /** A receiver with a fixed view. */
  private static final class FixedView implements Authorizer.View {
    final String self;
    final boolean coordinator;
    final String knownCoordinator;
    final Map<String, ChildIntent> attempts = new HashMap<>();

    FixedView(String self, boolean coordinator, String knownCoordinator) {
      this.self = self;
      this.coordinator = coordinator;
      this.knownCoordinator = knownCoordinator;
    }

    @Override
    public String self() {
      return self;
    }

    @Override
    public boolean isCoordinator() {
      return coordinator;
    }

    @Override
    public Optional<String> coordinator() {
      return Optional.ofNullable(knownCoordinator);
    }

    @Override
    public Optional<ChildIntent> childAttempt(String childThread, int attempt) {
      return Optional.ofNullable(attempts.get(ChildIntent.attemptKey(childThread, attempt)));
    }

    @Override
    public long nowMillis() {
      return NOW;
    }

    int maxDepth = dev.spl.core.fanout.NestedFanouts.DEFAULT_MAX_DEPTH;

    @Override
    public int maxFanoutDepth() {
      return maxDepth;
    }
  }

  private final FixedView coordinatorView = new FixedView(COORDINATOR, true, COORDINATOR);
  private final FixedView workerView = new FixedView(WORKER_A, false, COORDINATOR);

  private static ChildIntent intent(String worker, int attempt) {
    return new ChildIntent(
        "default",
        FANOUT,
        PARENT,
        "http://127.0.0.1:1",
        worker,
        0,
        attempt,
        "goal",
        null,
        null,
        "id > pwned.txt",
        List.of(),
        null);
  }

  private static Record childIntendRecord(String actor, String worker) {
    return new Record(CHILD, actor, Act.INTEND, intent(worker, 1).toBody(), 1, List.of());
  }

  private static Record done(String thread, String actor, String worker, int attempt) {
    ChildDone done =
        new ChildDone(
            "default",
            FANOUT,
            0,
            attempt,
            CHILD,
            worker,
            Verdict.ACCEPT,
            BigDecimal.ZERO,
            1,
            "ok",
            NOW,
            NOW,
            null);
    return new Record(thread, actor, Act.KNOW, done.toBody(), 1, List.of());
  }

  private static ObjectNode body(String topic) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    body.put("namespace", "default");
    body.put("fanout", FANOUT);
    return body;
  }

  private static Optional<AuthRule> rule(Record record, Writer writer, Authorizer.View view) {
    return Authorizer.check(record, writer, view).map(Authorizer.Refusal::rule);
  }

  @Test
  void aChildIntendRunsOnlyWhenItsCoordinatorSignedItForThisWorker() {
    Record intend = childIntendRecord(COORDINATOR, WORKER_A);
    assertThat(rule(intend, Writer.daemon(COORDINATOR), workerView)).isEmpty();

    // An operator's (a web page's, a local user's) child INTEND is never run.
    Record fromUser = childIntendRecord(USER, WORKER_A);
    assertThat(rule(fromUser, Writer.OPERATOR, workerView))
        .contains(AuthRule.NOT_THIS_WORKERS_COORDINATOR);
    // Another daemon of the fleet cannot send one either, whatever actor it writes.
    assertThat(rule(childIntendRecord(WORKER_B, WORKER_A), Writer.daemon(WORKER_B), workerView))
        .contains(AuthRule.NOT_THIS_WORKERS_COORDINATOR);
    assertThat(rule(intend, Writer.daemon(WORKER_B), workerView))
        .contains(AuthRule.ACTOR_NOT_SIGNER);
    // Addressed to another worker.
    assertThat(
            rule(childIntendRecord(COORDINATOR, WORKER_B), Writer.daemon(COORDINATOR), workerView))
        .contains(AuthRule.NOT_ADDRESSED_TO_THIS_WORKER);
    // A worker that has not learned its coordinator runs nothing.
    FixedView lost = new FixedView(WORKER_A, false, null);
    assertThat(rule(intend, Writer.daemon(COORDINATOR), lost))
        .contains(AuthRule.COORDINATOR_UNKNOWN);
    // A coordinator writes child INTENDs itself and takes none.
    assertThat(rule(intend, Writer.daemon(COORDINATOR), coordinatorView))
        .contains(AuthRule.WRITTEN_BY_RECEIVER_ONLY);
  }

  @Test
  void aChildsResultCountsOnlyFromTheWorkerItWasSpawnedOnForItsThreadAndAttempt() {
    coordinatorView.attempts.put(ChildIntent.attemptKey(CHILD, 1), intent(WORKER_A, 1));

    assertThat(rule(done(PARENT, WORKER_A, WORKER_A, 1), Writer.daemon(WORKER_A), coordinatorView))
        .isEmpty();
    // A user-actor result.
    assertThat(rule(done(PARENT, USER, null, 1), Writer.OPERATOR, coordinatorView))
        .contains(AuthRule.NOT_SPAWNED_ON_SIGNER);
    // Another worker's.
    assertThat(rule(done(PARENT, WORKER_B, WORKER_B, 1), Writer.daemon(WORKER_B), coordinatorView))
        .contains(AuthRule.NOT_SPAWNED_ON_SIGNER);
    // The right worker, but naming another worker in the body.
    assertThat(rule(done(PARENT, WORKER_A, WORKER_B, 1), Writer.daemon(WORKER_A), coordinatorView))
        .contains(AuthRule.NOT_SPAWNED_ON_SIGNER);
    // On an unrelated thread.
    assertThat(
            rule(
                done(OTHER_PARENT, WORKER_A, WORKER_A, 1),
                Writer.daemon(WORKER_A),
                coordinatorView))
        .contains(AuthRule.NOT_SPAWNED_ON_SIGNER);
    // For an attempt that was never spawned.
    Optional<Authorizer.Refusal> unspawned =
        Authorizer.check(
            done(PARENT, WORKER_A, WORKER_A, 2), Writer.daemon(WORKER_A), coordinatorView);
    assertThat(unspawned.map(Authorizer.Refusal::rule)).contains(AuthRule.NOT_SPAWNED_ON_SIGNER);
    assertThat(unspawned.get().message())
        .contains("attempt 2 of child 0")
        .contains("never spawned");
  }

  @Test
  void theCoordinatorsDecisionsNeverArriveFromOutside() {
    ObjectNode join = body(FanoutRecords.JOIN_COMPLETE);
    join.put("verdict", "banana");
    Record forged = new Record(PARENT, USER, Act.KNOW, join, 1, List.of());
    assertThat(rule(forged, Writer.OPERATOR, coordinatorView))
        .contains(AuthRule.WRITTEN_BY_RECEIVER_ONLY);
    Record spawned =
        new Record(PARENT, WORKER_A, Act.LEARN, body(FanoutRecords.SPAWNED), 1, List.of());
    assertThat(rule(spawned, Writer.daemon(WORKER_A), coordinatorView))
        .contains(AuthRule.WRITTEN_BY_RECEIVER_ONLY);
  }

  private static Record heartbeat(String did, Health health, long startedAt, long sentAt) {
    return new Heartbeat(
            did,
            "worker-a",
            Role.WORKER,
            "http://127.0.0.1:2",
            "0.1",
            startedAt,
            1,
            0,
            4,
            4,
            health,
            sentAt)
        .toRecord(sentAt);
  }

  @Test
  void aHeartbeatComesOnlyFromItsInstanceAndNotFromTheFuture() {
    assertThat(
            rule(
                heartbeat(WORKER_A, Health.HEALTHY, NOW - 5, NOW),
                Writer.daemon(WORKER_A),
                coordinatorView))
        .isEmpty();
    // health "stopped" from someone else: an operator, or another worker.
    Record stopped = heartbeat(WORKER_A, Health.STOPPED, NOW - 5, NOW);
    assertThat(rule(stopped, Writer.OPERATOR, coordinatorView)).contains(AuthRule.ACTOR_NOT_SIGNER);
    assertThat(rule(stopped, Writer.daemon(WORKER_B), coordinatorView))
        .contains(AuthRule.ACTOR_NOT_SIGNER);
    long aYear = 365L * 24 * 3600 * 1000;
    Optional<Authorizer.Refusal> future =
        Authorizer.check(
            heartbeat(WORKER_A, Health.HEALTHY, NOW - 5, NOW + aYear),
            Writer.daemon(WORKER_A),
            coordinatorView);
    assertThat(future.map(Authorizer.Refusal::rule)).contains(AuthRule.HEARTBEAT_FROM_THE_FUTURE);
    assertThat(future.get().message()).contains("body.sent_at");
    assertThat(
            rule(
                heartbeat(WORKER_A, Health.HEALTHY, NOW + aYear, NOW),
                Writer.daemon(WORKER_A),
                coordinatorView))
        .contains(AuthRule.HEARTBEAT_FROM_THE_FUTURE);
    // A little skew is fine.
    assertThat(
            rule(
                heartbeat(WORKER_A, Health.HEALTHY, NOW, NOW + 5_000),
                Writer.daemon(WORKER_A),
                coordinatorView))
        .isEmpty();
  }

  @Test
  void controlAndRulesComeFromOperatorsOrTheCoordinatorRelayingThem() {
    Record freeze =
        ControlRequests.freeze("ns", "soft", null, "drill", USER, NOW).toRecord(USER, 1);
    assertThat(rule(freeze, Writer.OPERATOR, workerView)).isEmpty();
    assertThat(rule(freeze, Writer.daemon(COORDINATOR), workerView)).isEmpty();
    Optional<Authorizer.Refusal> fromWorker =
        Authorizer.check(
            new Unfreeze("ns", USER, NOW).toRecord(USER, 2), Writer.daemon(WORKER_B), workerView);
    assertThat(fromWorker.map(Authorizer.Refusal::rule)).contains(AuthRule.NOT_OPERATOR);
    assertThat(fromWorker.get().message()).contains("signed by " + WORKER_B);
  }

  @Test
  void ordinaryRecordsOfOperatorsPassAndDaemonActorsMustSign() {
    ObjectNode body = body("task");
    Record task = new Record(PARENT, USER, Act.INTEND, body, 1, List.of());
    assertThat(rule(task, Writer.OPERATOR, coordinatorView)).isEmpty();
    Record asDaemon = new Record(PARENT, COORDINATOR, Act.INTEND, body, 1, List.of());
    Optional<Authorizer.Refusal> refusal =
        Authorizer.check(asDaemon, Writer.OPERATOR, coordinatorView);
    assertThat(refusal.map(Authorizer.Refusal::rule)).contains(AuthRule.ACTOR_NOT_SIGNER);
    assertThat(refusal.get().message())
        .isEqualTo(
            "a record written as daemon "
                + COORDINATOR
                + " must be signed by that daemon, but this one is not signed");
  }

  private static Record nestedParent(String thread, String namespace) {
    ObjectNode body =
        new dev.spl.core.fanout.FanoutParent(
                namespace, "all", 1, List.of("c".repeat(64)), 3, null, NOW)
            .toBody();
    return new Record(thread, USER, Act.INTEND, body, 1, List.of());
  }

  private static Writer.Child childWriter() {
    InstanceKey key = InstanceKey.generateFor(WORKER_A);
    return new Writer.Child(ChildCredential.issue(key, CHILD, 1), "default");
  }

  @Test
  void aChildCredentialWritesOnlyAFanoutOnItsOwnThreadInItsNamespace() {
    coordinatorView.attempts.put(ChildIntent.attemptKey(CHILD, 1), intent(WORKER_A, 1));
    Writer.Child child = childWriter();
    assertThat(rule(nestedParent(CHILD, "default"), child, coordinatorView)).isEmpty();
    Record chunk = new Record(CHILD, USER, Act.LEARN, body(FanoutRecords.SUBTASKS), 1, List.of());
    assertThat(rule(chunk, child, coordinatorView)).isEmpty();

    assertThat(rule(nestedParent(OTHER_PARENT, "default"), child, coordinatorView))
        .contains(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE);
    assertThat(rule(nestedParent(CHILD, "prod"), child, coordinatorView))
        .contains(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE);
    Record cancel =
        new Record(CHILD, USER, Act.LEARN, body(FanoutRecords.CANCEL_REQUEST), 1, List.of());
    assertThat(rule(cancel, child, coordinatorView))
        .contains(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE);
    Record retry = new Record(CHILD, USER, Act.LEARN, body(FanoutRecords.RETRY), 1, List.of());
    assertThat(rule(retry, child, coordinatorView))
        .contains(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE);
    Record unfreeze = new Unfreeze("default", USER, NOW).toRecord(USER, 2);
    assertThat(rule(unfreeze, child, coordinatorView))
        .contains(AuthRule.CHILD_CREDENTIAL_OUT_OF_SCOPE);
    // The same unfreeze from an operator passes: the scope is the credential's, not the record's.
    assertThat(rule(unfreeze, Writer.OPERATOR, coordinatorView)).isEmpty();
  }

  @Test
  void aFanoutDeeperThanTheLimitIsRefusedFromAnyWriter() {
    String grandchild = ThreadIds.derive("child", "grand");
    coordinatorView.attempts.put(ChildIntent.attemptKey(CHILD, 1), intent(WORKER_A, 1));
    ChildIntent below =
        new ChildIntent(
            "default",
            "e".repeat(64),
            CHILD,
            null,
            WORKER_A,
            0,
            1,
            "goal",
            null,
            null,
            null,
            List.of(),
            null);
    coordinatorView.attempts.put(ChildIntent.attemptKey(grandchild, 1), below);
    coordinatorView.maxDepth = 2;
    assertThat(rule(nestedParent(PARENT, "default"), Writer.OPERATOR, coordinatorView)).isEmpty();
    assertThat(rule(nestedParent(CHILD, "default"), Writer.OPERATOR, coordinatorView)).isEmpty();
    Optional<Authorizer.Refusal> refusal =
        Authorizer.check(nestedParent(grandchild, "default"), Writer.OPERATOR, coordinatorView);
    assertThat(refusal.map(Authorizer.Refusal::rule)).contains(AuthRule.FANOUT_TOO_DEEP);
    assertThat(refusal.get().message()).contains("depth 3").contains("at most 2");
  }

  @Test
  void aChildCredentialVerifiesOnlyUnchangedWithItsWorkersKey() {
    InstanceKey key = InstanceKey.generate();
    ChildCredential credential = ChildCredential.issue(key, CHILD, 2);
    ChildCredential read = ChildCredential.parse(credential.text());
    assertThat(read).isEqualTo(credential);
    assertThat(read.isSignedBy(key.publicKey())).isTrue();
    assertThat(
            new ChildCredential(key.did(), CHILD, 3, read.signature()).isSignedBy(key.publicKey()))
        .isFalse();
    assertThat(
            new ChildCredential(key.did(), PARENT, 2, read.signature()).isSignedBy(key.publicKey()))
        .isFalse();
    assertThat(read.isSignedBy(InstanceKey.generate().publicKey())).isFalse();
    assertThat(read.toString()).doesNotContain(read.signature());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChildCredential.parse("spl-child-v1.x"))
        .hasMessageContaining("5 parts");
  }
}
