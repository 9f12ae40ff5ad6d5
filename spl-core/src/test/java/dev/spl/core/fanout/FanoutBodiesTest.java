package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every fan-out body reads back as written, and a malformed field is refused by name. */
class FanoutBodiesTest {
  private static final String FANOUT = "f".repeat(64);
  private static final String CHILD_THREAD = "th_" + "c".repeat(64);
  private static final String PARENT_THREAD = "th_" + "p".repeat(64);
  private static final String WORKER = "did:sync:instance:000000000000000a";

  /** Writes the body, reads it back (also through its JSON text), and compares. */
  private static <T> void roundTrips(
      T value, Function<T, ObjectNode> toBody, Function<ObjectNode, T> fromBody) {
    ObjectNode body = toBody.apply(value);
    assertThat(fromBody.apply(body)).isEqualTo(value);
    assertThat(toBody.apply(fromBody.apply(reparse(body)))).isEqualTo(body);
  }

  private static ObjectNode reparse(ObjectNode body) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(body.toString());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void refused(ObjectNode body, Function<ObjectNode, ?> fromBody, String message) {
    assertThatThrownBy(() -> fromBody.apply(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(message);
  }

  @Test
  void theParent() {
    FanoutParent parent =
        new FanoutParent("docs", "k_of_n:2", 3, List.of("a".repeat(64)), 2, "b".repeat(64), 7);
    roundTrips(parent, FanoutParent::toBody, FanoutParent::fromBody);
    roundTrips(
        new FanoutParent("docs", "all", 1, List.of("a".repeat(64)), 3, null, 7),
        FanoutParent::toBody,
        FanoutParent::fromBody);
    ObjectNode body = parent.toBody();
    body.put("max_attempts", 0);
    refused(
        body,
        FanoutParent::fromBody,
        "body.max_attempts: expected a whole number >= 1 but found number 0");
  }

  @Test
  void aDescriptorChunk() {
    SubtaskChunk chunk =
        new SubtaskChunk(
            "docs",
            1000,
            List.of(
                new SubtaskSpec(
                    "a",
                    "worker-a",
                    new BigDecimal("0.50"),
                    300L,
                    List.of(),
                    "make",
                    null,
                    null,
                    null),
                SubtaskSpec.ofGoal("b")));
    roundTrips(chunk, SubtaskChunk::toBody, SubtaskChunk::fromBody);
    assertThat(
            SubtaskChunk.split(
                "docs",
                List.of(SubtaskSpec.ofGoal("a"), SubtaskSpec.ofGoal("b"), SubtaskSpec.ofGoal("c")),
                2))
        .extracting(SubtaskChunk::offset)
        .containsExactly(0, 2);
    ObjectNode body = chunk.toBody();
    ((ObjectNode) body.get("subtasks").get(1)).remove("goal");
    assertThatThrownBy(() -> SubtaskChunk.fromBody(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.subtasks[1]: subtask 1001: goal:");
  }

  @Test
  void spawned() {
    Spawned spawned =
        new Spawned(
            "docs",
            FANOUT,
            List.of(
                new Spawned.Entry(0, 1, CHILD_THREAD, WORKER, "specific:" + WORKER, false, 0),
                new Spawned.Entry(4, 2, CHILD_THREAD, WORKER, "specific:" + WORKER, true, 0),
                new Spawned.Entry(5, 1, CHILD_THREAD, WORKER, "specific:" + WORKER, false, 3)));
    roundTrips(spawned, Spawned::toBody, Spawned::fromBody);
    assertThat(spawned.toBody().get("spawns").get(0).has("max_running")).isFalse();
    assertThat(spawned.toBody().get("spawns").get(2).path("max_running").asInt()).isEqualTo(3);
    ObjectNode zeroLimit = spawned.toBody();
    ((ObjectNode) zeroLimit.get("spawns").get(2)).put("max_running", 0);
    refused(
        zeroLimit,
        Spawned::fromBody,
        "body.spawns[2].max_running: expected a whole number >= 1 but found number 0");
    ObjectNode body = spawned.toBody();
    ((ObjectNode) body.get("spawns").get(1)).remove("attempt");
    refused(
        body,
        Spawned::fromBody,
        "body.spawns[1].attempt: expected a whole number >= 1 but found nothing (the field is"
            + " missing)");
  }

  @Test
  void theChildIntend() {
    ChildIntent intent =
        new ChildIntent(
            "docs",
            FANOUT,
            PARENT_THREAD,
            "http://127.0.0.1:9100",
            WORKER,
            2,
            3,
            "write the summary",
            new BigDecimal("0.50"),
            300L,
            "make summary",
            List.of(new ChildIntent.Input(0, "accept", "A is done")),
            "use the newer API");
    roundTrips(intent, ChildIntent::toBody, ChildIntent::fromBody);
    ChildIntent bare =
        new ChildIntent(
            "docs",
            FANOUT,
            PARENT_THREAD,
            null,
            WORKER,
            0,
            1,
            "g",
            null,
            null,
            null,
            List.of(),
            null);
    roundTrips(bare, ChildIntent::toBody, ChildIntent::fromBody);
    assertThat(bare.toBody().has("max_running")).isFalse();
    ChildIntent limited = intent.withMaxRunning(4);
    roundTrips(limited, ChildIntent::toBody, ChildIntent::fromBody);
    assertThat(limited.toBody().path("max_running").asInt()).isEqualTo(4);
    for (String bad : List.of("0", "-2", "1.5", "\"2\"")) {
      ObjectNode badLimit = limited.toBody();
      badLimit.set("max_running", Json.parse(bad));
      assertThatThrownBy(() -> ChildIntent.fromBody(badLimit))
          .as(bad)
          .isInstanceOf(InvalidRecordException.class)
          .hasMessageStartingWith("body.max_running: expected a whole number >= 1 but found");
    }
    assertThat(intent.toBody().path("worker").asText()).isEqualTo(WORKER);
    assertThat(intent.toBody().path("hint").asText()).isEqualTo("use the newer API");

    ObjectNode missingAttempt = intent.toBody();
    missingAttempt.remove("attempt");
    refused(
        missingAttempt,
        ChildIntent::fromBody,
        "body.attempt: expected a whole number >= 1 but found nothing (the field is missing)");
    ObjectNode missingWorker = intent.toBody();
    missingWorker.remove("worker");
    refused(
        missingWorker,
        ChildIntent::fromBody,
        "body.worker: expected a string but found nothing (the field is missing)");
    ObjectNode badInput = intent.toBody();
    ((ObjectNode) badInput.get("inputs").get(0)).put("summary", 5);
    refused(
        badInput,
        ChildIntent::fromBody,
        "body.inputs[0].summary: expected a string but found number 5");
  }

  @Test
  void aCancelForAWorker() {
    ChildCancel cancel = new ChildCancel("docs", FANOUT, 3, 2, "join_satisfied");
    roundTrips(cancel, ChildCancel::toBody, ChildCancel::fromBody);
    ObjectNode body = cancel.toBody();
    body.put("attempt", "2");
    refused(
        body,
        ChildCancel::fromBody,
        "body.attempt: expected a whole number >= 1 but found string \"2\"");
  }

  @Test
  void aChildResult() {
    ChildResult result =
        new ChildResult(
            "docs",
            "i".repeat(64),
            2,
            Verdict.CANCELLED,
            new BigDecimal("0.25"),
            1.5,
            "stopped",
            -1,
            FanoutRecords.INTERRUPTED_BY_HARD_FREEZE);
    roundTrips(result, ChildResult::toBody, ChildResult::fromBody);
    roundTrips(
        new ChildResult(
            "docs", "i".repeat(64), 1, Verdict.ACCEPT, BigDecimal.ZERO, 0, "", null, null),
        ChildResult::toBody,
        ChildResult::fromBody);
    ObjectNode body = result.toBody();
    body.put("interrupted_by", "operator");
    refused(
        body,
        ChildResult::fromBody,
        "body.interrupted_by: expected 'hard_freeze' or no field but found string \"operator\"");
  }

  @Test
  void aChildDone() {
    ChildDone done =
        new ChildDone(
            "docs",
            FANOUT,
            1,
            2,
            CHILD_THREAD,
            WORKER,
            Verdict.REJECT,
            new BigDecimal("0.25"),
            2.5,
            "tests fail",
            1_000,
            3_500,
            null);
    roundTrips(done, ChildDone::toBody, ChildDone::fromBody);
    roundTrips(
        new ChildDone(
            "docs",
            FANOUT,
            1,
            2,
            CHILD_THREAD,
            null,
            Verdict.CANCELLED,
            BigDecimal.ZERO,
            0,
            "",
            1,
            1,
            FanoutRecords.INTERRUPTED_BY_HARD_FREEZE),
        ChildDone::toBody,
        ChildDone::fromBody);
    ChildDone withExitCode =
        new ChildDone(
            "docs",
            FANOUT,
            1,
            2,
            CHILD_THREAD,
            WORKER,
            Verdict.REJECT,
            BigDecimal.ZERO,
            2.5,
            "tests fail",
            1_000,
            3_500,
            null,
            3);
    roundTrips(withExitCode, ChildDone::toBody, ChildDone::fromBody);
    assertThat(withExitCode.toBody().path("exit_code").asInt()).isEqualTo(3);
    assertThat(done.toBody().has("exit_code")).isFalse();
    // A verdict the coordinator does not know is a failure, not a malformed body.
    ObjectNode unknownVerdict = done.toBody();
    unknownVerdict.put("verdict", "great");
    assertThat(ChildDone.fromBody(unknownVerdict).verdict()).isEqualTo(Verdict.FAILED);
    ObjectNode body = done.toBody();
    body.put("wall_time_secs", -1);
    refused(
        body,
        ChildDone::fromBody,
        "body.wall_time_secs: expected a number >= 0 but found number -1");
  }

  @Test
  void aRetry() {
    RetrySubtask retry = new RetrySubtask("docs", FANOUT, 1, 1, "try again", "manual", null);
    roundTrips(retry, RetrySubtask::toBody, RetrySubtask::fromBody);
    roundTrips(
        new RetrySubtask("docs", FANOUT, 1, 3, null, "worker_lost", null),
        RetrySubtask::toBody,
        RetrySubtask::fromBody);
    ObjectNode noAttempt = retry.toBody();
    noAttempt.remove("attempt");
    refused(
        noAttempt,
        RetrySubtask::fromBody,
        "body.attempt: expected a whole number >= 1 but found nothing (the field is missing)");
    ObjectNode badReason = retry.toBody();
    badReason.put("reason", "because");
    refused(
        badReason,
        RetrySubtask::fromBody,
        "body.reason: expected one of 'manual', 'worker_lost' but found string \"because\"");
  }

  @Test
  void aRetryOnTheIntegrationBranch() {
    String onto = "ab".repeat(20);
    RetrySubtask retry = new RetrySubtask("docs", FANOUT, 2, 1, null, "manual", onto);
    roundTrips(retry, RetrySubtask::toBody, RetrySubtask::fromBody);
    assertThat(retry.toBody().get("onto").asText()).isEqualTo(onto);
    assertThat(retry.rebase()).isTrue();
    ObjectNode shortCommit = retry.toBody();
    shortCommit.put("onto", "abc");
    refused(
        shortCommit,
        RetrySubtask::fromBody,
        "body.onto: expected a full commit id (40 or 64 lowercase hex digits) but found 'abc'");
    ObjectNode lost = retry.toBody();
    lost.put("reason", "worker_lost");
    refused(
        lost,
        RetrySubtask::fromBody,
        "body.onto: expected only on a manual retry but found it on a 'worker_lost' one");
  }

  @Test
  void aCancelRequest() {
    CancelRequest cancel = new CancelRequest("docs", FANOUT, "wrong approach");
    roundTrips(cancel, CancelRequest::toBody, CancelRequest::fromBody);
    roundTrips(
        new CancelRequest("docs", FANOUT, null), CancelRequest::toBody, CancelRequest::fromBody);
    assertThat(cancel.toBody().path("topic").asText()).isEqualTo("fanout_cancel_request");
    ObjectNode noFanout = cancel.toBody();
    noFanout.remove("fanout");
    refused(
        noFanout,
        CancelRequest::fromBody,
        "body.fanout: expected a string but found nothing (the field is missing)");
  }

  @Test
  void cancelsSent() {
    CancelSent sent = new CancelSent("docs", FANOUT, List.of(0, 2, 3), "join_impossible");
    roundTrips(sent, CancelSent::toBody, CancelSent::fromBody);
    ObjectNode body = sent.toBody();
    body.putArray("indices").add(-1);
    refused(
        body,
        CancelSent::fromBody,
        "body.indices[0]: expected a whole number >= 0 but found number -1");
  }

  @Test
  void theJoin() {
    JoinComplete join =
        new JoinComplete(
            "docs",
            FANOUT,
            "partial",
            List.of(
                new ChildView(0, CHILD_THREAD, WORKER, "accept", new BigDecimal("0.25"), 1.5, "ok"),
                new ChildView(1, CHILD_THREAD, "", "cancelled", BigDecimal.ZERO, 0, "")),
            new FanoutAction.JoinTotals(2, 1, 1, 0, new BigDecimal("0.25")),
            9_000);
    roundTrips(join, JoinComplete::toBody, JoinComplete::fromBody);
    roundTrips(
        new JoinComplete(
            "docs",
            FANOUT,
            "cancelled",
            List.of(new ChildView(0, CHILD_THREAD, "", "cancelled", BigDecimal.ZERO, 0, "")),
            new FanoutAction.JoinTotals(1, 0, 0, 0, BigDecimal.ZERO),
            9_000),
        JoinComplete::toBody,
        JoinComplete::fromBody);
    assertThat(join.toBody().path("fulfills").asText()).isEqualTo(FANOUT);
    ObjectNode body = join.toBody();
    ((ObjectNode) body.get("totals")).remove("accepted");
    refused(
        body,
        JoinComplete::fromBody,
        "body.totals.accepted: expected a whole number >= 0 but found nothing (the field is"
            + " missing)");
    ObjectNode otherParent = join.toBody();
    otherParent.put("fulfills", "e".repeat(64));
    assertThatThrownBy(() -> JoinComplete.fromBody(otherParent))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.fulfills: expected the fan-out's id " + FANOUT);
  }

  @Test
  void aBodyOfAnotherTopicIsRefused() {
    ObjectNode body = new ChildCancel("docs", FANOUT, 0, 1, "r").toBody();
    refused(
        body,
        ChildDone::fromBody,
        "body.topic: expected 'fanout_child_done' but found string \"fanout_cancel\"");
  }
}
