package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A fleet-wide routing rule, a {@code LEARN routing_rule} on {@code th_engine_config} ({@code spl
 * routes add}): every child whose subtask {@code match} holds for (every child when it has none)
 * goes only to a live worker {@code route} holds for, besides its own target. The latest record of
 * a name in the log is in force; one with {@code enabled} false removes the rule.
 *
 * @param match a CEL condition over the subtask ({@code subtask.index}, {@code subtask.goal},
 *     {@code subtask.target}, {@code subtask.run}, {@code subtask.namespace}), or null for every
 *     child
 * @param route a CEL condition over the worker, as a {@code cel:} target reads it; null only when
 *     disabling
 */
public record RoutingRule(String name, String match, String route, boolean enabled) {
  public static final String TOPIC = "routing_rule";
  public static final List<String> KEYS = List.of("topic", "name", "match", "route", "enabled");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public RoutingRule {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidRecordException(
          "body.name: expected 1-64 letters, digits, '_', '.' or '-' starting with a letter or"
              + " digit but found "
              + (name == null ? "none" : "'" + name + "'"));
    }
    if (match != null && match.isBlank()) {
      throw new InvalidRecordException(
          "body.match: expected a CEL condition over the subtask but found an empty one");
    }
    if (enabled && (route == null || route.isBlank())) {
      throw new InvalidRecordException(
          "body.route: expected a CEL condition over the worker but found none");
    }
  }

  public ObjectNode toBody() {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", TOPIC);
    body.put("name", name);
    if (match != null) {
      body.put("match", match);
    }
    if (route != null) {
      body.put("route", route);
    }
    body.put("enabled", enabled);
    return body;
  }

  /** Reads and checks the body's shape (known keys, strings, a boolean {@code enabled}). */
  public static RoutingRule fromBody(ObjectNode body) {
    BodyFields.requireOnlyKeys(body, KEYS, "a routing_rule record");
    JsonNode enabled = body.get("enabled");
    if (enabled != null && !enabled.isBoolean()) {
      throw new InvalidRecordException(
          "body.enabled: expected true or false but found " + BodyFields.describe(enabled));
    }
    return new RoutingRule(
        BodyFields.text(body, "name"),
        BodyFields.optionalText(body, "match", null),
        BodyFields.optionalText(body, "route", null),
        enabled == null || enabled.booleanValue());
  }
}
