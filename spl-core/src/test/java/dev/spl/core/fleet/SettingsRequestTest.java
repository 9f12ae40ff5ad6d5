package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.fanout.ExecutorKind;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SettingsRequestTest {
  private static final String COORDINATOR = "http://127.0.0.1:9100";

  private static SettingsRequest worker(
      String alias, ExecutorKind executor, Long echoDelay, Integer slots) {
    return SettingsRequest.builder()
        .role(Role.WORKER)
        .alias(alias)
        .coordinatorUrl(COORDINATOR)
        .executor(executor)
        .echoDelayMillis(echoDelay)
        .slots(slots)
        .build();
  }

  private static InstanceSettings shellWorker() {
    return worker("worker-a", ExecutorKind.SHELL, null, 8).resolve(null);
  }

  @Test
  void aFirstStartTakesTheOptionsGivenAndTheDefaults() {
    InstanceSettings settings = worker("worker-a", ExecutorKind.SHELL, null, 8).resolve(null);

    assertThat(settings.role()).isEqualTo(Role.WORKER);
    assertThat(settings.alias()).isEqualTo("worker-a");
    assertThat(settings.coordinatorUrl()).isEqualTo(COORDINATOR);
    assertThat(settings.executor()).isEqualTo(ExecutorKind.SHELL);
    assertThat(settings.slots()).isEqualTo(8);
    assertThat(settings.port()).isEqualTo(InstanceSettings.DEFAULT_PORT);
    assertThat(settings.heartbeatIntervalMillis())
        .isEqualTo(FleetThresholds.DEFAULT_HEARTBEAT_INTERVAL_MILLIS);
    assertThat(settings.leaseMillis()).isNull();
    assertThat(settings.effectiveLeaseMillis()).isEqualTo(15_000);
    assertThat(SettingsRequest.NOTHING.resolve(null)).isEqualTo(InstanceSettings.defaults());
  }

  @Test
  void aStartWithoutOptionsKeepsEverythingStored() {
    InstanceSettings stored = shellWorker();

    assertThat(SettingsRequest.NOTHING.differences(stored)).isEmpty();
    assertThat(SettingsRequest.NOTHING.resolve(stored)).isEqualTo(stored);
    // Options equal to the stored ones are no difference either.
    assertThat(worker("worker-a", ExecutorKind.SHELL, null, 8).differences(stored)).isEmpty();
  }

  @Test
  void everyDifferingOptionIsNamedWithBothValues() {
    InstanceSettings stored = worker("worker-a", ExecutorKind.ECHO, 1000L, null).resolve(null);

    List<SettingsRequest.Difference> differences =
        worker(null, ExecutorKind.SHELL, null, 8).differences(stored);

    assertThat(differences)
        .extracting(SettingsRequest.Difference::describe)
        .containsExactly(
            "executor is echo, --executor shell asks for shell",
            "slots is 4, --slots 8 asks for 8");
    assertThat(SettingsRequest.describe(differences))
        .isEqualTo(
            "executor is echo, --executor shell asks for shell; slots is 4, --slots 8 asks for 8");
  }

  @Test
  void portZeroNeverConflicts() {
    SettingsRequest anyPort = SettingsRequest.builder().port(0).build();
    SettingsRequest port9300 = SettingsRequest.builder().port(9300).build();
    InstanceSettings on9100 = SettingsRequest.NOTHING.resolve(null);
    InstanceSettings onAny = anyPort.resolve(null);

    assertThat(anyPort.differences(on9100)).isEmpty();
    assertThat(port9300.differences(onAny)).isEmpty();
    assertThat(port9300.resolve(onAny).port()).isEqualTo(9300);
    assertThat(port9300.differences(on9100))
        .extracting(SettingsRequest.Difference::describe)
        .containsExactly("port is 9100, --port 9300 asks for 9300");
  }

  @Test
  void theRoleImpliedByCoordinatorAndDurationsAndLabelsAreCompared() {
    InstanceSettings coordinator = SettingsRequest.NOTHING.resolve(null);
    SettingsRequest impliedWorker =
        SettingsRequest.builder()
            .coordinatorUrl(COORDINATOR)
            .heartbeatIntervalMillis(200L)
            .labels(new TreeMap<>(java.util.Map.of("zone", "b")))
            .build();

    assertThat(impliedWorker.differences(coordinator))
        .extracting(SettingsRequest.Difference::describe)
        .containsExactly(
            "role is coordinator, --coordinator " + COORDINATOR + " asks for worker",
            "coordinator is (none), --coordinator " + COORDINATOR + " asks for " + COORDINATOR,
            "heartbeat interval is 5 s, --heartbeat-interval 0.2 asks for 0.2 s",
            "labels is none, --label zone=b asks for zone=b");
  }

  @Test
  void aReconfigureKeepsWhatIsNotGivenAndTheLeaseFollowsTheInterval() {
    InstanceSettings stored = shellWorker();
    SettingsRequest faster = SettingsRequest.builder().heartbeatIntervalMillis(200L).build();

    InstanceSettings next = faster.resolve(stored);

    assertThat(next.executor()).isEqualTo(ExecutorKind.SHELL);
    assertThat(next.slots()).isEqualTo(8);
    assertThat(next.alias()).isEqualTo("worker-a");
    assertThat(next.effectiveLeaseMillis()).isEqualTo(600);
    assertThat(stored.changedFields(next)).containsExactly("heartbeat_interval_secs");
  }

  @Test
  void combinationsThatDoNotHoldTogetherAreRefusedNamingTheOption() {
    // A shell worker runs executor=echo children with its echo delay.
    assertThat(worker(null, null, 0L, null).resolve(shellWorker()).echoDelayMillis()).isZero();
    SettingsRequest roleOnly = SettingsRequest.builder().role(Role.WORKER).build();
    assertThatThrownBy(() -> roleOnly.resolve(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--coordinator: a worker needs the URL of its coordinator");
    SettingsRequest shortLease = SettingsRequest.builder().leaseMillis(1000L).build();
    assertThatThrownBy(() -> shortLease.resolve(null))
        .hasMessageStartingWith("--lease: expected more than the heartbeat interval (5 s)");
  }

  @Test
  void settingsRoundTripThroughTheirJsonAndMalformedFilesNameTheField() {
    InstanceSettings settings =
        SettingsRequest.builder()
            .role(Role.WORKER)
            .alias("worker-a")
            .coordinatorUrl(COORDINATOR)
            .advertiseUrl("http://10.0.0.5:9201")
            .bind("0.0.0.0")
            .port(0)
            .maxRequestBytes(4096L)
            .heartbeatIntervalMillis(250L)
            .leaseMillis(2000L)
            .executor(ExecutorKind.ECHO)
            .echoDelayMillis(0L)
            .slots(2)
            .durability("fast")
            .labels(new TreeMap<>(java.util.Map.of("zone", "a", "gpu", "none")))
            .build()
            .resolve(null);

    ObjectNode json = settings.toJson();
    assertThat(InstanceSettings.fromJson(json, "")).isEqualTo(settings);
    assertThat(json.path("heartbeat_interval_secs").asDouble()).isEqualTo(0.25);

    ObjectNode broken = json.deepCopy();
    broken.put("executor", "docker");
    assertThatThrownBy(() -> InstanceSettings.fromJson(broken, "settings.json: "))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "settings.json: executor: expected 'echo', 'shell', 'command' or 'worktree' but found"
                + " 'docker'");
    ObjectNode tooPrecise = json.deepCopy();
    tooPrecise.put("echo_delay_secs", 0.0005);
    assertThatThrownBy(() -> InstanceSettings.fromJson(tooPrecise, ""))
        .hasMessageContaining("echo_delay_secs: expected seconds from 0 to a year");
    ObjectNode badLabel = json.deepCopy();
    badLabel.set("labels", Json.MAPPER.createObjectNode().put("bad key", "x"));
    assertThatThrownBy(() -> InstanceSettings.fromJson(badLabel, ""))
        .hasMessageContaining("labels: expected a key of 1-63");
  }

  @Test
  void aSettingsChangeIsARecordBodyTheSchemaReadsBack() {
    InstanceSettings from = shellWorker();
    InstanceSettings to = worker(null, ExecutorKind.ECHO, 0L, 2).resolve(from);
    String did = "did:sync:instance:0123456789abcdef";

    SettingsChanged change = SettingsChanged.of(did, from, to, 1_700_000_000_000L);

    assertThat(change.changed()).containsExactly("executor", "echo_delay_secs", "slots");
    SettingsChanged back = SettingsChanged.fromBody(change.toBody());
    assertThat(back).isEqualTo(change);
    assertThat(change.toRecord(3).actor()).isEqualTo(did);
  }

  private static SettingsRequest commandWorker(String template) {
    return SettingsRequest.builder()
        .role(Role.WORKER)
        .alias("worker-a")
        .coordinatorUrl(COORDINATOR)
        .executor(ExecutorKind.COMMAND)
        .commandTemplate(template)
        .build();
  }

  @Test
  void theCommandTemplateIsKeptAndReadBack() {
    InstanceSettings settings = commandWorker("agent --prompt-file {{prompt_file}}").resolve(null);

    assertThat(settings.commandTemplate()).isEqualTo("agent --prompt-file {{prompt_file}}");
    assertThat(InstanceSettings.fromJson(settings.toJson(), "settings.json: ")).isEqualTo(settings);
    // A later start with only --executor command keeps the stored template.
    assertThat(commandWorker(null).resolve(settings).commandTemplate())
        .isEqualTo("agent --prompt-file {{prompt_file}}");
    assertThat(commandWorker("agent {{goal}}").differences(settings))
        .extracting(SettingsRequest.Difference::field)
        .containsExactly("command_template");
  }

  @Test
  void aCommandExecutorWithoutATemplateOrABadOneIsRefused() {
    assertThatThrownBy(() -> commandWorker(null).resolve(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--command-template: the command executor needs one");
    assertThatThrownBy(() -> commandWorker("agent {{nope}}").resolve(null))
        .hasMessageStartingWith("--command-template: unknown placeholder {{nope}}");
    // A shell worker switched to the command executor has no template to keep.
    assertThatThrownBy(() -> commandWorker(null).resolve(shellWorker()))
        .hasMessageStartingWith("--command-template: the command executor needs one");
  }

  @Test
  void aTemplateForAnotherExecutorIsRefused() {
    SettingsRequest shellWithTemplate =
        SettingsRequest.builder()
            .role(Role.WORKER)
            .alias("worker-a")
            .coordinatorUrl(COORDINATOR)
            .executor(ExecutorKind.SHELL)
            .commandTemplate("agent")
            .build();
    assertThatThrownBy(() -> shellWithTemplate.resolve(null))
        .hasMessage(
            "--command-template: applies to --executor command only, but the executor is shell");
    ObjectNode json = shellWorker().toJson();
    json.put("command_template", "agent");
    assertThatThrownBy(() -> InstanceSettings.fromJson(json, "settings.json: "))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "settings.json: command_template: applies to the command executor only, but the"
                + " executor is shell");
  }

  @Test
  void aValueTheSettingsRefuseIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> worker("worker-a", ExecutorKind.SHELL, null, 0).resolve(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--slots: expected 1..256 but found 0");
    assertThatThrownBy(() -> worker("", ExecutorKind.SHELL, null, 8).resolve(null))
        .hasMessageStartingWith("--alias: expected 1-63 letters")
        .hasMessageEndingWith("but found ''");
    assertThatThrownBy(() -> SettingsRequest.builder().maxChildren(0).build().resolve(null))
        .hasMessageStartingWith("--max-children: expected 1..");
    assertThatThrownBy(
            () -> SettingsRequest.builder().heartbeatIntervalMillis(0L).build().resolve(null))
        .hasMessage("--heartbeat-interval: expected at least 0.001 but found 0");
  }

  @Test
  void anEchoModeForACommandWorkerHoldsForItsExecutorEchoChildren() {
    SettingsRequest command =
        commandWorker("agent {{goal}}").toBuilder().echoMode(InstanceSettings.ECHO_COMPUTE).build();
    assertThat(command.resolve(null).echoMode()).isEqualTo(InstanceSettings.ECHO_COMPUTE);
  }
}
