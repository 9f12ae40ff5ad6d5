package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;

/**
 * The outcome of the permission check of one write: allowed, or refused with the HTTP status, error
 * code, message and the name of the rule that refused it.
 */
public record PermissionDecision(
    boolean allowed, int httpStatus, String code, String message, String rule) {

  public static final int FORBIDDEN = 403;
  public static final PermissionDecision ALLOWED = new PermissionDecision(true, 200, "", "", "");

  static PermissionDecision refused(String code, String message, String rule) {
    return new PermissionDecision(false, FORBIDDEN, code, message, rule);
  }

  /** The API error body: {@code {"object":"error","type":"forbidden","code":...,"message":...}}. */
  public ObjectNode toErrorJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "error");
    node.put("type", "forbidden");
    node.put("code", code);
    node.put("message", message);
    node.put("rule", rule);
    return node;
  }
}
