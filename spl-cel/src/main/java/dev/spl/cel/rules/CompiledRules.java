package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.Freeze;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An immutable set of compiled rules, in the order they are checked: built-in, then file, then
 * record rules. Safe to use from many threads at once; rebuilt (by {@link PermissionGate}) only
 * when the rules change.
 */
final class CompiledRules {
  /** Distinct write shapes remembered per control snapshot before the memo starts over. */
  static final int MAX_MEMO_ENTRIES = 4096;

  private final List<Active> active;
  private final List<Listed> listing;
  private final boolean memoizable;
  private volatile Memo memo = new Memo(null);

  /**
   * Decisions by write shape for one control snapshot. Rules are pure functions of their inputs, so
   * when no rule reads the body or the thread, the decision for (act, actor, topic, namespace)
   * under one control snapshot is the same for every write of that shape.
   */
  private record Memo(
      ControlSnapshot control, ConcurrentHashMap<Shape, PermissionDecision> decisions) {
    Memo(ControlSnapshot control) {
      this(control, new ConcurrentHashMap<>());
    }
  }

  private record Shape(Act act, String actor, String topic, String namespace) {}

  /** A rule in force. Evaluation errors are counted here, across threads. */
  record Active(
      PermissionRule rule,
      CelRuntime.Program program,
      AtomicLong evaluationErrors,
      AtomicReference<String> lastEvaluationError) {}

  /** A rule as listed: in force ({@code active} set) or not, with the reason. */
  record Listed(PermissionRule rule, Active active, String status, String problem) {}

  private CompiledRules(List<Active> active, List<Listed> listing, boolean memoizable) {
    this.active = List.copyOf(active);
    this.listing = List.copyOf(listing);
    this.memoizable = memoizable;
  }

  /**
   * Compiles the rules; {@code programs} caches compiled expressions between rebuilds so an
   * unchanged rule is not compiled again. A record rule replaces a file rule of the same name.
   */
  static CompiledRules build(
      List<PermissionRule> builtIns,
      List<PermissionRule> fileRules,
      List<PermissionRule> recordRules,
      Map<String, RuleEnvironment.Compiled> programs) {
    Map<String, RuleEnvironment.Compiled> used = new LinkedHashMap<>();
    List<Active> active = new ArrayList<>();
    List<Listed> listing = new ArrayList<>();
    boolean memoizable = true;
    java.util.Set<String> recordNames = new java.util.HashSet<>();
    recordRules.forEach(rule -> recordNames.add(rule.name()));
    List<PermissionRule> ordered = new ArrayList<>(builtIns);
    ordered.addAll(fileRules);
    ordered.addAll(recordRules);
    for (PermissionRule rule : ordered) {
      if (rule.source() == RuleSource.FILE && recordNames.contains(rule.name())) {
        listing.add(
            new Listed(
                rule, null, RuleStatus.REPLACED, "replaced by the record rule of the same name"));
        continue;
      }
      Optional<RuleProblem> invalid = RuleValidation.checkDefinition(rule);
      if (invalid.isPresent()) {
        listing.add(new Listed(rule, null, RuleStatus.ERROR, invalid.get().describe()));
        continue;
      }
      RuleEnvironment.Compiled compiled =
          used.computeIfAbsent(
              rule.expression(),
              expression -> {
                RuleEnvironment.Compiled cached = programs.get(expression);
                return cached != null ? cached : RuleEnvironment.compile(expression);
              });
      if (compiled.problem() != null) {
        listing.add(new Listed(rule, null, RuleStatus.ERROR, compiled.problem().describe()));
        continue;
      }
      Active entry =
          new Active(rule, compiled.program(), new AtomicLong(), new AtomicReference<>(""));
      active.add(entry);
      listing.add(new Listed(rule, entry, RuleStatus.OK, ""));
      memoizable &= compiled.readsShapeOnly();
    }
    programs.clear();
    programs.putAll(used);
    return new CompiledRules(active, listing, memoizable);
  }

  List<RuleStatus> list() {
    List<RuleStatus> rows = new ArrayList<>(listing.size());
    for (Listed listed : listing) {
      PermissionRule rule = listed.rule();
      long errors = listed.active() == null ? 0 : listed.active().evaluationErrors().get();
      String lastError = listed.active() == null ? "" : listed.active().lastEvaluationError().get();
      rows.add(
          new RuleStatus(
              rule.name(),
              rule.source(),
              rule.expression(),
              rule.code(),
              listed.status(),
              listed.problem(),
              errors,
              lastError));
    }
    return rows;
  }

  int activeCount() {
    return active.size();
  }

  /** Whether decisions are reused across writes of the same shape (see {@link Memo}). */
  boolean memoizable() {
    return memoizable;
  }

