package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.client.DaemonClient;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ExitCodesTest {
  @TempDir Path home;

  @Test
  void versionPrintsTheProjectVersion() {
    CliRun run = CliRun.run(CliRun.cleanEnv(), "--version");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out().trim()).matches("spl \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void helpListsTheCommandGroupsAndExitCodes() {
    CliRun run = CliRun.run(CliRun.cleanEnv(), "--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("daemon", "records", "Exit codes:", "internal error");
  }

  @Test
  void unknownOptionIsBadInput() {
    CliRun run = CliRun.run(CliRun.cleanEnv(), "records", "list", "--bogus");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("Unknown option: '--bogus'").contains("spl records list --help");
  }

  @Test
  void missingCommandAndBadValuesAreBadInput() {
    assertThat(CliRun.run(CliRun.cleanEnv()).exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(CliRun.run(CliRun.cleanEnv(), "daemon").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    CliRun badFormat = CliRun.run(CliRun.cleanEnv(), "-o", "yaml", "records", "list");
    assertThat(badFormat.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badFormat.err()).contains("--output").contains("yaml");
    CliRun badPort =
        CliRun.run(
            CliRun.cleanEnv(), "--home", home.toString(), "daemon", "run", "--port", "70000");
    assertThat(badPort.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badPort.err()).contains("--port: expected 0..65535 but found 70000");
  }

  @Test
  void unreachableDaemonExitsThreeNamingTheUrl() throws IOException {
    String url = "http://127.0.0.1:" + Ports.closedPort();
    CliRun run = CliRun.run(CliRun.cleanEnv(), "--url", url, "records", "list");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err())
        .contains("no spl daemon answers at " + url + " (connection refused)")
        .contains("spl daemon start");
  }

  @Test
  void unreachableDaemonFromTheEndpointFileOfTheHome() throws IOException {
    String url = "http://127.0.0.1:" + Ports.closedPort();
    java.nio.file.Files.writeString(home.resolve("endpoint"), url + "\n");
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    CliRun run = CliRun.run(env, "records", "get", "ab".repeat(32));
    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err()).contains(url);
  }

  @Test
  void unexpectedExceptionIsInternalErrorWithStackTraceOnlyInDebugMode() {
    CliRun quiet = runBoom(CliRun.cleanEnv());
    assertThat(quiet.exitCode()).isEqualTo(ExitCodes.INTERNAL);
    assertThat(quiet.err().strip().lines().count()).isEqualTo(1);
    assertThat(quiet.err()).contains("internal error").contains("boom").contains("--debug");

    Map<String, String> debugEnv = CliRun.cleanEnv();
    debugEnv.put("SPL_DEBUG", "1");
    CliRun debug = runBoom(debugEnv);
    assertThat(debug.exitCode()).isEqualTo(ExitCodes.INTERNAL);
    assertThat(debug.err()).contains("IllegalStateException: boom").contains("\tat ");
  }

  @Test
  void errorEnvelopesMapToDocumentedExitCodes() {
    assertThat(DaemonClient.exitCodeFor(400, "INVALID_RECORD")).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(DaemonClient.exitCodeFor(404, "RECORD_NOT_FOUND")).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(DaemonClient.exitCodeFor(413, "REQUEST_TOO_LARGE")).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(DaemonClient.exitCodeFor(403, "NAMESPACE_FROZEN")).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(DaemonClient.exitCodeFor(503, null)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(DaemonClient.exitCodeFor(500, "INTERNAL")).isEqualTo(ExitCodes.FAILURE);
    CliException error =
        DaemonClient.errorFor(
            403,
            "{\"object\":\"error\",\"type\":\"forbidden\",\"code\":\"NAMESPACE_FROZEN\",\"message\":\"ns x is frozen\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "POST",
            "/v1/records");
    assertThat(error.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(error.getMessage()).isEqualTo("NAMESPACE_FROZEN: ns x is frozen");
  }

  /** The rows of the table under "## Exit codes" in docs/cli.md: code to meaning. */
  private static Map<Integer, String> documentedExitCodes() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "docs", "cli.md"));
    int heading = lines.indexOf("## Exit codes");
    assertThat(heading).as("docs/cli.md has an 'Exit codes' section").isPositive();
    Map<Integer, String> rows = new TreeMap<>();
    Pattern row = Pattern.compile("^\\| (\\d+) \\| (.*) \\|$");
    for (String line : lines.subList(heading + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      Matcher matcher = row.matcher(line);
      if (matcher.matches()) {
        rows.put(Integer.parseInt(matcher.group(1)), matcher.group(2));
      }
    }
    return rows;
  }

  @Test
  void theExitCodeTableOfTheDocsIsTheCodes() throws Exception {
    Map<Integer, String> documented = documentedExitCodes();
    Set<Integer> constants = new TreeSet<>();
    for (Field field : ExitCodes.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
        constants.add(field.getInt(null));
      }
    }
    assertThat(documented.keySet()).isEqualTo(constants);
    Set<Integer> helped = new TreeSet<>();
    for (String entry : Spl.EXIT_CODE_LIST) {
      helped.add(Integer.parseInt(entry.substring(0, entry.indexOf(':'))));
    }
    assertThat(helped).isEqualTo(constants);
    // The error codes that mean "the fleet's state refuses this" are exactly those the table
    // names for 3, and each maps to 3.
    Set<String> named = new TreeSet<>();
    Matcher code = Pattern.compile("`([A-Z][A-Z_]+)`").matcher(documented.get(3));
    while (code.find()) {
      named.add(code.group(1));
    }
    assertThat(named).isEqualTo(new TreeSet<>(DaemonClient.WRONG_STATE_CODES));
    for (String name : named) {
      assertThat(DaemonClient.exitCodeFor(403, name)).as(name).isEqualTo(ExitCodes.UNAVAILABLE);
    }
    assertThat(documented.get(3)).doesNotContain("DRAINING", "SHUTTING_DOWN");
    assertThat(documented.get(2)).contains("unknown option");
    assertThat(documented.get(1)).contains("--watch");
  }

  @Test
  void withJsonOutputAnErrorIsTheErrorEnvelopeOnStderr() throws IOException {
    String url = "http://127.0.0.1:" + Ports.closedPort();
    CliRun unreachable =
        CliRun.run(CliRun.cleanEnv(), "-o", "json", "--url", url, "records", "list");
    assertThat(unreachable.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(unreachable.out()).isEmpty();
    assertThat(unreachable.err().strip().lines()).hasSize(1);
    JsonNode envelope = CliRun.jsonOf(unreachable.err());
    assertThat(envelope.path("object").asText()).isEqualTo("error");
    assertThat(envelope.path("type").asText()).isEqualTo("unavailable");
    assertThat(envelope.path("code").asText()).isEqualTo("UNAVAILABLE");
    assertThat(envelope.path("exit_code").asInt()).isEqualTo(3);
    assertThat(envelope.path("message").asText()).contains("no spl daemon answers at " + url);

    CliRun badOption = CliRun.run(CliRun.cleanEnv(), "records", "list", "--bogus", "-o", "json");
    assertThat(badOption.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode bad = CliRun.jsonOf(badOption.err());
    assertThat(bad.path("code").asText()).isEqualTo("BAD_INPUT");
    assertThat(bad.path("message").asText()).contains("Unknown option: '--bogus'");

    CliException frozen =
        DaemonClient.errorFor(
            403,
            "{\"object\":\"error\",\"code\":\"NAMESPACE_FROZEN\",\"message\":\"ns x\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "POST",
            "/v1/records");
    JsonNode daemonCode =
        CliRun.jsonOf(Spl.errorEnvelope(frozen.exitCode(), frozen.code(), frozen.getMessage()));
    assertThat(daemonCode.path("code").asText()).isEqualTo("NAMESPACE_FROZEN");
    assertThat(daemonCode.path("message").asText()).isEqualTo("ns x");
    assertThat(daemonCode.path("exit_code").asInt()).isEqualTo(3);

    CliRun text = CliRun.run(CliRun.cleanEnv(), "--url", url, "records", "list");
    assertThat(text.err()).startsWith("spl: no spl daemon answers");
  }

  private static CliRun runBoom(Map<String, String> env) {
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    CommandLine commandLine =
        Spl.commandLine(
            new java.io.PrintStream(out, true), new java.io.PrintStream(err, true), env);
    commandLine.addSubcommand(new Boom());
    int code = commandLine.execute("boom");
    return new CliRun(code, out.toString(), err.toString());
  }

  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("boom");
    }
  }
}
