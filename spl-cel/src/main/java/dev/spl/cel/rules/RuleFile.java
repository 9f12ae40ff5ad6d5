package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The operator's rules file in the daemon home ({@value #FILE_NAME}): a JSON array of {@code
 * {"name", "expression", "code", "message", "enabled"}} objects; {@code code}, {@code message} and
 * {@code enabled} (default true) are optional. Entries that are malformed are skipped and reported;
 * the others load, so one typo does not take every rule down. Whether an expression compiles is
 * decided when the rules are built and shown by {@code spl rules list}.
 */
public final class RuleFile {
  public static final String FILE_NAME = "rules.json";
  private static final Set<String> KEYS =
      Set.of("name", "expression", "code", "message", "enabled");

  private RuleFile() {}

  /** The rules of a file and what was wrong with the entries that were skipped. */
  public record Parsed(List<PermissionRule> rules, List<String> problems) {
    public Parsed {
      rules = List.copyOf(rules);
      problems = List.copyOf(problems);
    }

    public static final Parsed EMPTY = new Parsed(List.of(), List.of());
  }

  public static Parsed parse(String content, String fileName) {
    JsonNode root;
    try {
      root = Json.parse(content);
    } catch (MalformedJsonException e) {
      // Strict JSON: a key given twice in an entry is refused, never "last one wins".
      return new Parsed(
          List.of(),
          List.of(
              fileName
                  + ": expected a JSON array of rules but it does not parse: "
                  + e.getMessage()));
    }
    if (root.isMissingNode() || !root.isArray()) {
      return new Parsed(
          List.of(),
          List.of(
              fileName
                  + ": expected a JSON array of rules but found "
                  + (root.isMissingNode()
                      ? "nothing"
                      : root.getNodeType().name().toLowerCase(Locale.ROOT))));
    }
    List<PermissionRule> rules = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < root.size(); i++) {
      String where = fileName + "[" + i + "]";
      JsonNode entry = root.get(i);
      if (!(entry instanceof ObjectNode object)) {
        problems.add(
            where
                + ": expected an object but found "
                + entry.getNodeType().name().toLowerCase(Locale.ROOT));
        continue;
      }
      String problem = entryProblem(object);
      if (problem != null) {
        problems.add(where + "." + problem);
        continue;
      }
      if (object.has("enabled") && !object.get("enabled").asBoolean()) {
        continue;
      }
      String name = object.get("name").asText();
      if (!names.add(name)) {
        problems.add(
            where + ".name: '" + name + "' is already used by an earlier rule in the file");
        continue;
      }
      rules.add(
          new PermissionRule(
              name,
              object.get("expression").asText(),
              textOrNull(object, "code"),
              textOrNull(object, "message"),
              RuleSource.FILE));
    }
    return new Parsed(rules, problems);
  }

  private static String entryProblem(ObjectNode object) {
    var fieldNames = object.fieldNames();
    while (fieldNames.hasNext()) {
      String key = fieldNames.next();
      if (!KEYS.contains(key)) {
        return key + ": unknown key; expected name, expression, code, message or enabled";
      }
    }
    for (String required : List.of("name", "expression")) {
      JsonNode value = object.get(required);
      if (value == null || !value.isTextual() || value.asText().isBlank()) {
        return required + ": expected a non-empty string but found " + describe(value);
      }
    }
    for (String optional : List.of("code", "message")) {
      JsonNode value = object.get(optional);
      if (value != null && !value.isTextual()) {
        return optional + ": expected a string but found " + describe(value);
      }
    }
    JsonNode enabled = object.get("enabled");
    if (enabled != null && !enabled.isBoolean()) {
      return "enabled: expected true or false but found " + describe(enabled);
    }
    return null;
  }

  private static String textOrNull(ObjectNode object, String field) {
    JsonNode value = object.get(field);
    return value == null ? null : value.asText();
  }

  private static String describe(JsonNode node) {
    return node == null
        ? "nothing"
        : node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + node;
  }
}
