package dev.spl.core.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControlStateTest {
  private static final String OPERATOR = "did:sync:user:ops";
  private static final long T0 = 1_700_000_000_000L;

  private final ControlState state = new ControlState();
  private long clock;

  private Freeze freeze(String namespace, String level, Long grace, long at) {
    return ControlRequests.freeze(namespace, level, grace, "wrong approach", OPERATOR, at);
  }

  private boolean apply(Freeze freeze) {
    return state.apply(freeze.toRecord(OPERATOR, ++clock));
  }

  @Test
  void freezeAndUnfreeze() {
    assertThat(apply(freeze("docs/v0.11", null, null, T0))).isTrue();

    assertThat(state.frozenLevels()).isEqualTo(Map.of("docs/v0.11", "soft"));
    Freeze active = state.freezeOf("docs/v0.11").orElseThrow();
    assertThat(active.reason()).isEqualTo("wrong approach");
    assertThat(active.graceSecs()).isEqualTo(Freeze.DEFAULT_GRACE_SECS);
    assertThat(active.issuedBy()).isEqualTo(OPERATOR);

    Unfreeze unfreeze = ControlRequests.unfreeze(state, "docs/v0.11", OPERATOR, T0 + 1000);
    assertThat(state.apply(unfreeze.toRecord(OPERATOR, ++clock))).isTrue();
    assertThat(state.isFrozen("docs/v0.11")).isFalse();
    assertThat(state.activeFreezes()).isEmpty();
  }

  @Test
  void laterIssuedEventWinsWhateverOrderTheyArrive() {
    Freeze freeze = freeze("ns", "soft", null, T0);
    Unfreeze unfreeze = new Unfreeze("ns", OPERATOR, T0 + 1000);
    // A worker that was down receives the unfreeze before the freeze it lifts.
    state.apply(unfreeze.toRecord(OPERATOR, 2));
    assertThat(state.apply(freeze.toRecord(OPERATOR, 1))).isFalse();
    assertThat(state.isFrozen("ns")).isFalse();
    // Applying the same record twice changes nothing.
    assertThat(state.apply(unfreeze.toRecord(OPERATOR, 2))).isFalse();
  }

  @Test
  void hardFreezeStopsInFlightWorkOnlyAfterItsGrace() {
    apply(freeze("batch", "hard", 30L, T0));
    apply(freeze("docs", "soft", null, T0));

    Freeze hard = state.freezeOf("batch").orElseThrow();
    assertThat(hard.hardDeadlineMillis()).isEqualTo(T0 + 30_000);
    assertThat(state.hardFreezesPastGrace(T0 + 29_999)).isEmpty();
    assertThat(state.nextHardDeadline(T0)).contains(T0 + 30_000);
    assertThat(state.hardFreezesPastGrace(T0 + 30_000))
        .extracting(Freeze::namespace)
        .containsExactly("batch");
    assertThat(state.nextHardDeadline(T0 + 30_000)).isEmpty();
    assertThat(state.hardFreezesPastGrace(Long.MAX_VALUE - 1))
        .extracting(Freeze::namespace)
        .containsExactly("batch");
  }

  @Test
  void softFreezeCanBeHardenedByALaterFreeze() {
    apply(freeze("ns", "soft", null, T0));
    apply(freeze("ns", "hard", 0L, T0 + 5));
    assertThat(state.frozenLevels()).containsEntry("ns", "hard");
    assertThat(state.hardFreezesPastGrace(T0 + 5)).hasSize(1);
  }

  @Test
  void emergencyStopAndRelease() {
    assertThat(state.emergency().active()).isFalse();
    EmergencyStop stop = ControlRequests.emergencyStop("runaway spend", OPERATOR, T0);
    state.apply(stop.toRecord(OPERATOR, ++clock));

    assertThat(state.emergency()).isEqualTo(new EmergencyStop(true, "runaway spend", OPERATOR, T0));
    long version = state.version();

    EmergencyStop release = ControlRequests.releaseEmergency(state, "fixed", OPERATOR, T0 + 60_000);
    assertThat(state.apply(release.toRecord(OPERATOR, ++clock))).isTrue();
    assertThat(state.emergency().active()).isFalse();
    assertThat(state.emergency().issuedAt()).isEqualTo(T0 + 60_000);
    assertThat(state.version()).isGreaterThan(version);
  }

  @Test
  void requestsAreValidatedWithClearMessages() {
    assertThatThrownBy(() -> freeze(" ", null, null, T0))
        .isInstanceOf(InvalidControlRequestException.class)
        .hasMessageContaining("namespace: expected a namespace name");
    assertThatThrownBy(() -> freeze("ns", "medium", null, T0))
        .hasMessage("level: expected 'soft' or 'hard' but found 'medium'");
    assertThatThrownBy(() -> freeze("ns", "hard", -5L, T0))
        .hasMessageContaining("grace: expected a number of seconds from 0 to 86400 but found -5");
    assertThatThrownBy(() -> freeze("my ns", null, null, T0))
        .hasMessageContaining("no spaces or control characters")
        .hasMessageContaining("index 2");
    assertThatThrownBy(() -> ControlRequests.freeze("ns", null, null, "  ", OPERATOR, T0))
        .hasMessageContaining("reason: expected");

    apply(freeze("docs", null, null, T0));
    assertThatThrownBy(() -> ControlRequests.unfreeze(state, "other", OPERATOR, T0))
        .hasMessage("namespace 'other' is not frozen; frozen namespaces: docs");
    assertThatThrownBy(() -> ControlRequests.releaseEmergency(state, "", OPERATOR, T0))
        .hasMessageContaining("none is active");
  }

  @Test
  void malformedControlRecordIsSkippedAndReported() {
    ObjectNode body = freeze("ns", null, null, T0).toBody();
    body.put("level", "frozen-solid");
    Record bad = new Record(ThreadIds.FLEET_CONTROL, OPERATOR, Act.LEARN, body, 1, List.of());

    assertThat(state.apply(bad)).isFalse();
    assertThat(state.isFrozen("ns")).isFalse();
    assertThat(state.skipped())
        .singleElement()
        .asString()
        .contains("body.level")
        .contains("frozen-solid");
  }

  @Test
  void recordsOfOtherThreadsAreIgnored() {
    ObjectNode body = freeze("ns", null, null, T0).toBody();
    Record elsewhere = new Record(ThreadIds.ENGINE_CONFIG, OPERATOR, Act.LEARN, body, 1, List.of());
    assertThat(state.apply(elsewhere)).isFalse();
    assertThat(state.frozenLevels()).isEmpty();
  }
}
