package dev.spl.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.BodyFields;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.EmergencyStop;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.Unfreeze;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.InstanceTransition;
import dev.spl.core.fleet.SettingsChanged;
import java.util.List;
import java.util.Map;

/**
 * The schemas of the records the fleet itself acts on, checked before such a record is stored: on
 * {@code th_instance_registry} only a {@code DO heartbeat}, a {@code LEARN instance_transition} or
 * a {@code LEARN settings_changed} (written by the instance it describes); on {@code
 * th_fleet_control} only a {@code LEARN freeze}, {@code unfreeze} or {@code emergency_stop}; on
 * {@code th_engine_config} only a {@code LEARN permission_rule} or {@code routing_rule}; and the
 * control and rule topics nowhere else. Each body must be what its reader takes (the same {@code
 * fromBody} the folds use), so a record that would be skipped on replay is refused on the way in.
 *
 * <p>Whether a permission rule compiles is not checked here: that is CEL's business (spl-cel's
 * {@code RuleValidation}). Records of other threads and topics pass unchecked.
 */
public final class SystemRecords {
  public static final String PERMISSION_RULE_TOPIC = "permission_rule";

  /** The keys of a {@code permission_rule} body. */
  public static final List<String> PERMISSION_RULE_KEYS =
      List.of("topic", "name", "expression", "code", "message", "enabled");

  /** The reserved thread each control or rule topic belongs on. */
  private static final Map<String, String> HOME_THREADS =
      Map.of(
          Freeze.TOPIC,
          ThreadIds.FLEET_CONTROL,
          Unfreeze.TOPIC,
          ThreadIds.FLEET_CONTROL,
          EmergencyStop.TOPIC,
          ThreadIds.FLEET_CONTROL,
          PERMISSION_RULE_TOPIC,
          ThreadIds.ENGINE_CONFIG,
          dev.spl.core.fanout.RoutingRule.TOPIC,
          ThreadIds.ENGINE_CONFIG);

  private SystemRecords() {}

  /** Throws {@link InvalidRecordException} naming the field when the record breaks its schema. */
  public static void requireValid(Record record) {
    String thread = record.thread();
    String topic = record.topic();
    ObjectNode body = record.body();
    switch (thread) {
      case ThreadIds.INSTANCE_REGISTRY -> {
        if (record.act() == Act.DO && Heartbeat.TOPIC.equals(topic)) {
          Heartbeat.fromBody(body);
        } else if (record.act() == Act.LEARN && InstanceTransition.TOPIC.equals(topic)) {
          InstanceTransition.fromBody(body);
        } else if (record.act() == Act.LEARN && SettingsChanged.TOPIC.equals(topic)) {
          SettingsChanged change = SettingsChanged.fromBody(body);
          if (!record.actor().equals(change.did())) {
            throw new InvalidRecordException(
                "actor: a settings_changed record is written by the instance it describes ("
                    + change.did()
                    + ") but the actor is '"
                    + record.actor()
                    + "'");
          }
        } else {
          throw misplaced(
              record,
              "a DO "
                  + Heartbeat.TOPIC
                  + ", a LEARN "
                  + InstanceTransition.TOPIC
                  + " or a LEARN "
                  + SettingsChanged.TOPIC
                  + " record");
        }
      }
      case ThreadIds.FLEET_CONTROL -> {
        String expected =
            "a LEARN "
                + Freeze.TOPIC
                + ", "
                + Unfreeze.TOPIC
                + " or "
                + EmergencyStop.TOPIC
                + " record";
        if (record.act() != Act.LEARN || topic == null) {
          throw misplaced(record, expected);
        }
        switch (topic) {
          case Freeze.TOPIC -> Freeze.fromBody(body);
          case Unfreeze.TOPIC -> Unfreeze.fromBody(body);
          case EmergencyStop.TOPIC -> EmergencyStop.fromBody(body);
          default -> throw misplaced(record, expected);
        }
      }
      case ThreadIds.ENGINE_CONFIG -> {
        if (record.act() == Act.LEARN && dev.spl.core.fanout.RoutingRule.TOPIC.equals(topic)) {
          dev.spl.core.fanout.RoutingRule.fromBody(body);
          return;
        }
        if (record.act() != Act.LEARN || !PERMISSION_RULE_TOPIC.equals(topic)) {
          throw misplaced(
              record,
              "a LEARN "
                  + PERMISSION_RULE_TOPIC
                  + " or "
                  + dev.spl.core.fanout.RoutingRule.TOPIC
                  + " record");
        }
        requirePermissionRuleShape(body);
      }
      default -> {
        String home = topic == null ? null : HOME_THREADS.get(topic);
        if (home != null) {
          throw new InvalidRecordException(
              "body.topic: '" + topic + "' records belong on " + home + ", not on " + thread);
        }
      }
    }
  }

  /**
   * The shape of a {@code permission_rule} body: known keys only; {@code name} a non-empty string;
   * {@code expression}, {@code code} and {@code message} strings; {@code enabled} true or false. A
   * rule being enabled needs an expression.
   */
  public static void requirePermissionRuleShape(ObjectNode body) {
    BodyFields.requireOnlyKeys(body, PERMISSION_RULE_KEYS, "a permission_rule record");
    String name = BodyFields.text(body, "name");
    if (name.isBlank()) {
      throw new InvalidRecordException("body.name: expected a rule name but found an empty one");
    }
    for (String field : List.of("expression", "code", "message")) {
      BodyFields.optionalText(body, field, null);
    }
    JsonNode enabled = body.get("enabled");
    if (enabled != null && !enabled.isBoolean()) {
      throw new InvalidRecordException(
          "body.enabled: expected true or false but found " + BodyFields.describe(enabled));
    }
    boolean disabling = enabled != null && !enabled.booleanValue();
    if (!disabling && BodyFields.optionalText(body, "expression", "").isBlank()) {
      throw new InvalidRecordException(
          "body.expression: expected a CEL expression (true when a write must be refused) but"
              + " found "
              + BodyFields.describe(body.get("expression")));
    }
  }

  private static InvalidRecordException misplaced(Record record, String expected) {
    String topic = record.topic();
    return new InvalidRecordException(
        record.thread()
            + ": expected "
            + expected
            + " but found a "
            + record.act()
            + (topic == null ? " record without a topic" : " " + topic + " record"));
  }
}
