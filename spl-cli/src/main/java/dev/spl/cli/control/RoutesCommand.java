package dev.spl.cli.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.route.RoutingRuleValidation;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.text.Table;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.RoutingRule;
import dev.spl.core.fanout.RoutingRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl routes}: fleet-wide routing rules, {@code LEARN routing_rule} records on {@code
 * th_engine_config}. The list is the coordinator's fold of that thread ({@link RoutingRules}).
 */
@Command(
    name = "routes",
    description =
        "List, add and remove fleet-wide routing rules: children a rule matches go only to live"
            + " workers its route holds for.")
public final class RoutesCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "list",
          RoutesCommand.ListRoutes.class,
          "add",
          RoutesCommand.Add.class,
          "remove",
          RoutesCommand.Remove.class);

  private RoutesCommand() {}

  @Command(name = "list", description = "List the routing rules in force and those refused.")
  static final class ListRoutes implements Callable<Integer> {
    private final CliContext context;

    ListRoutes(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      RoutingRules rules = fold(context);
      if (context.json()) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "routing_rules");
        ArrayNode data = out.putArray("data");
        for (RoutingRules.Compiled compiled : rules.inForce()) {
          ObjectNode row = data.addObject();
          row.put("name", compiled.rule().name());
          row.put("match", compiled.rule().match());
          row.put("route", compiled.rule().route());
        }
        ObjectNode problems = out.putObject("problems");
        rules.problems().forEach(problems::put);
        context.printJson(out);
        return ExitCodes.OK;
      }
      var out = context.out();
      if (rules.isEmpty()) {
        out.println("no routing rules");
      } else {
        List<String[]> rows = new ArrayList<>();
        for (RoutingRules.Compiled compiled : rules.inForce()) {
          rows.add(
              new String[] {
                compiled.rule().name(),
                compiled.rule().match() == null ? "(every child)" : compiled.rule().match(),
                compiled.rule().route()
              });
        }
        Table.print(out, List.of("NAME", "MATCH", "ROUTE"), rows);
      }
      for (Map.Entry<String, String> problem : rules.problems().entrySet()) {
        out.println("  not in force: " + problem.getKey() + ": " + problem.getValue());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "add",
      description =
          "Add (or replace) a routing rule: every child its --match holds for (every child without"
              + " one) goes only to a live worker --route holds for, as well as its own target.")
  static final class Add implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "NAME", description = "The rule's name.")
    String name;

    @Option(
        names = "--route",
        required = true,
        paramLabel = "CEL",
        description =
            "A condition over the worker, as in target=cel:..., e.g. worker.labels.zone == 'eu'.")
    String route;

    @Option(
        names = "--match",
        paramLabel = "CEL",
        description =
            "A condition over the subtask (subtask.index, subtask.goal, subtask.target,"
                + " subtask.run, subtask.namespace), e.g. subtask.namespace == 'ml'. Default:"
                + " every child.")
    String match;

    Add(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      RoutingRule rule;
      try {
        rule = new RoutingRule(name, match, route, true);
        RoutingRuleValidation.check(rule);
      } catch (InvalidRecordException e) {
        throw CliException.badInput("routing rule '" + name + "': " + e.getMessage());
      }
      Record record = EngineConfig.write(context, rule.toBody());
      KillCommand.report(
          context, record, "✓ routing rule '" + name + "' recorded; `spl routes list` shows it");
      return ExitCodes.OK;
    }
  }

  @Command(name = "remove", description = "Remove a routing rule recorded with `spl routes add`.")
  static final class Remove implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "NAME", description = "The rule's name.")
    String name;

    Remove(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      RoutingRules rules = fold(context);
      boolean known =
          rules.inForce().stream().anyMatch(c -> c.rule().name().equals(name))
              || rules.problems().containsKey(name);
      if (!known) {
        throw CliException.badInput(
            "routing rule '" + name + "': no such rule (see `spl routes list` for the names)");
      }
      Record record =
          EngineConfig.write(context, new RoutingRule(name, null, null, false).toBody());
      KillCommand.report(context, record, "✓ routing rule '" + name + "' removed");
      return ExitCodes.OK;
    }
  }

  /** The rules as the coordinator folds them: th_engine_config's routing_rule records in order. */
  private static RoutingRules fold(CliContext context) {
    RoutingRules rules = new RoutingRules(RoutingRuleValidation.compiler());
    for (StoredRecord stored : new RecordsApi(context.client()).thread(ThreadIds.ENGINE_CONFIG)) {
      Record record = stored.record();
      if (record.act() != Act.LEARN || !RoutingRule.TOPIC.equals(record.topic())) {
        continue;
      }
      try {
        rules.apply(RoutingRule.fromBody(record.body()));
      } catch (InvalidRecordException e) {
        // Refused where it was received; a record that is there anyway changes nothing.
      }
    }
    return rules;
  }
}
