package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
   * Checks the body of a {@code LEARN permission_rule} record before it is appended: a rule that is
   * being disabled needs only its name; any other must be a usable rule.
   */
  public static Optional<RuleProblem> checkRuleBody(ObjectNode body) {
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      return Optional.of(RuleProblem.of("name", "expected a non-empty string but found " + name));
    }
    JsonNode enabled = body.get("enabled");
    if (enabled != null && !enabled.isBoolean()) {
      return Optional.of(RuleProblem.of("enabled", "expected true or false but found " + enabled));
    }
    if (enabled != null && !enabled.asBoolean()) {
      return Optional.empty();
    }
    for (String field : new String[] {"expression", "code", "message"}) {
      JsonNode value = body.get(field);
      if (value != null && !value.isTextual()) {
        return Optional.of(RuleProblem.of(field, "expected a string but found " + value));
      }
    }
    JsonNode expression = body.get("expression");
    JsonNode code = body.get("code");
    JsonNode message = body.get("message");
    return check(
        new PermissionRule(
            name.asText(),
            expression == null ? "" : expression.asText(),
            code == null ? null : code.asText(),
            message == null ? null : message.asText(),
            RuleSource.RECORD));
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
