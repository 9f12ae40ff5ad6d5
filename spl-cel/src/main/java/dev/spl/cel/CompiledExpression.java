package dev.spl.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.util.Set;

/**
 * A checked CEL expression ready to evaluate many times.
 *
 * @param referencedVariables the declared variables the expression reads, from the checked AST, so
 *     callers can skip building values nobody reads
 */
public record CompiledExpression(
    String text,
    CelAbstractSyntaxTree ast,
    CelRuntime.Program program,
    Set<String> referencedVariables) {

  public boolean references(String variable) {
    return referencedVariables.contains(variable);
  }

  public Object evaluate(CelVariableResolver variables) throws CelEvaluationException {
    return program.eval(variables);
  }
}
