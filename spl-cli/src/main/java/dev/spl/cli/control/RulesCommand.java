package dev.spl.cli.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cel.rules.PermissionGate;
import dev.spl.cel.rules.PermissionRule;
import dev.spl.cel.rules.RuleProblem;
import dev.spl.cel.rules.RuleSource;
import dev.spl.cel.rules.RuleValidation;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Subcommands;
import dev.spl.cli.text.Table;
import dev.spl.core.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spl rules}: the CEL permission rules every write is checked against. */
@Command(
    name = "rules",
    description = "List, add and remove the CEL permission rules checked on every write.")
public final class RulesCommand {
  /**
   * The subcommands, in the order help lists them (see {@link Subcommands}): each name is the one
   * its class's {@code @Command} gives.
   */
  public static final Map<String, Class<?>> SUBCOMMANDS =
      Subcommands.of(
          "list",
          RulesCommand.ListRules.class,
          "add",
          RulesCommand.Add.class,
          "remove",
          RulesCommand.Remove.class);

  private RulesCommand() {}

  @Command(
      name = "list",
      description = "List the rules in force and any that are not, and the problems of rules.json.")
  static final class ListRules implements Callable<Integer> {
    private final CliContext context;

    ListRules(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      JsonNode answer = context.client().get("/v1/rules");
      if (context.json()) {
        context.printJson(answer);
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      List<String> problems = new ArrayList<>();
      for (JsonNode rule : rows(answer)) {
        rows.add(
            new String[] {
              rule.path("name").asText(),
              rule.path("source").asText(),
              rule.path("status").asText(),
              rule.path("code").asText(),
              rule.path("expression").asText()
            });
        String problem = rule.path("problem").asText("");
        if (!problem.isEmpty()) {
          problems.add(rule.path("name").asText() + ": " + problem);
        }
      }
      var out = context.out();
      if (rows.isEmpty()) {
        out.println("no rules");
      } else {
        Table.print(out, List.of("NAME", "SOURCE", "STATUS", "CODE", "EXPRESSION"), rows);
      }
      if (!problems.isEmpty()) {
        out.println();
        problems.forEach(p -> out.println("  " + p));
      }
      // The rules file's own problems (it does not parse, an entry was skipped) and rule records
      // that were skipped: none of them is a row above.
      List<String> fileProblems = new ArrayList<>();
      answer.path("problems").forEach(problem -> fileProblems.add(problem.asText()));
      if (!fileProblems.isEmpty()) {
        out.println();
        out.println(
            "problems ("
                + answer.path("rules_file").asText("rules.json")
                + " and rule records; what they describe is not in force):");
        fileProblems.forEach(p -> out.println("  " + p));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "add",
      description = "Add (or replace) a rule: writes are refused where its expression is true.")
  static final class Add implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "NAME", description = "The rule's name.")
    String name;

    @Option(
        names = "--expression",
        required = true,
        paramLabel = "CEL",
        description = "True when a write must be refused, e.g. record.act == \"CALL\".")
    String expression;

    @Option(
        names = "--code",
        required = true,
        paramLabel = "CODE",
        description = "The error code of a refusal (UPPER_SNAKE_CASE).")
    String code;

    @Option(
        names = "--message",
        required = true,
        paramLabel = "TEXT",
        description = "The message of a refusal; may name {rule}, {namespace}, {act}, ...")
    String message;

    Add(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      PermissionRule rule = new PermissionRule(name, expression, code, message, RuleSource.RECORD);
      Optional<RuleProblem> problem = RuleValidation.check(rule);
      if (problem.isPresent()) {
        throw CliException.badInput("rule '" + name + "': " + problem.get().describe());
      }
      Record record = EngineConfig.write(context, PermissionGate.ruleBody(rule, true));
      report(context, record, "✓ rule '" + name + "' recorded; `spl rules list` shows it");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "remove",
      description =
          "Disable a rule recorded with `spl rules add`; rules of rules.json are removed by editing"
              + " that file.")
  static final class Remove implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "NAME", description = "The rule's name.")
    String name;

    Remove(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      JsonNode answer = context.client().get("/v1/rules");
      JsonNode recorded = null;
      JsonNode fromFile = null;
      JsonNode builtIn = null;
      for (JsonNode rule : rows(answer)) {
        if (!name.equals(rule.path("name").asText())) {
          continue;
        }
        switch (rule.path("source").asText()) {
          case "record" -> recorded = rule;
          case "file" -> fromFile = rule;
          case "built-in" -> builtIn = rule;
          default -> {}
        }
      }
      if (builtIn != null) {
        throw CliException.badInput(
            "rule '"
                + name
                + "': a built-in rule cannot be removed (it implements `spl kill`; lift freezes"
                + " with `spl unkill`)");
      }
      String rulesFile = answer.path("rules_file").asText("rules.json");
      if (recorded == null && fromFile != null) {
        throw CliException.badInput(
            "rule '"
                + name
                + "' comes from the rules file "
                + rulesFile
                + " of the daemon at "
                + context.client().baseUrl()
                + ", which `spl rules remove` does not change; delete its entry there (or set"
                + " \"enabled\": false) and restart that daemon");
      }
      if (recorded == null) {
        throw CliException.badInput(
            "rule '" + name + "': no such rule (see `spl rules list` for the names)");
      }
      ObjectNode body =
          PermissionGate.ruleBody(
              new PermissionRule(
                  name,
                  recorded.path("expression").asText(""),
                  recorded.path("code").asText(null),
                  recorded.path("message").asText(null),
                  RuleSource.RECORD),
              false);
      Record record = EngineConfig.write(context, body);
      report(
          context,
          record,
          "✓ rule '"
              + name
              + "' removed"
              + (fromFile == null
                  ? ""
                  : "; the rule of the same name in "
                      + rulesFile
                      + " is in force again (edit that file to remove it too)"));
      return ExitCodes.OK;
    }
  }

  private static Iterable<JsonNode> rows(JsonNode answer) {
    return answer.isArray() ? answer : answer.path("data");
  }

  private static void report(CliContext context, Record record, String message) {
    KillCommand.report(context, record, message);
  }
}
