package dev.spl.core.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
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

  private static StoredRecord at(long seq, Record record) {
    return new StoredRecord(record.id(), record, seq, T0);
  }

  @Test
  void theLaterRecordInTheLogWinsWhateverItsIssuedAt() {
    long tenYears = 10L * 365 * 24 * 3600 * 1000;
    Record futureUnfreeze = new Unfreeze("ns", OPERATOR, T0 + tenYears).toRecord(OPERATOR, 1);
    Record freeze = freeze("ns", "soft", null, T0).toRecord(OPERATOR, 2);

    assertThat(state.apply(at(1, futureUnfreeze))).isTrue();
    // A freeze appended after an unfreeze dated ten years ahead still freezes.
    assertThat(state.apply(at(2, freeze))).isTrue();
    assertThat(state.isFrozen("ns")).isTrue();
    assertThat(state.eventOf("ns")).contains(freeze.id());
  }

  @Test
  void aFreezeDatedInTheFutureCanBeLifted() {
    long tenYears = 10L * 365 * 24 * 3600 * 1000;
    Record futureFreeze = freeze("ns", "hard", 0L, T0 + tenYears).toRecord(OPERATOR, 1);
    Record unfreeze = new Unfreeze("ns", OPERATOR, T0).toRecord(OPERATOR, 2);
    state.apply(at(7, futureFreeze));
    assertThat(state.apply(at(9, unfreeze))).isTrue();
    assertThat(state.isFrozen("ns")).isFalse();

    EmergencyStop stop = new EmergencyStop(true, "drill", OPERATOR, T0 + tenYears);
    EmergencyStop release = new EmergencyStop(false, "over", OPERATOR, T0);
    state.apply(at(10, stop.toRecord(OPERATOR, 3)));
    assertThat(state.emergency().active()).isTrue();
    assertThat(state.apply(at(11, release.toRecord(OPERATOR, 4)))).isTrue();
    assertThat(state.emergency().active()).isFalse();
    assertThat(state.emergencyEvent()).contains(release.toRecord(OPERATOR, 4).id());
  }

  @Test
  void foldingAnEarlierRecordAgainChangesNothing() {
    Record freeze = freeze("ns", "soft", null, T0).toRecord(OPERATOR, 1);
    Record unfreeze = new Unfreeze("ns", OPERATOR, T0 + 1000).toRecord(OPERATOR, 2);
    state.apply(at(1, freeze));
    state.apply(at(2, unfreeze));
    // A replay that overlaps records already folded (subscribe, then replay) keeps the log's end.
    assertThat(state.apply(at(1, freeze))).isFalse();
    assertThat(state.apply(at(2, unfreeze))).isFalse();
    assertThat(state.isFrozen("ns")).isFalse();
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
