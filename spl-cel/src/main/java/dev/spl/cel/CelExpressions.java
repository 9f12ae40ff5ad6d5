package dev.spl.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The shared CEL setup: a compiler with the standard functions and macros ({@code all}, {@code
 * exists}, {@code filter}, {@code map}, {@code has}) plus the variables a use declares, one
 * runtime, and compile-once helpers that refuse expressions with the compiler's own message and
 * position.
 */
public final class CelExpressions {
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private CelExpressions() {}

  /** A compiler builder with the standard environment and macros and the given variables. */
  public static CelCompilerBuilder compilerBuilder(Map<String, CelType> variables) {
    CelCompilerBuilder builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS);
    variables.forEach(builder::addVar);
    return builder;
  }

  public static CelRuntime runtime() {
    return RUNTIME;
  }

  /**
   * Compiles {@code text} and checks that its type is {@code expectedType}.
   *
   * @param what how the expression is named in messages ({@code join}, {@code rule 'x'})
   * @throws CelExpressionException naming the first error's line and column, with the compiler's
   *     message and a caret under the source
   */
  public static CompiledExpression compile(
      CelCompiler compiler, String text, CelType expectedType, String what) {
    CelValidationResult result = compiler.compile(text);
    if (result.hasError()) {
      CelIssue first = result.getErrors().get(0);
      int line = first.getSourceLocation().getLine();
      int column = first.getSourceLocation().getColumn() + 1;
      throw new CelExpressionException(
          what
              + ": the CEL expression does not compile (line "
              + line
              + ", column "
              + column
              + "): "
              + first.getMessage()
              + "\n"
              + result.getErrorString(),
          text,
          line,
          column);
    }
    CelAbstractSyntaxTree ast;
    try {
      ast = result.getAst();
    } catch (dev.cel.common.CelValidationException e) {
      throw new CelExpressionException(what + ": " + e.getMessage(), text, 0, 0);
    }
    CelType type = ast.getResultType();
    if (!type.equals(expectedType)) {
      throw new CelExpressionException(
          what
              + ": expected a CEL expression of type "
              + expectedType.name()
              + " but '"
              + text
              + "' has type "
              + type.name(),
          text,
          0,
          0);
    }
    Set<String> referenced = new HashSet<>();
    for (CelReference reference : ast.getReferenceMap().values()) {
      if (reference.overloadIds().isEmpty() && reference.value().isEmpty()) {
        referenced.add(reference.name());
      }
    }
    CelRuntime.Program program;
    try {
      program = RUNTIME.createProgram(ast);
    } catch (CelEvaluationException e) {
      throw new CelExpressionException(what + ": " + e.getMessage(), text, 0, 0);
    }
    return new CompiledExpression(text, ast, program, Set.copyOf(referenced));
  }
}