  PermissionDecision check(Record record, String namespace, ControlSnapshot control) {
    // Control and configuration threads are never refused, whatever the rules say: an operator
    // must always be able to unfreeze, release an emergency stop and fix a rule, and the registry
    // must keep hearing from instances while the fleet is stopped.
    if (ThreadIds.RESERVED.contains(record.thread())) {
      return PermissionDecision.ALLOWED;
    }
    if (!memoizable) {
      return evaluate(record, namespace, control);
    }
    Memo current = memo;
    if (current.control() != control) {
      current = new Memo(control);
      memo = current;
    }
    String topic = record.topic();
    Shape shape = new Shape(record.act(), record.actor(), topic == null ? "" : topic, namespace);
    PermissionDecision decision = current.decisions().get(shape);
    if (decision == null) {
      decision = evaluate(record, namespace, control);
      if (current.decisions().size() >= MAX_MEMO_ENTRIES) {
        current.decisions().clear();
      }
      current.decisions().put(shape, decision);
    }
    return decision;
  }

  private PermissionDecision evaluate(Record record, String namespace, ControlSnapshot control) {
    String topic = record.topic();
    Map<String, String> recordVars =
        Map.of(
            "act", record.act().name(),
            "thread", record.thread(),
            "actor", record.actor(),
            "topic", topic == null ? "" : topic,
            "namespace", namespace);
    Variables variables = new Variables(recordVars, record.body(), control);
    for (Active rule : active) {
      Object result;
      try {
        result = rule.program().eval(variables);
      } catch (CelEvaluationException e) {
        // A rule that cannot be evaluated on this write does not refuse it: a broken rule must
        // never lock the fleet out. It is counted and shown by `spl rules list`.
        rule.evaluationErrors().incrementAndGet();
        rule.lastEvaluationError().set(e.getMessage());
        continue;
      }
      if (Boolean.TRUE.equals(result)) {
        return PermissionDecision.refused(
            rule.rule().code(), render(rule.rule(), recordVars, control), rule.rule().name());
      }
    }
    return PermissionDecision.ALLOWED;
  }

  /** Resolves the variables of one evaluation; the body is converted only if a rule reads it. */
  private static final class Variables implements CelVariableResolver {
    private final Map<String, String> record;
    private final ObjectNode body;
    private final ControlSnapshot control;
    private Map<String, Object> bodyMap;

    Variables(Map<String, String> record, ObjectNode body, ControlSnapshot control) {
      this.record = record;
      this.body = body;
      this.control = control;
    }

    @Override
    public Optional<Object> find(String name) {
      return switch (name) {
        case RuleEnvironment.RECORD -> Optional.of(record);
        case RuleEnvironment.FROZEN -> Optional.of(control.frozenLevels());
        case RuleEnvironment.EMERGENCY -> Optional.of(control.emergency().active());
        case RuleEnvironment.BODY -> Optional.of(bodyMap());
        default -> Optional.empty();
      };
    }

    private Map<String, Object> bodyMap() {
      if (bodyMap == null) {
        bodyMap = toCelMap(body);
      }
      return bodyMap;
    }
  }

  static Map<String, Object> toCelMap(ObjectNode node) {
    Map<String, Object> map = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Object value = toCelValue(field.getValue());
      if (value != null) {
        map.put(field.getKey(), value);
      }
    }
    return map;
  }

  private static Object toCelValue(JsonNode node) {
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isObject()) {
      return toCelMap((ObjectNode) node);
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (JsonNode element : node) {
        Object value = toCelValue(element);
        if (value != null) {
          list.add(value);
        }
      }
      return list;
    }
    return null;
  }

  private static String render(
      PermissionRule rule, Map<String, String> recordVars, ControlSnapshot control) {
    String template = rule.message();
    if (template.indexOf('{') < 0) {
      return template;
    }
    String namespace = recordVars.get("namespace");
    Freeze freeze = control.freezes().get(namespace);
    StringBuilder out = new StringBuilder(template.length() + 64);
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      int close = c == '{' ? template.indexOf('}', i) : -1;
      if (close < 0) {
        out.append(c);
        i++;
        continue;
      }
      String key = template.substring(i + 1, close);
      String value =
          switch (key) {
            case "rule" -> rule.name();
            case "namespace", "act", "thread", "topic", "actor" -> recordVars.get(key);
            case "freeze_level" -> freeze == null ? "" : freeze.level().wire();
            case "freeze_reason" -> freeze == null ? "" : freeze.reason();
            case "emergency_reason" -> control.emergency().reason();
            default -> null;
          };
      if (value == null) {
        out.append(c);
        i++;
      } else {
        out.append(value);
        i = close + 1;
      }
    }
    return out.toString();
  }
}
