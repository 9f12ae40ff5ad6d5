package dev.spl.cel.rules;

import java.util.List;
import java.util.Set;

/**
 * The kill switch as permission rules. New work ({@code INTEND}, {@code DO}, {@code CALL}) is
 * refused where the fleet is stopped; {@code KNOW} and {@code LEARN} always pass so work already
 * running can drain and report, and operators can still write control and configuration.
 */
final class BuiltInRules {
  static final String EMERGENCY_STOP = "emergency_stop";
  static final String NAMESPACE_FROZEN = "namespace_frozen";

  /** Checked in this order; the emergency stop is named first because it is the wider stop. */
  static final List<PermissionRule> ALL =
      List.of(
          new PermissionRule(
              EMERGENCY_STOP,
              "emergency && record.act in [\"INTEND\", \"DO\", \"CALL\"]",
              "EMERGENCY_STOP",
              "emergency stop is active: {emergency_reason}. New INTEND, DO and CALL records are"
                  + " refused everywhere until `spl unkill --emergency`; KNOW and LEARN still pass.",
              RuleSource.BUILT_IN),
          new PermissionRule(
              NAMESPACE_FROZEN,
              "record.act in [\"INTEND\", \"DO\", \"CALL\"] && record.namespace in frozen",
              "NAMESPACE_FROZEN",
              "namespace '{namespace}' is frozen ({freeze_level}): {freeze_reason}. New INTEND, DO"
                  + " and CALL records are refused there until `spl unkill --namespace"
                  + " {namespace}`; KNOW and LEARN still pass.",
              RuleSource.BUILT_IN));

  static final Set<String> NAMES = Set.of(EMERGENCY_STOP, NAMESPACE_FROZEN);

  private BuiltInRules() {}
}
