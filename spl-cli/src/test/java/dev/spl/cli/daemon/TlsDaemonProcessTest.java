package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.home.FleetToken;
import dev.spl.testing.Await;
import dev.spl.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator and a worker started by {@code spl daemon start} as a second host would start them
 * (HTTPS, a CA of the fleet, the token in a 0600 file), and what the CLI says when the CA, the
 * token or TLS is missing.
 */
class TlsDaemonProcessTest {
  @TempDir Path dir;
  private Path coordinatorHome;
  private Path workerHome;
  private Path tokenFile;
  private TestCertificates.Authority ca;
  private TestCertificates.Leaf coordinatorCert;
  private TestCertificates.Leaf workerCert;

  @BeforeEach
  void files() throws Exception {
    coordinatorHome = dir.resolve("coordinator");
    workerHome = dir.resolve("worker");
    Path pki = Files.createDirectories(dir.resolve("pki"));
    ca = TestCertificates.authority(pki, "fleet-ca");
    coordinatorCert = ca.issue(pki, "coordinator", "127.0.0.1", "localhost");
    workerCert = ca.issue(pki, "worker", "127.0.0.1");
    tokenFile = dir.resolve("fleet.token");
    FleetToken.write(tokenFile, FleetToken.generate());
  }

  @AfterEach
  void stopAll() {
    for (Path home : new Path[] {workerHome, coordinatorHome}) {
      DaemonProcesses.stop(home, Duration.ofSeconds(10), true);
      DaemonProcesses.livePid(home)
          .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private static Map<String, String> env() {
    return new HashMap<>(CliRun.cleanEnv());
  }

  private CliRun ok(Map<String, String> env, String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isZero();
    return run;
  }

  @Test
  void aWorkerJoinsAnHttpsCoordinatorWithTheTokenFileAndTheFleetsCa() {
    CliRun coordinator =
        ok(
            env(),
            "--home",
            coordinatorHome.toString(),
            "--token-file",
            tokenFile.toString(),
            "--tls-ca",
            ca.pem().toString(),
            "-o",
            "json",
            "daemon",
            "start",
            "--port",
            "0",
            "--tls-cert",
            coordinatorCert.cert().toString(),
            "--tls-key",
            coordinatorCert.key().toString());
    String url = coordinator.json().path("url").asText();
    assertThat(url).startsWith("https://127.0.0.1:");

    ok(
        env(),
        "--home",
        workerHome.toString(),
        "--token-file",
        tokenFile.toString(),
        "--tls-ca",
        ca.pem().toString(),
        "daemon",
        "start",
        "--wait",
        "90",
        "--role",
        "worker",
        "--alias",
        "worker-a",
        "--coordinator",
        url,
        "--port",
        "0",
        "--heartbeat-interval",
        "0.2",
        "--tls-cert",
        workerCert.cert().toString(),
        "--tls-key",
        workerCert.key().toString());

    Map<String, String> withCa = env();
    withCa.put("SPL_TLS_CA", ca.pem().toString());
    Await.until(
        "the worker is live at the coordinator",
        Duration.ofSeconds(60),
        () -> {
          CliRun status =
              CliRun.run(
                  withCa,
                  "--url",
                  url,
                  "--token-file",
                  tokenFile.toString(),
                  "-o",
                  "json",
                  "fleet",
                  "status");
          return status.exitCode() == 0
              && status.out().contains("worker-a")
              && status.out().contains("\"live\"");
        });

    CliRun untrusted =
        CliRun.run(env(), "--url", url, "--token-file", tokenFile.toString(), "fleet", "status");
    assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(untrusted.err())
        .contains("TLS: cannot trust " + url)
        .contains("not signed by a CA this client trusts")
        .contains("the system trust store")
        .doesNotContain("\tat ");

    CliRun status = CliRun.run(env(), "--home", coordinatorHome.toString(), "daemon", "status");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(status.err()).contains("TLS: cannot trust " + url);

    CliRun noToken = CliRun.run(withCa, "--url", url, "fleet", "status");
    assertThat(noToken.exitCode()).as(noToken.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noToken.err()).contains("UNAUTHORIZED", "--token-file FILE", "SPL_TOKEN");
  }

  @Test
  void aNonLoopbackBindWithoutTlsIsRefusedUnlessAskedForPlainHttp() {
    CliRun refused =
        CliRun.run(
            env(),
            "--home",
            coordinatorHome.toString(),
            "--token-file",
            tokenFile.toString(),
            "daemon",
            "run",
            "--bind",
            "0.0.0.0",
            "--port",
            "0");
    assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
    assertThat(refused.err())
        .contains("without TLS", "--tls-cert FILE --tls-key FILE", "--insecure-http");

    CliRun half =
        CliRun.run(
            env(),
            "--home",
            coordinatorHome.toString(),
            "daemon",
            "run",
            "--port",
            "0",
            "--tls-cert",
            coordinatorCert.cert().toString());
    assertThat(half.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(half.err()).contains("--tls-cert: given without --tls-key");
  }
}
