package dev.spl.core.fanout;

import dev.spl.core.InvalidRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet-wide routing rules in force: the {@code routing_rule} records of {@code
 * th_engine_config} folded in log order, the latest of each name counting, each compiled once when
 * it is applied. A rule that does not compile (written around the checks) is kept out and listed in
 * {@link #problems()}. {@link #version()} grows with every change, so folds can cache what the
 * rules give each child.
 */
public final class RoutingRules {
  /** A rule in force, compiled. */
  public record Compiled(RoutingRule rule, SubtaskMatch match, RoutePredicate route) {}

  private final RouteCompiler compiler;
  private final Map<String, Compiled> inForce = new TreeMap<>();
  private final Map<String, String> problems = new TreeMap<>();
  private long version;

  public RoutingRules(RouteCompiler compiler) {
    this.compiler = compiler;
  }

  /** Applies one {@code routing_rule} body; returns whether the rules in force changed. */
  public boolean apply(RoutingRule rule) {
    if (!rule.enabled()) {
      problems.remove(rule.name());
      boolean removed = inForce.remove(rule.name()) != null;
      version += removed ? 1 : 0;
      return removed;
    }
    Compiled compiled;
    try {
      compiled = compile(rule, compiler);
    } catch (InvalidRecordException e) {
      problems.put(rule.name(), e.getMessage());
      boolean removed = inForce.remove(rule.name()) != null;
      version += removed ? 1 : 0;
      return removed;
    }
    problems.remove(rule.name());
    inForce.put(rule.name(), compiled);
    version++;
    return true;
  }

  /**
   * Compiles both conditions of {@code rule}, refusing the first that does not compile, is not
   * boolean or reads an unknown field, naming it ({@code body.match: ...}, {@code body.route:
   * ...}): the check at write time and where the record is received.
   */
  public static Compiled compile(RoutingRule rule, RouteCompiler compiler) {
    SubtaskMatch match;
    try {
      match = rule.match() == null ? SubtaskMatch.EVERY : compiler.compileMatch(rule.match());
    } catch (InvalidFanoutException e) {
      throw new InvalidRecordException("body.match: " + e.problem());
    }
    RoutePredicate route;
    try {
      route = compiler.compile(rule.route());
    } catch (InvalidFanoutException e) {
      throw new InvalidRecordException("body.route: " + e.problem());
    }
    return new Compiled(rule, match, route);
  }

  /** The routes of the rules that apply to subtask {@code index} of a fan-out in namespace. */
  public List<RoutePredicate> routesFor(String namespace, int index, SubtaskSpec subtask) {
    if (inForce.isEmpty()) {
      return List.of();
    }
    List<RoutePredicate> routes = new ArrayList<>();
    for (Compiled compiled : inForce.values()) {
      if (compiled.match().matches(namespace, index, subtask)) {
        routes.add(compiled.route());
      }
    }
    return routes;
  }

  public List<Compiled> inForce() {
    return List.copyOf(inForce.values());
  }

  /** Rules whose latest record could not be used, by name: why. */
  public Map<String, String> problems() {
    return Map.copyOf(problems);
  }

  public boolean isEmpty() {
    return inForce.isEmpty();
  }

  public long version() {
    return version;
  }
}
