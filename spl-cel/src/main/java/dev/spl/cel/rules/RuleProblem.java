package dev.spl.cel.rules;

/**
 * Why a rule cannot be used: the field at fault, what is wrong and, for a compile error, the
 * 1-based line and column in the expression (0 when unknown).
 */
public record RuleProblem(String field, String message, int line, int column) {

  static RuleProblem of(String field, String message) {
    return new RuleProblem(field, message, 0, 0);
  }

  /** {@code expression at 1:14: undeclared reference to 'recrd'}, or field and message. */
  public String describe() {
    return line > 0
        ? field + " at " + line + ":" + column + ": " + message
        : field + ": " + message;
  }
}
