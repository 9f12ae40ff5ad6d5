package dev.spl.cli.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.daemon.TestFleet;
import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code spl rules} with a rules file: its problems are shown, its rules are not "removed". */
class RulesCommandTest {
  private static final String RULES =
      "[{\"name\":\"file_rule\",\"expression\":\"record.act == 'CALL'\",\"code\":\"NO_CALLS\"},"
          + "{\"name\":\"painted\",\"expression\":\"true\",\"colour\":\"red\"},"
          + "{\"name\":\"broken\",\"expression\":\"recrd.act == 'CALL'\"}]";

  @RegisterExtension final TestFleet fleet = new TestFleet();

  private Map<String, String> daemonWithRules(String name, String rules) throws IOException {
    Path home = fleet.home(name);
    Files.createDirectories(home);
    Files.writeString(home.resolve("rules.json"), rules);
    fleet.start(DaemonConfig.builder(home).port(0).build());
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    return env;
  }

  @Test
  void listShowsTheFilesProblemsInTextAndJson() throws IOException {
    Map<String, String> env = daemonWithRules("home", RULES);

    CliRun list = CliRun.run(env, "rules", "list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("file_rule", "file", "ok")
        .contains("broken: expression at 1:1")
        .contains("rules.json[1].colour: unknown key");

    CliRun json = CliRun.run(env, "-o", "json", "rules", "list");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    assertThat(json.json().path("problems").toString()).contains("rules.json[1].colour");
  }

  @Test
  void aRulesFileThatDoesNotParseIsNamedByList() throws IOException {
    Map<String, String> env = daemonWithRules("home", "[{\"name\": ");

    CliRun list = CliRun.run(env, "rules", "list");

    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("rules.json: expected a JSON array of rules but it does not parse");
  }

  @Test
  void removingAFileRuleIsRefusedAndItStaysInForce() throws IOException {
    Map<String, String> env = daemonWithRules("home", RULES);

    CliRun remove = CliRun.run(env, "rules", "remove", "file_rule");

    assertThat(remove.exitCode()).as(remove.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(remove.err())
        .contains("rule 'file_rule' comes from the rules file")
        .contains(fleet.home("home").resolve("rules.json").toString())
        .contains("restart that daemon");
    assertThat(status(env, "file_rule", "file")).isEqualTo("ok");
  }

  @Test
  void removingARecordRuleThatReplacesAFileRuleBringsTheFileRuleBackAndSaysSo() throws IOException {
    Map<String, String> env = daemonWithRules("home", RULES);
    CliRun add =
        CliRun.run(
            env,
            "rules",
            "add",
            "file_rule",
            "--expression",
            "record.act == \"DO\"",
            "--code",
            "NO_DOS",
            "--message",
            "no DO records");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    assertThat(status(env, "file_rule", "file")).isEqualTo("replaced");

    CliRun remove = CliRun.run(env, "rules", "remove", "file_rule");

    assertThat(remove.exitCode()).as(remove.toString()).isZero();
    assertThat(remove.out())
        .contains("✓ rule 'file_rule' removed")
        .contains("is in force again (edit that file to remove it too)");
    assertThat(status(env, "file_rule", "file")).isEqualTo("ok");
    assertThat(status(env, "file_rule", "record")).isNull();
  }

  /** The status of the rule of that name and source, or null when none is listed. */
  private static String status(Map<String, String> env, String name, String source) {
    for (JsonNode rule : CliRun.run(env, "-o", "json", "rules", "list").json().path("data")) {
      if (name.equals(rule.path("name").asText()) && source.equals(rule.path("source").asText())) {
        return rule.path("status").asText();
      }
    }
    return null;
  }
}
