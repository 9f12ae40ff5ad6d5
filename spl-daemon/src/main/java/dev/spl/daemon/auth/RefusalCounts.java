package dev.spl.daemon.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.auth.AuthRule;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many writes this daemon refused since it started, per rule: what {@code GET
 * /v1/security/refusals} and {@code spl fleet status} show, so an operator sees attacks (and
 * misconfigured daemons) instead of guessing from logs.
 */
public final class RefusalCounts {
  private final Map<AuthRule, LongAdder> counts = new EnumMap<>(AuthRule.class);

  public RefusalCounts() {
    for (AuthRule rule : AuthRule.values()) {
      counts.put(rule, new LongAdder());
    }
  }

  public void count(AuthRule rule) {
    counts.get(rule).increment();
  }

  public long of(AuthRule rule) {
    return counts.get(rule).sum();
  }

  public long total() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** {@code {"total":N,"by_rule":{"RULE":n,...}}}, rules never refused left out. */
  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    ObjectNode byRule = Json.MAPPER.createObjectNode();
    long total = 0;
    for (AuthRule rule : AuthRule.values()) {
      long count = of(rule);
      if (count > 0) {
        byRule.put(rule.name(), count);
        total += count;
      }
    }
    node.put("total", total);
    node.set("by_rule", byRule);
    return node;
  }
}
