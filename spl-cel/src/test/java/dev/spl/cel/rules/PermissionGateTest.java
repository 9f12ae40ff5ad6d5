package dev.spl.cel.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.ControlState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionGateTest {
  private static final String OPERATOR = "did:sync:user:ops";
  private static final String WORKER = "did:sync:instance:000000000000000a";
  private static final String TASK = ThreadIds.derive("task", "1");
  private static final long T0 = 1_700_000_000_000L;

  private final PermissionGate gate = new PermissionGate();
  private final ControlState control = new ControlState();
  private long clock;

  private static Record write(Act act, String namespace, String topic) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    if (namespace != null) {
      body.put("namespace", namespace);
    }
    return new Record(TASK, WORKER, act, body, 1, List.of());
  }

  private void freeze(String namespace, String level) {
    long issuedAt = T0 + 10 * ++clock;
    control.apply(
        ControlRequests.freeze(
                namespace, level, 30L, "wrong approach on section A", OPERATOR, issuedAt)
            .toRecord(OPERATOR, clock));
  }

  private PermissionDecision check(Act act, String namespace) {
    return gate.check(write(act, namespace, "fanout_child"), control.snapshot());
  }

  @Test
  void everythingPassesWhenNothingIsFrozen() {
    for (Act act : Act.values()) {
      assertThat(check(act, "docs").allowed()).as(act.name()).isTrue();
    }
  }

  @Test
  void softFreezeRefusesNewWorkInTheNamespaceOnly() {
    freeze("docs/v0.11", "soft");

    for (Act act : List.of(Act.INTEND, Act.DO, Act.CALL)) {
      PermissionDecision decision = check(act, "docs/v0.11");
      assertThat(decision.allowed()).as(act.name()).isFalse();
      assertThat(decision.httpStatus()).isEqualTo(403);
      assertThat(decision.code()).isEqualTo("NAMESPACE_FROZEN");
      assertThat(decision.rule()).isEqualTo("namespace_frozen");
      assertThat(decision.message())
          .startsWith("namespace 'docs/v0.11' is frozen (soft): wrong approach on section A.");
    }
    assertThat(check(Act.KNOW, "docs/v0.11").allowed()).isTrue();
    assertThat(check(Act.LEARN, "docs/v0.11").allowed()).isTrue();
    assertThat(check(Act.INTEND, "docs/v0.12").allowed()).isTrue();
    assertThat(check(Act.INTEND, null).allowed()).isTrue();
  }

  @Test
  void hardFreezeRefusesLikeSoftAndNamesItsLevel() {
    freeze("batch", "hard");
    assertThat(check(Act.DO, "batch").message()).contains("frozen (hard)");
  }

  @Test
  void recordWithoutNamespaceIsInTheDefaultNamespaceUnlessTheCallerSaysOtherwise() {
    freeze("default", "soft");
    assertThat(check(Act.INTEND, null).code()).isEqualTo("NAMESPACE_FROZEN");
    Record childStarted = write(Act.DO, null, "child_started");
    assertThat(gate.check(childStarted, "docs", control.snapshot()).allowed()).isTrue();
  }

  @Test
  void unfreezeLiftsTheRefusal() {
    freeze("docs", "soft");
    control.apply(
        ControlRequests.unfreeze(control, "docs", OPERATOR, T0 + 10 * clock + 5)
            .toRecord(OPERATOR, ++clock));
    assertThat(check(Act.INTEND, "docs").allowed()).isTrue();
  }

  @Test
  void emergencyStopRefusesNewWorkEverywhere() {
    control.apply(
        ControlRequests.emergencyStop("runaway spend", OPERATOR, T0).toRecord(OPERATOR, ++clock));

    PermissionDecision decision = check(Act.CALL, "anything");
    assertThat(decision.allowed()).isFalse();
    assertThat(decision.code()).isEqualTo("EMERGENCY_STOP");
    assertThat(decision.rule()).isEqualTo("emergency_stop");
    assertThat(decision.message()).startsWith("emergency stop is active: runaway spend.");
    assertThat(check(Act.KNOW, "anything").allowed()).isTrue();

    control.apply(
        ControlRequests.releaseEmergency(control, "", OPERATOR, T0 + 1)
            .toRecord(OPERATOR, ++clock));
    assertThat(check(Act.CALL, "anything").allowed()).isTrue();
  }

  @Test
  void controlAndConfigThreadsAreNeverRefused() {
    control.apply(ControlRequests.emergencyStop("drill", OPERATOR, T0).toRecord(OPERATOR, ++clock));
    gate.loadFile(
        RuleFile.parse(
            "[{\"name\":\"refuse_all\",\"expression\":\"true\",\"code\":\"NO\"}]", "rules.json"));
    assertThat(check(Act.KNOW, "docs").code()).isEqualTo("NO");

    for (String thread : ThreadIds.RESERVED) {
      for (Act act : Act.values()) {
        Record record =
            new Record(thread, OPERATOR, act, Json.MAPPER.createObjectNode(), 1, List.of());
        assertThat(gate.check(record, control.snapshot()).allowed())
            .as(thread + " " + act)
            .isTrue();
      }
    }
  }

  @Test
  void operatorRuleFromFileRefusesWithItsCodeAndMessage() {
    RuleFile.Parsed parsed =
        RuleFile.parse(
            """
            [{"name": "no_calls_in_prod",
              "expression": "record.act == 'CALL' && record.namespace == 'prod'",
              "code": "PROD_CALLS_BLOCKED",
              "message": "no {act} in {namespace} (rule {rule})"},
             {"name": "big_budgets",
              "expression": "has(body.budget) && body.budget > 100.0",
              "code": "BUDGET_TOO_HIGH"}]
            """,
            "rules.json");
    assertThat(parsed.problems()).isEmpty();
    gate.loadFile(parsed);

    PermissionDecision refused = check(Act.CALL, "prod");
    assertThat(refused.code()).isEqualTo("PROD_CALLS_BLOCKED");
    assertThat(refused.message()).isEqualTo("no CALL in prod (rule no_calls_in_prod)");
    assertThat(refused.rule()).isEqualTo("no_calls_in_prod");
    assertThat(check(Act.CALL, "dev").allowed()).isTrue();

    Record expensive = write(Act.INTEND, "dev", "fanout_child");
    expensive.body().put("budget", 250.5);
    Record cheap = write(Act.INTEND, "dev", "fanout_child");
    cheap.body().put("budget", 2.5);
    assertThat(gate.check(expensive, control.snapshot()).code()).isEqualTo("BUDGET_TOO_HIGH");
    assertThat(gate.check(expensive, control.snapshot()).message())
        .isEqualTo("refused by permission rule 'big_budgets'");
    assertThat(gate.check(cheap, control.snapshot()).allowed()).isTrue();
    assertThat(gate.list())
        .extracting(RuleStatus::name, RuleStatus::source, RuleStatus::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("emergency_stop", RuleSource.BUILT_IN, "ok"),
            org.assertj.core.groups.Tuple.tuple("namespace_frozen", RuleSource.BUILT_IN, "ok"),
            org.assertj.core.groups.Tuple.tuple("no_calls_in_prod", RuleSource.FILE, "ok"),
            org.assertj.core.groups.Tuple.tuple("big_budgets", RuleSource.FILE, "ok"));
  }

  private Record ruleRecord(String name, String expression, boolean enabled) {
    PermissionRule rule =
        new PermissionRule(name, expression, "BY_RECORD", null, RuleSource.RECORD);
    return new Record(
        ThreadIds.ENGINE_CONFIG,
        OPERATOR,
        Act.LEARN,
        PermissionGate.ruleBody(rule, enabled),
        ++clock,
        List.of());
  }

  @Test
  void aCheckBeforeAnyPrepareCompilesTheRulesItself() {
    PermissionGate fresh = new PermissionGate();
    fresh.apply(ruleRecord("only_ops", "record.actor != 'did:sync:user:ops'", true));
    assertThat(fresh.rebuilds()).isZero();

    PermissionDecision decision =
        fresh.check(write(Act.INTEND, "x", "fanout_child"), control.snapshot());

    assertThat(decision.code()).isEqualTo("BY_RECORD");
    assertThat(fresh.rebuilds()).isEqualTo(1);
  }

  @Test
  void prepareCompilesOnceAndChecksFindTheRulesReady() {
    PermissionGate fresh = new PermissionGate();
    fresh.prepare();
    fresh.prepare();
    assertThat(fresh.rebuilds()).isEqualTo(1);

    fresh.apply(ruleRecord("only_ops", "record.actor != 'did:sync:user:ops'", true));
    fresh.prepare();
    assertThat(fresh.check(write(Act.INTEND, "x", "fanout_child"), control.snapshot()).code())
        .isEqualTo("BY_RECORD");
    assertThat(fresh.rebuilds()).isEqualTo(2);
  }

  @Test
  void operatorRuleFromRecordsReplacedByNameAndRemovedWhenDisabled() {
    assertThat(gate.apply(ruleRecord("only_ops", "record.actor != 'did:sync:user:ops'", true)))
        .isTrue();
    assertThat(check(Act.INTEND, "x").code()).isEqualTo("BY_RECORD");

    gate.apply(ruleRecord("only_ops", "record.topic == 'never'", true));
    assertThat(check(Act.INTEND, "x").allowed()).isTrue();
    assertThat(gate.list())
        .filteredOn(r -> r.name().equals("only_ops"))
        .singleElement()
        .extracting(RuleStatus::expression)
        .isEqualTo("record.topic == 'never'");

    gate.apply(ruleRecord("only_ops", "true", true));
    assertThat(check(Act.KNOW, "x").allowed()).isFalse();
    assertThat(gate.apply(ruleRecord("only_ops", "", false))).isTrue();
    assertThat(check(Act.KNOW, "x").allowed()).isTrue();
    assertThat(gate.list()).extracting(RuleStatus::name).doesNotContain("only_ops");
  }

  @Test
  void recordRuleReplacesAFileRuleOfTheSameName() {
    gate.loadFile(RuleFile.parse("[{\"name\":\"r\",\"expression\":\"true\"}]", "rules.json"));
    gate.apply(ruleRecord("r", "false", true));
    assertThat(check(Act.INTEND, "x").allowed()).isTrue();
    assertThat(gate.list())
        .filteredOn(row -> row.name().equals("r"))
        .extracting(RuleStatus::source, RuleStatus::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RuleSource.FILE, "replaced"),
            org.assertj.core.groups.Tuple.tuple(RuleSource.RECORD, "ok"));
  }

  @Test
  void badRuleIsRefusedWithTheCompilerMessageAndPosition() {
    RuleProblem problem =
        RuleValidation.checkExpression("record.act == 'DO' && recrd.namespace == 'x'")
            .orElseThrow();
    assertThat(problem.field()).isEqualTo("expression");
    assertThat(problem.message()).contains("undeclared reference to 'recrd'");
    assertThat(problem.line()).isEqualTo(1);
    assertThat(problem.column()).isEqualTo(23);
    assertThat(problem.describe()).startsWith("expression at 1:23: ");

    assertThat(RuleValidation.checkExpression("record.act").orElseThrow().message())
        .contains("bool");
    assertThat(RuleValidation.checkExpression("record.act ==").orElseThrow().line()).isEqualTo(1);
    assertThat(RuleValidation.checkExpression("record.act == 'DO'")).isEmpty();

    ObjectNode body =
        PermissionGate.ruleBody(
            new PermissionRule("x", "emergency && ", "X", null, RuleSource.RECORD), true);
    assertThat(RuleValidation.checkRuleBody(body)).isPresent();
    assertThat(
            RuleValidation.check(
                    new PermissionRule("namespace_frozen", "true", "X", null, RuleSource.RECORD))
                .orElseThrow()
                .describe())
        .contains("built-in");
    assertThat(
            RuleValidation.check(new PermissionRule("ok", "true", "lower", null, RuleSource.FILE))
                .orElseThrow()
                .field())
        .isEqualTo("code");
  }

  @Test
  void brokenStoredRuleIsSkippedAndReportedNeverLockingTheFleetOut() {
    gate.apply(ruleRecord("broken", "record.act == ", true));
    gate.apply(ruleRecord("divides", "1 / (size(record.topic) - size(record.topic)) == 0", true));

    for (Act act : Act.values()) {
      assertThat(check(act, "docs").allowed()).as(act.name()).isTrue();
    }
    RuleStatus broken =
        gate.list().stream().filter(r -> r.name().equals("broken")).findFirst().orElseThrow();
    assertThat(broken.status()).isEqualTo("error");
    assertThat(broken.problem()).startsWith("expression at 1:");
    RuleStatus divides =
        gate.list().stream().filter(r -> r.name().equals("divides")).findFirst().orElseThrow();
    assertThat(divides.status()).isEqualTo("ok");
    assertThat(divides.evaluationErrors()).isEqualTo(Act.values().length);
    assertThat(divides.lastEvaluationError()).contains("by zero");
  }

  @Test
  void rulesFileProblemsAreReportedAndGoodEntriesStillLoad() {
    RuleFile.Parsed parsed =
        RuleFile.parse(
            """
            [{"name": "a", "expression": "true", "colour": "red"},
             {"name": "b"},
             {"name": "c", "expression": "false", "enabled": false},
             {"name": "d", "expression": "false"},
             {"name": "d", "expression": "true"},
             42]
            """,
            "rules.json");
    assertThat(parsed.rules()).extracting(PermissionRule::name).containsExactly("d");
    assertThat(parsed.problems())
        .containsExactly(
            "rules.json[0].colour: unknown key; expected name, expression, code, message or enabled",
            "rules.json[1].expression: expected a non-empty string but found nothing",
            "rules.json[4].name: 'd' is already used by an earlier rule in the file",
            "rules.json[5]: expected an object but found number");
    assertThat(RuleFile.parse("{", "rules.json").problems())
        .singleElement()
        .asString()
        .startsWith("rules.json: expected a JSON array of rules but it does not parse");
  }

  @Test
  void rulesAreCompiledOnlyWhenTheyChange() {
    long before = gate.rebuilds();
    RuleFile.Parsed parsed = RuleFile.parse("[{\"name\":\"r\",\"expression\":\"false\"}]", "f");
    gate.loadFile(parsed);
    gate.loadFile(RuleFile.parse("[{\"name\":\"r\",\"expression\":\"false\"}]", "f"));
    for (int i = 0; i < 100; i++) {
      check(Act.INTEND, "docs");
    }
    freeze("docs", "soft");
    check(Act.INTEND, "docs");
    assertThat(gate.rebuilds()).isEqualTo(before + 1);
    assertThat(gate.apply(write(Act.LEARN, "docs", "permission_rule"))).isFalse();
    assertThat(gate.rebuilds()).isEqualTo(before + 1);
  }

  @Test
  void decisionsAreReusedOnlyWhenRulesReadNothingButTheWriteShape() {
    assertThat(gate.compiledForTest().memoizable()).isTrue();
    gate.loadFile(
        RuleFile.parse(
            "[{\"name\":\"r\",\"expression\":\"record.topic == 'x' && 'a' in frozen\"}]", "f"));
    assertThat(gate.compiledForTest().memoizable()).isTrue();

    for (String reader :
        List.of(
            "record.thread.endsWith('0')",
            "has(body.budget)",
            "record.exists(k, record[k] == 'never')",
            "size(record) > 99")) {
      gate.loadFile(
          RuleFile.parse(
              "[{\"name\":\"r\",\"expression\":" + Json.MAPPER.valueToTree(reader) + "}]", "f"));
      assertThat(gate.compiledForTest().memoizable()).as(reader).isFalse();
    }
  }

  @Test
  void writesOfTheSameShapeGetTheirOwnDecisionWhenARuleReadsTheThread() {
    gate.apply(ruleRecord("odd_threads", "record.thread.endsWith('1')", true));
    ObjectNode body = Json.MAPPER.createObjectNode().put("topic", "t").put("namespace", "n");
    Record even = new Record(ThreadIds.derive("a"), WORKER, Act.DO, body, 1, List.of());
    String oddThread = "th_" + "0".repeat(63) + "1";
    Record odd = new Record(oddThread, WORKER, Act.DO, body, 1, List.of());
    assertThat(even.thread()).doesNotEndWith("1");

    assertThat(gate.check(even, control.snapshot()).allowed()).isTrue();
    assertThat(gate.check(odd, control.snapshot()).allowed()).isFalse();
    assertThat(gate.check(even, control.snapshot()).allowed()).isTrue();
  }

  @Test
  void reusedDecisionsFollowTheControlState() {
    for (int i = 0; i < 3; i++) {
      assertThat(check(Act.INTEND, "docs").allowed()).isTrue();
      freeze("docs", "soft");
      assertThat(check(Act.INTEND, "docs").allowed()).isFalse();
      control.apply(
          ControlRequests.unfreeze(control, "docs", OPERATOR, T0 + 10 * clock + 5)
              .toRecord(OPERATOR, ++clock));
    }
  }

  @Test
  void errorBodyForTheApi() {
    freeze("docs", "soft");
    ObjectNode json = check(Act.INTEND, "docs").toErrorJson();
    assertThat(json.get("object").asText()).isEqualTo("error");
    assertThat(json.get("code").asText()).isEqualTo("NAMESPACE_FROZEN");
    assertThat(json.get("message").asText()).contains("docs").contains("wrong approach");
    assertThat(ControlSnapshot.EMPTY.frozenLevels()).isEmpty();
  }
}
