package dev.spl.core.schema;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fleet.InstanceSettings;
import dev.spl.core.fleet.SettingsChanged;
import dev.spl.core.fleet.SettingsRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The settings_changed record passes the strict schema check where it lives, and only there. */
class SettingsChangedSchemaTest {
  private static final String DID = "did:sync:instance:0123456789abcdef";

  private static SettingsChanged change() {
    InstanceSettings from = InstanceSettings.defaults();
    InstanceSettings to =
        SettingsRequest.builder().executor(ExecutorKind.SHELL).build().resolve(from);
    return SettingsChanged.of(DID, from, to, 1);
  }

  @Test
  void theDaemonsOwnRecordOnTheRegistryThreadPasses() {
    assertThatCode(() -> SystemRecords.requireValid(change().toRecord(1)))
        .doesNotThrowAnyException();
  }

  @Test
  void anotherActorABrokenBodyOrAnotherThreadAreRefused() {
    Record forged =
        new Record(
            ThreadIds.INSTANCE_REGISTRY,
            "did:sync:instance:fedcba9876543210",
            Act.LEARN,
            change().toBody(),
            1,
            List.of());
    assertThatThrownBy(() -> SystemRecords.requireValid(forged))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("actor: a settings_changed record is written by the instance");

    ObjectNode broken = change().toBody();
    ((ObjectNode) broken.get("to")).put("slots", 0);
    assertThatThrownBy(
            () ->
                SystemRecords.requireValid(
                    new Record(ThreadIds.INSTANCE_REGISTRY, DID, Act.LEARN, broken, 1, List.of())))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("body.to.slots");

    ObjectNode unknownField = change().toBody();
    unknownField.putArray("changed").add("colour");
    assertThatThrownBy(
            () ->
                SystemRecords.requireValid(
                    new Record(
                        ThreadIds.INSTANCE_REGISTRY, DID, Act.LEARN, unknownField, 1, List.of())))
        .hasMessageContaining("body.changed: expected names of settings");
  }
}
