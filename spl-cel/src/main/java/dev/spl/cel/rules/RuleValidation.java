package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.schema.SystemRecords;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks an operator rule before it is written ({@code spl rules add}, {@code POST} of a {@code
 * permission_rule}, the rules file), so a rule that cannot work is refused with the compiler's
 * message and position instead of being stored.
 */
public final class RuleValidation {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

  private RuleValidation() {}

  /** The first problem of an operator rule, or empty when it can be used. */
  public static Optional<RuleProblem> check(PermissionRule rule) {
    return checkDefinition(rule)
        .or(() -> Optional.ofNullable(RuleEnvironment.compile(rule.expression()).problem()));
  }

  /** Checks a CEL expression alone: compiles, reads only declared variables, yields a bool. */
  public static Optional<RuleProblem> checkExpression(String expression) {
    return Optional.ofNullable(RuleEnvironment.compile(expression).problem());
  }

  /**
   * Checks the body of a {@code LEARN permission_rule} record before it is appended: its shape
   * ({@link SystemRecords#requirePermissionRuleShape}); then a rule that is being disabled needs
   * only its name, any other must be a usable rule (name, code, and an expression that compiles to
   * a bool).
   */
  public static Optional<RuleProblem> checkRuleBody(ObjectNode body) {
    try {
      SystemRecords.requirePermissionRuleShape(body);
    } catch (InvalidRecordException e) {
      String message = e.getMessage();
      int colon = message.indexOf(": ");
      String field = colon < 0 ? "body" : message.substring(0, colon);
      return Optional.of(
          RuleProblem.of(
              field.startsWith("body.") ? field.substring("body.".length()) : field,
              colon < 0 ? message : message.substring(colon + 2)));
    }
    JsonNode enabled = body.get("enabled");
    if (enabled != null && !enabled.booleanValue()) {
      return Optional.empty();
    }
    JsonNode code = body.get("code");
    JsonNode message = body.get("message");
    return check(
        new PermissionRule(
            body.get("name").textValue(),
            body.get("expression").textValue(),
            code == null || code.isNull() ? null : code.textValue(),
            message == null || message.isNull() ? null : message.textValue(),
            RuleSource.RECORD));
  }

  /**
   * Refuses a {@code LEARN permission_rule} record on th_engine_config whose rule cannot be used
   * (see {@link #checkRuleBody}), naming the field: what the daemon checks before it stores one.
   * Other records pass.
   */
  public static void requireUsable(Record record) {
    if (!ThreadIds.ENGINE_CONFIG.equals(record.thread())
        || record.act() != Act.LEARN
        || !PermissionGate.RULE_TOPIC.equals(record.topic())) {
      return;
    }
    Optional<RuleProblem> problem = checkRuleBody(record.body());
    if (problem.isPresent()) {
      throw new InvalidRecordException("body." + problem.get().describe());
    }
  }

  static Optional<RuleProblem> checkDefinition(PermissionRule rule) {
    if (!NAME.matcher(rule.name()).matches()) {
      return Optional.of(
          RuleProblem.of(
              "name",
              "expected 1-64 letters, digits, '_', '.' or '-' starting with a letter or digit but"
                  + " found '"
                  + rule.name()
                  + "'"));
    }
    if (rule.source() != RuleSource.BUILT_IN && BuiltInRules.NAMES.contains(rule.name())) {
      return Optional.of(
          RuleProblem.of(
              "name", "'" + rule.name() + "' is the name of a built-in rule; choose another name"));
    }
    if (!CODE.matcher(rule.code()).matches()) {
      return Optional.of(
          RuleProblem.of(
              "code", "expected an UPPER_SNAKE_CASE error code but found '" + rule.code() + "'"));
    }
    return Optional.empty();
  }
}
