package dev.spl.cel.route;

import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.RoutingRule;
import dev.spl.core.fanout.RoutingRules;

/**
 * Checks a fleet-wide routing rule where it is received, as {@code spl routes add} does before it
 * writes one: both conditions must compile, be boolean and read only known fields. A rule being
 * disabled needs only its name.
 */
public final class RoutingRuleValidation {
  private static final CelRouteCompiler COMPILER = new CelRouteCompiler();

  private RoutingRuleValidation() {}

  /** The compiler routing rules are checked with. */
  public static CelRouteCompiler compiler() {
    return COMPILER;
  }

  /** Refuses a {@code LEARN routing_rule} on th_engine_config that cannot be used; others pass. */
  public static void requireUsable(Record record) {
    if (!ThreadIds.ENGINE_CONFIG.equals(record.thread())
        || record.act() != Act.LEARN
        || !RoutingRule.TOPIC.equals(record.topic())) {
      return;
    }
    RoutingRule rule = RoutingRule.fromBody(record.body());
    if (rule.enabled()) {
      RoutingRules.compile(rule, COMPILER);
    }
  }

  /** Checks a rule before it is written; throws naming the field. */
  public static void check(RoutingRule rule) throws InvalidRecordException {
    if (rule.enabled()) {
      RoutingRules.compile(rule, COMPILER);
    }
  }
}
