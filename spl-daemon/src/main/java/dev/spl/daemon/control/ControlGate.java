package dev.spl.daemon.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.rules.PermissionDecision;
import dev.spl.cel.rules.PermissionGate;
import dev.spl.cel.rules.RuleFile;
import dev.spl.cel.rules.RuleSource;
import dev.spl.cel.rules.RuleStatus;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.ControlState;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.daemon.records.RecordService;
import dev.spl.daemon.records.WriteGate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The permission check of every daemon: the freezes and emergency stop folded from {@code
 * th_fleet_control}, and the permission rules (built-in, the home's {@code rules.json}, and {@code
 * LEARN permission_rule} records on {@code th_engine_config}), installed as the write gate of the
 * record service.
 *
 * <p>Control and rule records are folded on the appending thread, before the append returns, so a
 * write that follows an acknowledged freeze is already checked against it.
 *
 * <p>Records of {@code th_instance_registry} are not checked: heartbeats and status transitions are
 * bookkeeping of the fleet, not work, and refusing them during an emergency stop would make every
 * worker look lost.
 */
public final class ControlGate implements WriteGate {
  private static final Logger LOG = LoggerFactory.getLogger(ControlGate.class);
  private static final int PAGE = RecordQuery.MAX_LIMIT;

  private final ControlState state = new ControlState();
  private final PermissionGate permissions = new PermissionGate();
  private final Path rulesFile;

  private ControlGate(Path rulesFile) {
    this.rulesFile = rulesFile;
  }

  /**
   * Loads the rules file of {@code home}, folds the control and rule records already stored, keeps
   * folding new ones, and installs the gate on {@code records}.
   */
  public static ControlGate install(RecordService records, Path home) {
    ControlGate gate = new ControlGate(home.resolve(RuleFile.FILE_NAME));
    gate.loadRulesFile();
    // Subscribe before replaying so nothing appended in between is missed; folding a record twice
    // changes nothing.
    records.subscribe(gate::fold);
    gate.replay(records, ThreadIds.FLEET_CONTROL);
    gate.replay(records, ThreadIds.ENGINE_CONFIG);
    records.writeGate(gate);
    return gate;
  }

  private void loadRulesFile() {
    if (!Files.isRegularFile(rulesFile)) {
      return;
    }
    try {
      String content = Files.readString(rulesFile, StandardCharsets.UTF_8);
      RuleFile.Parsed parsed = RuleFile.parse(content, rulesFile.getFileName().toString());
      parsed.problems().forEach(problem -> LOG.warn("rules file {}: {}", rulesFile, problem));
      permissions.loadFile(parsed);
      int inForce = 0;
      for (RuleStatus rule : permissions.list()) {
        if (rule.source() != RuleSource.FILE) {
          continue;
        }
        if (RuleStatus.ERROR.equals(rule.status())) {
          LOG.warn(
              "rules file {}: rule '{}' is not in force: {}",
              rulesFile,
              rule.name(),
              rule.problem());
        } else {
          inForce++;
        }
      }
      LOG.info("rules file {}: {} rule(s) loaded", rulesFile, inForce);
    } catch (IOException e) {
      LOG.warn("cannot read the rules file {}: {}; using no file rules", rulesFile, e.getMessage());
    }
  }

  private void replay(RecordService records, String thread) {
    long after = 0;
    while (true) {
      List<StoredRecord> page = records.query(new RecordQuery(thread, null, null, after, PAGE));
      if (page.isEmpty()) {
        return;
      }
      fold(page);
      after = page.get(page.size() - 1).seq();
    }
  }

  private synchronized void fold(List<StoredRecord> appended) {
    for (StoredRecord stored : appended) {
      Record record = stored.record();
      if (ThreadIds.FLEET_CONTROL.equals(record.thread())) {
        state.apply(stored);
      } else if (ThreadIds.ENGINE_CONFIG.equals(record.thread())) {
        permissions.apply(record);
      }
    }
  }

