package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.rules.PermissionDecision;
import dev.spl.cel.rules.PermissionGate;
import dev.spl.cel.rules.PermissionRule;
import dev.spl.cel.rules.RuleSource;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The permission rules are compiled after the daemon serves, in the background; a write that
 * arrives before that is still checked against every rule in force.
 */
class RulesFromTheFirstRequestTest {
  private static final String TASK = ThreadIds.derive("task", "first-request");

  @TempDir Path home;

  private DaemonConfig config() {
    return DaemonConfig.builder(home).port(0).build();
  }

  private static Record write(String topic) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    return new Record(TASK, FleetTestSupport.USER, Act.INTEND, body, 1, List.of());
  }

  @Test
  void aRuleRecordedBeforeARestartRefusesTheFirstWriteAfterIt() {
    PermissionRule rule =
        new PermissionRule(
            "no_forbidden",
            "record.topic == 'forbidden'",
            "FORBIDDEN_TOPIC",
            "refused by rule {rule}",
            RuleSource.RECORD);
    try (Daemon daemon = Daemon.start(config())) {
      Record learn =
          new Record(
              ThreadIds.ENGINE_CONFIG,
              FleetTestSupport.USER,
              Act.LEARN,
              PermissionGate.ruleBody(rule, true),
              1,
              List.of());
      Http.Response stored = FleetTestSupport.post(daemon, learn);
      assertThat(stored.status()).as(stored.text()).isEqualTo(201);
    }

    try (Daemon daemon = Daemon.start(config())) {
      Http.Response refused = FleetTestSupport.post(daemon, write("forbidden"));

      assertThat(refused.status()).as(refused.text()).isEqualTo(PermissionDecision.FORBIDDEN);
      assertThat(refused.text()).contains("FORBIDDEN_TOPIC").contains("no_forbidden");
      Http.Response allowed = FleetTestSupport.post(daemon, write("allowed"));
      assertThat(allowed.status()).as(allowed.text()).isEqualTo(201);
    }
  }

  @Test
  void aRulesFileRuleRefusesTheFirstWriteAfterTheStart() throws Exception {
    Files.writeString(
        home.resolve("rules.json"),
        "[{\"name\":\"no_forbidden\",\"expression\":\"record.topic == 'forbidden'\","
            + "\"code\":\"FORBIDDEN_TOPIC\"}]");

    try (Daemon daemon = Daemon.start(config())) {
      Http.Response refused = FleetTestSupport.post(daemon, write("forbidden"));

      assertThat(refused.status()).as(refused.text()).isEqualTo(PermissionDecision.FORBIDDEN);
      assertThat(refused.text()).contains("FORBIDDEN_TOPIC");
    }
  }
}
