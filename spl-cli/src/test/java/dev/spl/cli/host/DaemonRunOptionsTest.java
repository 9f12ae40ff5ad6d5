package dev.spl.cli.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.daemon.DaemonProcesses;
import dev.spl.core.fleet.Role;
import dev.spl.core.home.HomeLock;
import dev.spl.daemon.config.FleetSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The fleet and durability options of {@code spl daemon run|start}. */
class DaemonRunOptionsTest {
  @TempDir Path home;

  private static DaemonRunOptions parse(String... args) {
    DaemonRunOptions options = new DaemonRunOptions();
    CommandLine commandLine = new CommandLine(options);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.parseArgs(args);
    options.validate();
    return options;
  }

  @Test
  void everyOptionReachesTheDaemonSettings() {
    DaemonRunOptions options =
        parse(
            "--role",
            "worker",
            "--alias",
            "worker-a",
            "--coordinator",
            "http://127.0.0.1:9100/",
            "--advertise",
            "http://10.0.0.5:9201",
            "--heartbeat-interval",
            "0.2",
            "--lease",
            "1.5",
            "--executor",
            "echo",
            "--echo-delay",
            "0",
            "--slots",
            "8",
            "--durability",
            "fast");
    FleetSettings settings = ForegroundDaemon.fleetSettings(options);
    assertThat(settings.role()).isEqualTo(Role.WORKER);
    assertThat(settings.alias()).isEqualTo("worker-a");
    assertThat(settings.coordinatorUrl()).isEqualTo("http://127.0.0.1:9100");
    assertThat(settings.advertiseUrl()).isEqualTo("http://10.0.0.5:9201");
    assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(settings.lease()).isEqualTo(Duration.ofMillis(1500));
    assertThat(settings.executor()).isEqualTo(FleetSettings.ExecutorKind.ECHO);
    assertThat(settings.echoDelay()).isEqualTo(Duration.ZERO);
    assertThat(settings.slots()).isEqualTo(8);
    assertThat(options.durability).isEqualTo(dev.spl.core.store.Durability.FAST);
  }

  @Test
  void theDefaultsAreACoordinatorsAndACoordinatorUrlMakesAWorker() {
    FleetSettings coordinator = ForegroundDaemon.fleetSettings(parse());
    assertThat(coordinator).isEqualTo(FleetSettings.coordinator());

    FleetSettings worker =
        ForegroundDaemon.fleetSettings(
            parse("--coordinator", "http://127.0.0.1:9100", "--heartbeat-interval", "2"));
    assertThat(worker.role()).isEqualTo(Role.WORKER);
    // The lease follows the interval unless given.
    assertThat(worker.lease()).isEqualTo(Duration.ofSeconds(6));
    assertThat(ForegroundDaemon.fleetSettings(parse("--executor", "shell")).executor())
        .isEqualTo(FleetSettings.ExecutorKind.SHELL);
  }

