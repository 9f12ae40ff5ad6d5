package dev.spl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.client.DaemonClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
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
