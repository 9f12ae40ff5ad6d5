package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The permission check on every write: the built-in kill-switch rules plus the operator's rules
 * from the rules file and from {@code LEARN permission_rule} records on th_engine_config.
 *
 * <p>Rules are compiled once after they change ({@link #loadFile}, {@link #apply}): by {@link
 * #prepare}, or else by the first {@link #check} that finds them changed, so a daemon does not wait
 * for the CEL compiler before it serves. Until compiled, no check is decided: a check waits for the
 * compile. {@link #check} may be called from any number of threads while the rules are being
 * changed by one other.
 */
public final class PermissionGate {
  /** The namespace of a record that names none. */
  public static final String DEFAULT_NAMESPACE = "default";

  public static final String RULE_TOPIC = "permission_rule";

  private final Map<String, RuleEnvironment.Compiled> programs = new HashMap<>();
  private RuleFile.Parsed file = RuleFile.Parsed.EMPTY;
  private final Map<String, PermissionRule> recordRules = new LinkedHashMap<>();
  private final List<String> skippedRecords = new ArrayList<>();
  // Null while the rules changed since they were last compiled; written under this gate's lock.
  private volatile CompiledRules compiled;
  private long rebuilds;

  /** The built-in rules only, compiled when first needed. */
  public PermissionGate() {}

  /** Replaces the rules of the rules file (see {@link RuleFile#parse}). */
  public synchronized void loadFile(RuleFile.Parsed parsed) {
    if (parsed.equals(file)) {
      return;
    }
    file = parsed;
    rebuild();
  }

  /**
   * Folds a record; only {@code LEARN permission_rule} records on th_engine_config change the
   * rules. A later rule of the same name replaces the earlier one, and {@code enabled: false}
   * removes it. Returns true when the rules changed.
   */
  public synchronized boolean apply(Record record) {
    if (!ThreadIds.ENGINE_CONFIG.equals(record.thread())
        || record.act() != Act.LEARN
        || !RULE_TOPIC.equals(record.topic())) {
      return false;
    }
    ObjectNode body = record.body();
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      skippedRecords.add(
          record.id() + ": body.name: expected a non-empty string but found " + name);
      return false;
    }
    JsonNode enabled = body.get("enabled");
    boolean changed;
    if (enabled != null && enabled.isBoolean() && !enabled.asBoolean()) {
      changed = recordRules.remove(name.asText()) != null;
    } else {
      PermissionRule rule =
          new PermissionRule(
              name.asText(),
              text(body, "expression"),
              text(body, "code"),
              text(body, "message"),
              RuleSource.RECORD);
      // Re-inserting keeps the order rules were first written in: the order they are checked.
      changed = !rule.equals(recordRules.put(rule.name(), rule));
    }
    if (changed) {
      rebuild();
    }
    return changed;
  }

  private static String text(ObjectNode body, String field) {
    JsonNode value = body.get(field);
    return value != null && value.isTextual() ? value.asText() : "";
  }

  private void rebuild() {
    compiled = null;
  }

  /**
   * The rules in force, compiled: by this call when they changed since the last compile. One thread
   * compiles; the others wait for it.
   */
  private CompiledRules compiled() {
    CompiledRules current = compiled;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (compiled == null) {
        compiled =
            CompiledRules.build(
                BuiltInRules.ALL, file.rules(), List.copyOf(recordRules.values()), programs);
        rebuilds++;
      }
      return compiled;
    }
  }

  /**
   * Compiles the rules now if they changed since the last compile, so the next {@link #check} finds
   * them ready.
   */
  public void prepare() {
    compiled();
  }

  /**
   * Checks a write of {@code record} in {@code namespace} (the namespace of its thread: the daemon
   * resolves it for records whose body does not carry one) against the rules and the control state.
   */
  public PermissionDecision check(Record record, String namespace, ControlSnapshot control) {
    return compiled().check(record, namespace, control);
  }

  /**
   * The rules in force as one value: the same object for as long as the same rules are in force, a
   * new one from the moment they change (a rule change compiles a new evaluator).
   */
  public Object rulesInForce() {
    return compiled();
  }

  /** As {@link #check(Record, String, ControlSnapshot)} with the body's namespace or "default". */
  public PermissionDecision check(Record record, ControlSnapshot control) {
    String namespace = record.namespace();
    return check(record, namespace == null ? DEFAULT_NAMESPACE : namespace, control);
  }

  /** The rows of {@code spl rules list}: every rule with its source and status. */
  public List<RuleStatus> list() {
    return compiled().list();
  }

  /** Problems of the rules file and of rule records that were skipped. */
  public synchronized List<String> problems() {
    List<String> problems = new ArrayList<>(file.problems());
    problems.addAll(skippedRecords);
    return problems;
  }

  CompiledRules compiledForTest() {
    return compiled();
  }

  /** How many times the rules were compiled into a new evaluator (none before the first use). */
  public synchronized long rebuilds() {
    return rebuilds;
  }

  /** The body of a {@code LEARN permission_rule} record that adds or replaces {@code rule}. */
  public static ObjectNode ruleBody(PermissionRule rule, boolean enabled) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", RULE_TOPIC);
    body.put("name", rule.name());
    body.put("expression", rule.expression());
    body.put("code", rule.code());
    body.put("message", rule.message());
    body.put("enabled", enabled);
    return body;
  }
}
