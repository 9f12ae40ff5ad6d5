package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.HomeLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon started with {@code spl daemon start} is killed with SIGKILL (no shutdown hook, no
 * flush); started again on the same home, it serves every record it acknowledged, under the same
 * DID.
 */
class DaemonKillRecoveryTest {
  @TempDir Path home;
  private Map<String, String> env;

  @BeforeEach
  void environment() {
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopWhateverStarted() {
    DaemonProcesses.stop(home, Duration.ofSeconds(10), true);
    DaemonProcesses.livePid(home)
        .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void acknowledgedRecordsSurviveKillMinus9AndRestart() throws Exception {
    CliRun start = CliRun.run(env, "-o", "json", "daemon", "start", "--port", "0");
    assertThat(start.exitCode()).as(start.toString()).isZero();
    String did = start.json().path("health").path("did").asText();
    assertThat(did).startsWith("did:sync:instance:");
    long pid = Long.parseLong(Files.readString(new HomeLayout(home).pidFile()).trim());

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      CliRun emit =
          CliRun.run(
              env,
              "-o",
              "json",
              "records",
              "emit",
              "--thread",
              "th_" + "d4".repeat(32),
              "--act",
              "DO",
              "--topic",
              "crash",
              "--body",
              "{\"n\":" + i + "}");
      assertThat(emit.exitCode()).as(emit.toString()).isZero();
      ids.add(emit.json().path("id").asText());
    }
    assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("[0-9a-f]{64}"));

    ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
    daemon.destroyForcibly();
    daemon.onExit().get(30, TimeUnit.SECONDS);
    CliRun down = CliRun.run(env, "daemon", "status");
    assertThat(down.exitCode()).as(down.toString()).isEqualTo(ExitCodes.UNAVAILABLE);

    CliRun restart = CliRun.run(env, "-o", "json", "daemon", "start", "--port", "0");
    assertThat(restart.exitCode()).as(restart.toString()).isZero();
    assertThat(restart.json().path("already_running").asBoolean()).isFalse();
    assertThat(restart.json().path("health").path("did").asText()).isEqualTo(did);
    assertThat(restart.json().path("pid").asLong()).isNotEqualTo(pid);

    for (int i = 0; i < ids.size(); i++) {
      CliRun get = CliRun.run(env, "-o", "json", "records", "get", ids.get(i));
      assertThat(get.exitCode()).as(get.toString()).isZero();
      JsonNode record = get.json();
      assertThat(record.path("id").asText()).isEqualTo(ids.get(i));
      assertThat(record.path("body").path("n").asInt()).isEqualTo(i);
      assertThat(record.path("body").path("topic").asText()).isEqualTo("crash");
    }
    CliRun list = CliRun.run(env, "-o", "json", "records", "list", "--topic", "crash");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    List<String> listed = new ArrayList<>();
    list.json().path("data").forEach(record -> listed.add(record.path("id").asText()));
    assertThat(listed).containsExactlyElementsOf(ids);
  }
}
