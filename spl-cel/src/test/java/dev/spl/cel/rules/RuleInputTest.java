package dev.spl.cel.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rules as written by operators: strict JSON in the file, compiled before a record is stored. */
class RuleInputTest {
  private static Record ruleRecord(String json) {
    ObjectNode body = (ObjectNode) Json.parse(json);
    return new Record(ThreadIds.ENGINE_CONFIG, "did:sync:user:op", Act.LEARN, body, 0, List.of());
  }

  @Test
  void aRulesFileWithAKeyGivenTwiceIsAProblemNamingTheKey() {
    RuleFile.Parsed parsed =
        RuleFile.parse(
            "[{\"name\":\"a\",\"expression\":\"false\",\"expression\":\"true\"}]", "rules.json");

    assertThat(parsed.rules()).isEmpty();
    assertThat(parsed.problems())
        .singleElement()
        .asString()
        .startsWith("rules.json: expected a JSON array of rules but it does not parse")
        .endsWith("the key 'expression' is given twice in /0");
  }

  @Test
  void aRuleRecordThatDoesNotCompileIsRefusedWithThePosition() {
    assertThatThrownBy(
            () ->
                RuleValidation.requireUsable(
                    ruleRecord(
                        "{\"topic\":\"permission_rule\",\"name\":\"r\","
                            + "\"expression\":\"record.act == 'CALL' && recrd.x\"}")))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.expression at 1:")
        .hasMessageContaining("recrd");
  }

  @Test
  void aRuleRecordWithABadShapeIsRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                RuleValidation.requireUsable(
                    ruleRecord(
                        "{\"topic\":\"permission_rule\",\"name\":\"r\",\"expression\":\"true\","
                            + "\"colour\":1}")))
        .hasMessageStartingWith("body.colour: unknown key for a permission_rule record");
    assertThatThrownBy(
            () ->
                RuleValidation.requireUsable(
                    ruleRecord(
                        "{\"topic\":\"permission_rule\",\"name\":\"r\",\"expression\":\"true\","
                            + "\"code\":\"lower\"}")))
        .hasMessageStartingWith("body.code: expected an UPPER_SNAKE_CASE error code");
  }

  @Test
  void usableAndDisablingRuleRecordsPass() {
    assertThatCode(
            () ->
                RuleValidation.requireUsable(
                    ruleRecord(
                        "{\"topic\":\"permission_rule\",\"name\":\"r\","
                            + "\"expression\":\"record.act == 'CALL'\",\"code\":\"NO_CALLS\"}")))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                RuleValidation.requireUsable(
                    ruleRecord("{\"topic\":\"permission_rule\",\"name\":\"r\",\"enabled\":false}")))
        .doesNotThrowAnyException();
  }
}
