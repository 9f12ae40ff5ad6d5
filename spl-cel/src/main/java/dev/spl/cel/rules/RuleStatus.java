package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;

/**
 * One row of {@code spl rules list}.
 *
 * @param status {@code ok} (in force), {@code error} (did not compile or is invalid; skipped) or
 *     {@code replaced} (a file rule overridden by a record rule of the same name)
 * @param problem why the rule is not in force, empty when it is
 * @param evaluationErrors how many writes the rule could not be evaluated on (the write was not
 *     refused by it)
 */
public record RuleStatus(
    String name,
    RuleSource source,
    String expression,
    String code,
    String status,
    String problem,
    long evaluationErrors,
    String lastEvaluationError) {

  public static final String OK = "ok";
  public static final String ERROR = "error";
  public static final String REPLACED = "replaced";

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("name", name);
    node.put("source", source.wire());
    node.put("expression", expression);
    node.put("code", code);
    node.put("status", status);
    node.put("problem", problem);
    node.put("evaluation_errors", evaluationErrors);
    node.put("last_evaluation_error", lastEvaluationError);
    return node;
  }
}
