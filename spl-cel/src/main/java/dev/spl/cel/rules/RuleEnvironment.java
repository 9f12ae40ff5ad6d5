package dev.spl.cel.rules;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Set;

/**
 * The CEL environment of permission rules: the variables a rule may read and the requirement that
 * it yields a bool. Compiling is slow and done once per rule change; evaluating is what each write
 * pays.
 *
 * <ul>
 *   <li>{@code record}: map of string to string with {@code act}, {@code thread}, {@code actor},
 *       {@code topic} (empty when none) and {@code namespace}
 *   <li>{@code body}: the record's body as a map (JSON nulls are left out)
 *   <li>{@code frozen}: map of frozen namespace to its level, {@code soft} or {@code hard}
 *   <li>{@code emergency}: whether the emergency stop is active
 * </ul>
 */
final class RuleEnvironment {
  static final String RECORD = "record";
  static final String BODY = "body";
  static final String FROZEN = "frozen";
  static final String EMERGENCY = "emergency";

  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar(RECORD, MapType.create(SimpleType.STRING, SimpleType.STRING))
          .addVar(BODY, MapType.create(SimpleType.STRING, SimpleType.DYN))
          .addVar(FROZEN, MapType.create(SimpleType.STRING, SimpleType.STRING))
          .addVar(EMERGENCY, SimpleType.BOOL)
          .setResultType(SimpleType.BOOL)
          .build();

  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private RuleEnvironment() {}

  /** The fields of {@code record} that take few distinct values across writes. */
  static final Set<String> SHAPE_FIELDS = Set.of("act", "actor", "topic", "namespace");

  /**
   * A compiled program, or the first problem the compiler found. {@code readsShapeOnly} is true
   * when the expression reads nothing of the write but {@link #SHAPE_FIELDS} (besides {@code
   * frozen} and {@code emergency}): its result can then be reused for every write of that shape.
   */
  record Compiled(CelRuntime.Program program, RuleProblem problem, boolean readsShapeOnly) {
    Compiled(RuleProblem problem) {
      this(null, problem, false);
    }
  }

  static Compiled compile(String expression) {
    if (expression == null || expression.isBlank()) {
      return new Compiled(RuleProblem.of("expression", "expected a CEL expression but found none"));
    }
    CelValidationResult result = COMPILER.compile(expression);
    if (result.hasError()) {
      CelIssue first = result.getErrors().get(0);
      return new Compiled(
          new RuleProblem(
              "expression",
              first.getMessage(),
              first.getSourceLocation().getLine(),
              first.getSourceLocation().getColumn() + 1));
    }
    try {
      CelAbstractSyntaxTree ast = result.getAst();
      return new Compiled(RUNTIME.createProgram(ast), null, readsShapeOnly(ast));
    } catch (CelValidationException | CelEvaluationException e) {
      return new Compiled(RuleProblem.of("expression", e.getMessage()));
    }
  }

  /**
   * True when every use of {@code record} is a selection of a shape field and {@code body} is not
   * used. Conservative: any other use (the whole map, {@code record.thread}, a comprehension over
   * it) makes the rule read the write itself.
   */
  private static boolean readsShapeOnly(CelAbstractSyntaxTree ast) {
    return CelNavigableAst.fromAst(ast)
        .getRoot()
        .allNodes()
        .filter(node -> node.getKind() == CelExpr.ExprKind.Kind.IDENT)
        .allMatch(
            node -> {
              String name = node.expr().ident().name();
              if (BODY.equals(name)) {
                return false;
              }
              if (!RECORD.equals(name)) {
                return true;
              }
              return node.parent()
                  .filter(parent -> parent.getKind() == CelExpr.ExprKind.Kind.SELECT)
                  .map(parent -> SHAPE_FIELDS.contains(parent.expr().select().field()))
                  .orElse(false);
            });
  }
}
