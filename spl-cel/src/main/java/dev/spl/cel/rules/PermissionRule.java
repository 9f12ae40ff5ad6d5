package dev.spl.cel.rules;

import java.util.Objects;

/**
 * A permission rule as written: a CEL expression over the record being written that is true when
 * the write must be refused, the error code and message of the refusal, and where it came from.
 *
 * <p>The message may name {@code {rule}}, {@code {namespace}}, {@code {act}}, {@code {thread}},
 * {@code {topic}}, {@code {actor}}, {@code {freeze_level}}, {@code {freeze_reason}} and {@code
 * {emergency_reason}}; they are filled in when a write is refused.
 */
public record PermissionRule(
    String name, String expression, String code, String message, RuleSource source) {

  public static final String DEFAULT_CODE = "PERMISSION_DENIED";
  public static final String DEFAULT_MESSAGE = "refused by permission rule '{rule}'";

  public PermissionRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(expression, "expression");
    Objects.requireNonNull(source, "source");
    code = code == null || code.isBlank() ? DEFAULT_CODE : code;
    message = message == null || message.isBlank() ? DEFAULT_MESSAGE : message;
  }
}
