package dev.spl.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.rules.PermissionGate;
import dev.spl.cel.rules.PermissionRule;
import dev.spl.cel.rules.RuleSource;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The version of a daemon's spawn policy: equal while its answers cannot change, different from the
 * moment a freeze, an unfreeze or a rule could change one, so a fold may keep answers exactly.
 */
class ControlGateSpawnPolicyTest {
  private static final String USER = "did:sync:user:op";

  @TempDir Path home;
  private Daemon daemon;
  private SpawnPolicy policy;
  private final FanoutRecords.Draft child = childIntent();

  @BeforeEach
  void start() throws Exception {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    policy = daemon.controlGate().spawnPolicy(daemon.did());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private static FanoutRecords.Draft childIntent() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.CHILD);
    body.put("namespace", "docs");
    return new FanoutRecords.Draft(ThreadIds.derive("child"), Act.INTEND, body);
  }

  @Test
  void theVersionStaysWhileNothingChangesAndMovesWithAFreezeAndAnUnfreeze() {
    Object before = policy.answersVersion();
    daemon
        .records()
        .append(
            new Record(
                ThreadIds.derive("other"),
                USER,
                Act.LEARN,
                Json.MAPPER.createObjectNode().put("topic", "note"),
                1,
                List.of()));
    assertThat(policy.answersVersion()).isEqualTo(before);
    assertThat(policy.refusal(child)).isEmpty();

    daemon
        .records()
        .append(new Freeze("docs", FreezeLevel.SOFT, 60, "pause", USER, 1).toRecord(USER, 2));
    Object frozen = policy.answersVersion();
    assertThat(frozen).isNotEqualTo(before);
    assertThat(policy.refusal(child)).isPresent();

    daemon.records().append(new Unfreeze("docs", USER, 2).toRecord(USER, 3));
    assertThat(policy.answersVersion()).isNotEqualTo(frozen).isNotEqualTo(before);
    assertThat(policy.refusal(child)).isEmpty();
  }

  @Test
  void aRuleRecordMovesTheVersion() {
    Object before = policy.answersVersion();
    PermissionRule rule =
        new PermissionRule(
            "no_docs_children",
            "record.topic == 'fanout_child' && record.namespace == 'docs'",
            "NO_DOCS",
            "no children in docs",
            RuleSource.RECORD);
    daemon
        .records()
        .append(
            new Record(
                ThreadIds.ENGINE_CONFIG,
                USER,
                Act.LEARN,
                PermissionGate.ruleBody(rule, true),
                4,
                List.of()));

    assertThat(policy.answersVersion()).isNotEqualTo(before);
    assertThat(policy.refusal(child)).contains("no children in docs");
  }
}
