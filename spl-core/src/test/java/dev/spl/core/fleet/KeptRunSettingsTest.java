package dev.spl.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.NestedFanouts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The echo mode, the children cap and TLS are kept like the other settings. */
class KeptRunSettingsTest {
  private static SettingsRequest.Builder coordinator() {
    return SettingsRequest.builder().role(Role.COORDINATOR);
  }

  private static InstanceSettings computeHttps() {
    return coordinator()
        .echoMode(InstanceSettings.ECHO_COMPUTE)
        .maxChildren(5_000)
        .tls("/etc/spl/cert.pem", "/etc/spl/key.pem", "/etc/spl/ca.pem", false)
        .build()
        .resolve(null);
  }

  @Test
  void aStartWithoutOptionsKeepsTheEchoModeTheCapAndTls() {
    InstanceSettings stored = computeHttps();

    InstanceSettings again = SettingsRequest.NOTHING.resolve(stored);

    assertThat(again).isEqualTo(stored);
    assertThat(again.echoMode()).isEqualTo("compute");
    assertThat(again.maxChildren()).isEqualTo(5_000);
    assertThat(again.tlsCert()).isEqualTo("/etc/spl/cert.pem");
    assertThat(again.tlsKey()).isEqualTo("/etc/spl/key.pem");
    assertThat(again.tlsCa()).isEqualTo("/etc/spl/ca.pem");
    assertThat(SettingsRequest.NOTHING.differences(stored)).isEmpty();
  }

  @Test
  void otherValuesAreDifferencesNamingTheirOptions() {
    InstanceSettings stored = computeHttps();

    List<SettingsRequest.Difference> differences =
        coordinator()
            .echoMode(InstanceSettings.ECHO_PLAIN)
            .maxChildren(10)
            .tls("/etc/spl/new-cert.pem", "/etc/spl/new-key.pem", null, false)
            .build()
            .differences(stored);

    assertThat(differences)
        .extracting(SettingsRequest.Difference::option)
        .containsExactly("--echo-mode", "--max-children", "--tls-cert", "--tls-key");
    assertThat(SettingsRequest.describe(differences))
        .contains("echo mode is compute, --echo-mode plain asks for plain")
        .contains("children cap is 5000, --max-children 10 asks for 10")
        .contains("TLS certificate is /etc/spl/cert.pem, --tls-cert /etc/spl/new-cert.pem");
  }

  @Test
  void plainHttpAskedForReplacesAKeptCertificateAndACertificateReplacesPlainHttp() {
    InstanceSettings https = computeHttps();
    SettingsRequest plain = coordinator().tls(null, null, null, true).build();

    assertThat(SettingsRequest.describe(plain.differences(https)))
        .isEqualTo(
            "plain HTTP off loopback is off (HTTPS with /etc/spl/cert.pem), --insecure-http asks"
                + " for on");
    InstanceSettings insecure = plain.resolve(https);
    assertThat(insecure.insecureHttp()).isTrue();
    assertThat(insecure.servesTls()).isFalse();
    assertThat(insecure.tlsCa()).isEqualTo("/etc/spl/ca.pem");
    assertThat(SettingsRequest.NOTHING.resolve(insecure).insecureHttp()).isTrue();

    InstanceSettings back =
        coordinator()
            .tls("/etc/spl/cert.pem", "/etc/spl/key.pem", null, false)
            .build()
            .resolve(insecure);
    assertThat(back.insecureHttp()).isFalse();
    assertThat(back.tlsCert()).isEqualTo("/etc/spl/cert.pem");
  }