  /**
   * Compiles the permission rules now, if they changed since last compiled, so the next check does
   * not wait for it. A check never needs this: it compiles them itself when it finds them changed.
   */
  public void prepare() {
    permissions.prepare();
  }

  /** The current freezes and emergency stop; safe from any thread. */
  public ControlSnapshot snapshot() {
    return state.snapshot();
  }

  /** Runs {@code reader} on the control state while no record is being folded into it. */
  public synchronized <T> T read(Function<ControlState, T> reader) {
    return reader.apply(state);
  }

  /**
   * The spawn policy of a daemon that writes as {@code writer}: this gate's check of the draft as
   * {@code writer} would write it now. The reconciler holds the spawns it refuses and the worker
   * the children it refuses, so neither decides on a copy of the rules.
   */
  public SpawnPolicy spawnPolicy(String writer) {
    return spawnPolicy(writer, this::snapshot);
  }

  /** As {@link #spawnPolicy(String)}, checked against the control state {@code control} gives. */
  public SpawnPolicy spawnPolicy(String writer, Supplier<ControlSnapshot> control) {
    return new SpawnPolicy() {
      @Override
      public Optional<String> refusal(FanoutRecords.Draft intent) {
        return check(
                new Record(intent.thread(), writer, intent.act(), intent.body(), 0, List.of()),
                control.get())
            .map(Refusal::message);
      }

      @Override
      public Object answersVersion() {
        // A fold reads this before asking, so an answer is never older than the version it is
        // kept under; a newer answer is safe: the next read differs and the fold asks again.
        return new AnswersVersion(permissions.rulesInForce(), control.get());
      }
    };
  }

  /**
   * What every answer of a spawn policy depends on besides the draft: the rules in force and the
   * control snapshot. Both are replaced, never changed, when a record changes them (a freeze, an
   * unfreeze, an emergency stop or its release, a rule), so comparing them by identity is exact.
   */
  private record AnswersVersion(Object rules, ControlSnapshot control) {
    @Override
    public boolean equals(Object other) {
      return other instanceof AnswersVersion version
          && version.rules == rules
          && version.control == control;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(rules) * 31 + System.identityHashCode(control);
    }
  }

  @Override
  public Optional<Refusal> check(Record record) {
    return check(record, snapshot());
  }

  /** The check of {@code record} against {@code control} rather than the state folded here. */
  public Optional<Refusal> check(Record record, ControlSnapshot control) {
    if (ThreadIds.INSTANCE_REGISTRY.equals(record.thread())) {
      return Optional.empty();
    }
    String namespace = record.namespace();
    if (namespace == null) {
      namespace = PermissionGate.DEFAULT_NAMESPACE;
    }
    PermissionDecision decision = permissions.check(record, namespace, control);
    if (decision.allowed()) {
      return Optional.empty();
    }
    ObjectNode details = Json.MAPPER.createObjectNode();
    details.put("rule", decision.rule());
    details.put("namespace", namespace);
    EmergencyStop emergency = control.emergency();
    Freeze freeze = control.freezes().get(namespace);
    if ("EMERGENCY_STOP".equals(decision.code()) && emergency.active()) {
      details.put("reason", emergency.reason());
      details.put("issued_by", emergency.issuedBy());
      details.put("issued_at", emergency.issuedAt());
    } else if (freeze != null) {
      details.put("level", freeze.level().wire());
      details.put("reason", freeze.reason());
      details.put("issued_by", freeze.issuedBy());
      details.put("issued_at", freeze.issuedAt());
    }
    return Optional.of(
        new Refusal(decision.httpStatus(), decision.code(), decision.message(), details));
  }

  /** The body of {@code GET /v1/rules}: every rule with its source and status, and problems. */
  public ObjectNode rulesJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "list");
    ArrayNode data = node.putArray("data");
    for (RuleStatus rule : permissions.list()) {
      data.add(rule.toJson());
    }
    ArrayNode problems = node.putArray("problems");
    permissions.problems().forEach(problems::add);
    node.put("rules_file", rulesFile.toString());
    return node;
  }
}