  @Test
  void argumentsForABackgroundDaemonReproduceTheOptions() {
    DaemonRunOptions options =
        parse(
            "--alias",
            "worker-b",
            "--coordinator",
            "http://127.0.0.1:9100",
            "--heartbeat-interval",
            "0.25",
            "--echo-delay",
            "1",
            "--slots",
            "2");
    List<String> args = options.toArguments();
    assertThat(args)
        .containsExactly(
            "--alias",
            "worker-b",
            "--coordinator",
            "http://127.0.0.1:9100",
            "--heartbeat-interval",
            "0.25",
            "--echo-delay",
            "1",
            "--slots",
            "2");
    DaemonRunOptions again = parse(args.toArray(String[]::new));
    assertThat(ForegroundDaemon.fleetSettings(again))
        .isEqualTo(ForegroundDaemon.fleetSettings(options));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--slots 0|--slots",
        "--slots 257|--slots",
        "--heartbeat-interval 0|--heartbeat-interval",
        "--heartbeat-interval -1|--heartbeat-interval",
        "--heartbeat-interval soon|--heartbeat-interval",
        "--heartbeat-interval 0.0001|--heartbeat-interval",
        "--echo-delay -0.5|--echo-delay",
        "--lease 4|--lease",
        "--heartbeat-interval 1 --lease 1|--lease",
        "--role worker|--coordinator",
        "--role coordinator --coordinator http://127.0.0.1:9100|--coordinator",
        "--coordinator ftp://x|--coordinator",
        "--advertise nowhere|--advertise",
        "--role boss|--role",
        "--executor magic|--executor",
        "--alias has/slash|--alias",
        "--durability maybe|--durability",
        "--label nokey|--label",
        "--label bad*key=x|--label",
        "--label a=1 --label a=2|--label",
        "--command-template agent|--command-template: applies to --executor command only",
        "--executor shell --command-template agent|--command-template",
        "--executor command|--command-template: the command executor needs one",
        "--max-fanout-depth 0|--max-fanout-depth: expected 1..16 but found 0",
        "--max-fanout-depth -2|--max-fanout-depth: expected 1..16 but found -2",
        "--max-fanout-depth 17|--max-fanout-depth: expected 1..16 but found 17",
        "--max-fanout-depth deep|--max-fanout-depth",
      })
  void badValuesExitWithBadInputNamingTheOption(String args, String option) throws IOException {
    CliRun run = runDaemonInAHeldHome(concat("daemon run --port 0", args));
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains(option);
  }

  @Test
  void secondsAcceptDecimalsToTheMillisecond() {
    assertThat(DaemonRunOptions.parseSeconds("0.2")).isEqualTo(Duration.ofMillis(200));
    assertThat(DaemonRunOptions.parseSeconds("5")).isEqualTo(Duration.ofSeconds(5));
    assertThat(DaemonRunOptions.parseSeconds("0")).isEqualTo(Duration.ZERO);
    assertThat(DaemonRunOptions.seconds(Duration.ofMillis(1500))).isEqualTo("1.5");
    assertThatThrownBy(() -> DaemonRunOptions.parseSeconds("1.0005"))
        .hasMessageContaining("millisecond");
  }

  @Test
  void startPassesTheOptionsToTheDaemonCommandLine() {
    DaemonProcesses.Spec spec =
        new DaemonProcesses.Spec(
            java.nio.file.Path.of("/tmp/h"),
            0,
            null,
            null,
            null,
            List.of("--role", "worker", "--coordinator", "http://127.0.0.1:9100"));
    List<String> command = DaemonProcesses.command(spec, java.util.Map.of());
    assertThat(String.join(" ", command))
        .contains("daemon run --port 0 --role worker --coordinator http://127.0.0.1:9100");
  }

  @Test
  void aSpawnedDaemonRunsOnC1UnlessTheOperatorsOptionsSayOtherwise() {
    DaemonProcesses.Spec spec =
        new DaemonProcesses.Spec(java.nio.file.Path.of("/tmp/h"), 0, null, null, null, List.of());
    List<String> plain = DaemonProcesses.command(spec, java.util.Map.of());
    assertThat(plain).contains("-XX:TieredStopAtLevel=1");
    List<String> overridden =
        DaemonProcesses.command(
            spec, java.util.Map.of("SPL_DAEMON_JAVA_OPTS", "-XX:TieredStopAtLevel=4 -Xmx512m"));
    // The JVM takes the last of repeated -XX options: the operator's must come after spl's.
    assertThat(overridden.indexOf("-XX:TieredStopAtLevel=4"))
        .isGreaterThan(overridden.indexOf("-XX:TieredStopAtLevel=1"));
    assertThat(overridden.indexOf("-XX:TieredStopAtLevel=4")).isLessThan(overridden.indexOf("-cp"));
  }

  @Test
  void theCommandTemplateReachesTheSettingsAndTheBackgroundDaemonAsOneArgument() {
    String template = "my-agent --prompt-file {{prompt_file}} --max-cost {{budget}}";
    DaemonRunOptions options =
        parse(
            "--role",
            "worker",
            "--coordinator",
            "http://127.0.0.1:9100",
            "--executor",
            "command",
            "--command-template",
            template);
    assertThat(ForegroundDaemon.fleetSettings(options).commandTemplate()).isEqualTo(template);
    assertThat(options.toArguments()).containsSequence("--command-template", template);
  }

  @Test
  void aTemplateWithAnUnknownPlaceholderIsBadInput() throws IOException {
    CliRun run =
        runDaemonInAHeldHome(
            "daemon",
            "run",
            "--port",
            "0",
            "--executor",
            "command",
            "--command-template",
            "my-agent {{prompt}}");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err())
        .contains("--command-template: unknown placeholder {{prompt}} at character 10");
    assertThat(home.resolve("settings.json")).doesNotExist();
  }

  /**
   * Runs {@code spl} (here {@code spl daemon run}) in this JVM on {@link #home} while the test
   * holds the home's lock: a configuration that turns out to be valid then fails at once because
   * the home is in use, instead of running a foreground daemon that never returns.
   */
  private CliRun runDaemonInAHeldHome(String... args) throws IOException {
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    HomeLock held = HomeLock.acquire(home);
    try {
      return CliRun.run(env, args);
    } finally {
      held.close();
    }
  }

  private static String[] concat(String first, String second) {
    return (first + " " + second).split(" ");
  }
}
