package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.fanout.ExecutorKind;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A worker's heartbeat tells its executor and labels; a change of either is appended. */
class HeartbeatFieldsTest {
  private static Heartbeat beat(ExecutorKind executor, Map<String, String> labels, long sentAt) {
    return new Heartbeat(
        "did:sync:instance:0123456789abcdef",
        "worker-a",
        Role.WORKER,
        "http://127.0.0.1:9201",
        "1",
        1,
        0,
        0,
        4,
        4,
        Health.HEALTHY,
        sentAt,
        executor,
        labels == null ? null : new TreeMap<>(labels));
  }

  @Test
  void executorAndLabelsRoundTripAndAreOptional() {
    Heartbeat shell = beat(ExecutorKind.SHELL, Map.of("zone", "a"), 1);
    ObjectNode body = shell.toBody();
    assertThat(body.path("executor").asText()).isEqualTo("shell");
    assertThat(body.path("labels").path("zone").asText()).isEqualTo("a");
    assertThat(Heartbeat.fromBody(body)).isEqualTo(shell);

    Heartbeat old = beat(null, null, 1);
    assertThat(old.toBody().has("executor")).isFalse();
    assertThat(Heartbeat.fromBody(old.toBody()).executor()).isNull();
    assertThat(Heartbeat.fromBody(old.toBody()).labels()).isEmpty();

    ObjectNode bad = shell.toBody();
    bad.put("executor", "docker");
    assertThatThrownBy(() -> Heartbeat.fromBody(bad))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "body.executor: expected 'echo', 'shell', 'command' or 'worktree' but found 'docker'");
  }

  @Test
  void aChangedExecutorOrLabelIsAppended() {
    Heartbeat echo = beat(ExecutorKind.ECHO, Map.of(), 1);
    assertThat(Heartbeat.decideAppend(echo, beat(ExecutorKind.ECHO, Map.of(), 2)))
        .isEqualTo(Heartbeat.AppendDecision.KEEP_LATEST_ONLY);
    assertThat(Heartbeat.decideAppend(echo, beat(ExecutorKind.SHELL, Map.of(), 2)))
        .isEqualTo(Heartbeat.AppendDecision.EXECUTOR_OR_LABELS_CHANGED);
    assertThat(Heartbeat.decideAppend(echo, beat(ExecutorKind.ECHO, Map.of("zone", "b"), 2)))
        .isEqualTo(Heartbeat.AppendDecision.EXECUTOR_OR_LABELS_CHANGED);
  }
}
