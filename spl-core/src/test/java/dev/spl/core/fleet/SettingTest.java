package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.fanout.ExecutorKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingTest {
  private static InstanceSettings worktreeWorker() {
    return InstanceSettings.builder()
        .role(Role.WORKER)
        .alias("worker-a")
        .coordinatorUrl("http://127.0.0.1:9100")
        .executor(ExecutorKind.WORKTREE)
        .repo("/srv/repo")
        .build();
  }

  @Test
  void everyFieldOfTheSettingsFileIsOneSettingInTheOrderItIsWritten() {
    ObjectNode json = worktreeWorker().toJson();
    List<String> written = new ArrayList<>();
    json.fieldNames().forEachRemaining(written::add);
    written.remove("version");

    assertThat(Setting.ALL).extracting(Setting::field).containsExactlyElementsOf(written);
    assertThat(InstanceSettings.FIELDS).containsExactlyElementsOf(written);
    assertThat(SettingsRequest.OPTIONS.keySet()).containsExactlyElementsOf(written);
    assertThat(Setting.ALL).extracting(Setting::option).doesNotHaveDuplicates();
  }

  @Test
  void theDefaultsAreTheDefaultSettings() {
    InstanceSettings defaults = InstanceSettings.defaults();
    for (Setting<?> setting : Setting.ALL) {
      if (setting.defaultValue() != null) {
        assertThat(setting.valueIn(defaults)).as(setting.field()).isEqualTo(setting.defaultValue());
      }
    }
    assertThat(Setting.SLOTS.defaultValue()).isEqualTo(WorkerSlots.DEFAULT);
  }

  @Test
  void aBoundIsCheckedAlikeInTheSettingsTheirFileAndTheOptions() {
    assertThat(Setting.SLOTS.check(WorkerSlots.MAX)).isEqualTo(WorkerSlots.MAX);
    assertThatThrownBy(() -> Setting.SLOTS.check(WorkerSlots.MAX + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "slots: expected 1.." + WorkerSlots.MAX + " but found " + (WorkerSlots.MAX + 1));
    assertThatThrownBy(() -> InstanceSettings.builder().slots(0).build())
        .hasMessage("slots: expected 1.." + WorkerSlots.MAX + " but found 0");
    assertThatThrownBy(() -> SettingsRequest.builder().slots(0).build().resolve(null))
        .hasMessage("--slots: expected 1.." + WorkerSlots.MAX + " but found 0");

    ObjectNode json = worktreeWorker().toJson();
    json.put("slots", WorkerSlots.MAX + 1);
    assertThatThrownBy(() -> InstanceSettings.fromJson(json, "settings.json: "))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith(
            "settings.json: slots: expected a whole number from 0 to " + WorkerSlots.MAX);
  }

  @Test
  void anAliasGivenMustBeOneThoughAWorkerMayHaveNone() {
    assertThat(worktreeWorker().toBuilder().alias("").build().alias()).isEmpty();
    assertThatThrownBy(() -> Setting.ALIAS.checkGiven(""))
        .hasMessageStartingWith("--alias: expected 1-63 letters");
    assertThatThrownBy(() -> Setting.ALIAS.check("has/slash"))
        .hasMessageStartingWith("alias: expected 1-63 letters")
        .hasMessageEndingWith("but found 'has/slash'");
  }

  @Test
  void aValueIsDescribedAsMessagesShowIt() {
    assertThat(Setting.ECHO_DELAY.describeValue(1_500L)).isEqualTo("1.5 s");
    assertThat(Setting.PORT.describeValue(0)).isEqualTo("0 (any free port)");
    assertThat(Setting.ADVERTISE.describeValue(null)).isEqualTo("(the bound URL)");
    assertThat(Setting.TLS_CA.describeValue(null)).isEqualTo("(the system trust store)");
    assertThat(Setting.COMMAND_TEMPLATE.describeValue("agent {{goal}}"))
        .isEqualTo("'agent {{goal}}'");
    assertThat(InstanceSettings.describeValue("executor", ExecutorKind.SHELL)).isEqualTo("shell");
    assertThatThrownBy(() -> Setting.ofField("speed")).hasMessage("no settings field 'speed'");
  }
}
