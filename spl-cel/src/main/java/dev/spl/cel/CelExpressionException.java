package dev.spl.cel;

/**
 * A CEL expression that was refused: it does not parse, does not type-check, or does not have the
 * type its use requires. {@code line} and {@code column} are 1-based, or 0 when the problem is not
 * at one place (the result type).
 */
public final class CelExpressionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String expression;
  private final int line;
  private final int column;

  public CelExpressionException(String message, String expression, int line, int column) {
    super(message);
    this.expression = expression;
    this.line = line;
    this.column = column;
  }

  public String expression() {
    return expression;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