  @Test
  void theSettingsFileFormatCarriesTheNewFieldsAndReadsOldFilesWithDefaults() {
    InstanceSettings stored = computeHttps();
    ObjectNode json = stored.toJson();

    assertThat(json.get("echo_mode").asText()).isEqualTo("compute");
    assertThat(json.get("max_children").asInt()).isEqualTo(5_000);
    assertThat(json.get("tls_ca").asText()).isEqualTo("/etc/spl/ca.pem");
    assertThat(InstanceSettings.fromJson(json, "")).isEqualTo(stored);

    ObjectNode old = InstanceSettings.defaults().toJson();
    for (String field :
        List.of("echo_mode", "max_children", "tls_cert", "tls_key", "tls_ca", "insecure_http")) {
      old.remove(field);
    }
    InstanceSettings read = InstanceSettings.fromJson(old, "settings.json: ");
    assertThat(read).isEqualTo(InstanceSettings.defaults());
    assertThat(read.echoMode()).isEqualTo("plain");
    assertThat(read.maxChildren()).isEqualTo(Fanouts.DEFAULT_MAX_CHILDREN);
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    ObjectNode json = InstanceSettings.defaults().toJson();
    json.put("echo_mode", "fast");
    assertThatThrownBy(() -> InstanceSettings.fromJson(json, "settings.json: "))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("settings.json: echo_mode: expected 'plain' or 'compute'");
    ObjectNode onlyKey = InstanceSettings.defaults().toJson();
    onlyKey.put("tls_key", "/k.pem");
    assertThatThrownBy(() -> InstanceSettings.fromJson(onlyKey, "settings.json: "))
        .hasMessageContaining("tls_key: set without tls_cert");
    ObjectNode zeroCap = InstanceSettings.defaults().toJson();
    zeroCap.put("max_children", 0);
    assertThatThrownBy(() -> InstanceSettings.fromJson(zeroCap, "settings.json: "))
        .hasMessageContaining("max_children: expected 1..");
  }

  @Test
  void theFanoutDepthLimitIsKeptComparedAndReadAsTheDefaultFromOlderFiles() {
    InstanceSettings stored = coordinator().maxFanoutDepth(2).build().resolve(null);
    assertThat(stored.maxFanoutDepth()).isEqualTo(2);
    assertThat(stored.toJson().get("max_fanout_depth").asInt()).isEqualTo(2);
    assertThat(InstanceSettings.fromJson(stored.toJson(), "")).isEqualTo(stored);
    assertThat(SettingsRequest.NOTHING.resolve(stored).maxFanoutDepth()).isEqualTo(2);
    assertThat(
            SettingsRequest.describe(coordinator().maxFanoutDepth(6).build().differences(stored)))
        .isEqualTo("fan-out depth limit is 2, --max-fanout-depth 6 asks for 6");

    ObjectNode old = InstanceSettings.defaults().toJson();
    old.remove("max_fanout_depth");
    assertThat(InstanceSettings.fromJson(old, "settings.json: ").maxFanoutDepth())
        .isEqualTo(NestedFanouts.DEFAULT_MAX_DEPTH);
  }

  @Test
  void aFanoutDepthLimitOutsideOneToTheMaximumIsRefusedNamingTheOptionOrField() {
    for (int bad : new int[] {0, -1, NestedFanouts.MAX_MAX_DEPTH + 1}) {
      assertThatThrownBy(() -> coordinator().maxFanoutDepth(bad).build().resolve(null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "--max-fanout-depth: expected 1.."
                  + NestedFanouts.MAX_MAX_DEPTH
                  + " but found "
                  + bad);
    }
    assertThat(
            coordinator()
                .maxFanoutDepth(NestedFanouts.MAX_MAX_DEPTH)
                .build()
                .resolve(null)
                .maxFanoutDepth())
        .isEqualTo(NestedFanouts.MAX_MAX_DEPTH);
    ObjectNode deep = InstanceSettings.defaults().toJson();
    deep.put("max_fanout_depth", NestedFanouts.MAX_MAX_DEPTH + 1);
    assertThatThrownBy(() -> InstanceSettings.fromJson(deep, "settings.json: "))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("settings.json: max_fanout_depth: expected a whole number from 0 to");
  }

  @Test
  void anEchoModeForAShellWorkerIsKeptForItsExecutorEchoChildren() {
    SettingsRequest shell =
        SettingsRequest.builder()
            .role(Role.WORKER)
            .alias("worker-a")
            .coordinatorUrl("http://127.0.0.1:9100")
            .executor(ExecutorKind.SHELL)
            .echoMode(InstanceSettings.ECHO_COMPUTE)
            .build();
    assertThat(shell.resolve(null).echoMode()).isEqualTo(InstanceSettings.ECHO_COMPUTE);
  }
}
