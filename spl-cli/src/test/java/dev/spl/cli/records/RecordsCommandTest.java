package dev.spl.cli.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordsCommandTest {
  private static final String THREAD = "th_" + "a1".repeat(32);
  private static final String OTHER_THREAD = "th_" + "b2".repeat(32);

  @TempDir Path home;
  private Daemon daemon;
  private Map<String, String> env;

  @BeforeEach
  void startDaemon() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
  }

  @AfterEach
  void stopDaemon() {
    daemon.close();
  }

  @Test
  void emitFindsTheDaemonThroughTheEndpointInTheHomeAndPrintsIdAndSeq() {
    CliRun run = spl("records", "emit", "--thread", THREAD, "--act", "INTEND", "--topic", "task");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().trim()).matches("[0-9a-f]{64}  seq 1");
    String id = run.out().substring(0, 64);
    assertThat(daemon.records().get(id)).isPresent();
    assertThat(daemon.records().get(id).get().record().actor()).isEqualTo("did:sync:user:tester");
    assertThat(daemon.records().get(id).get().record().topic()).isEqualTo("task");
  }

  @Test
  void emitIsIdempotentAndJsonSaysWhetherItCreated() {
    String[] args = {
      "-o", "json", "records", "emit", "--thread", THREAD, "--act", "KNOW", "--body", "{\"n\":1}"
    };
    JsonNode first = spl(args).json();
    JsonNode second = spl(args).json();
    assertThat(first.path("created").asBoolean()).isTrue();
    assertThat(second.path("created").asBoolean()).isFalse();
    assertThat(second.path("id").asText()).isEqualTo(first.path("id").asText());
    assertThat(second.path("seq").asLong()).isEqualTo(first.path("seq").asLong());
  }

  @Test
  void emitReadsTheBodyFromAFileAndSetsActorParentsAndClock() throws IOException {
    String parent = emit(THREAD, "INTEND", "task");
    Path body = home.resolve("body.json");
    Files.writeString(body, "{\"topic\":\"result\",\"fulfills\":\"" + parent + "\"}");
    CliRun run =
        spl(
            "-o",
            "json",
            "records",
            "emit",
            "--thread",
            THREAD,
            "--act",
            "KNOW",
            "--body",
            "@" + body,
            "--actor",
            "did:sync:user:ops",
            "--parents",
            parent,
            "--clock",
            "7");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    JsonNode record = run.json();
    assertThat(record.path("actor").asText()).isEqualTo("did:sync:user:ops");
    assertThat(record.path("parents").get(0).asText()).isEqualTo(parent);
    assertThat(record.path("clock").asLong()).isEqualTo(7);
    assertThat(record.path("body").path("fulfills").asText()).isEqualTo(parent);
  }

  @Test
  void badInputIsRefusedBeforeAnythingIsStored() {
    CliRun badJson = spl("records", "emit", "--thread", THREAD, "--act", "DO", "--body", "{\"x\":");
    assertThat(badJson.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badJson.err()).contains("--body: expected a JSON object but it is not valid JSON");

    CliRun twice =
        spl("records", "emit", "--thread", THREAD, "--act", "DO", "--body", "{\"x\":1,\"x\":2}");
    assertThat(twice.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(twice.err()).contains("the key 'x' is given twice");

    for (String value : new String[] {"1e999999999", "\"\\ud800\"", "9007199254740993"}) {
      CliRun noCanonicalForm =
          spl(
              "records",
              "emit",
              "--thread",
              THREAD,
              "--act",
              "DO",
              "--body",
              "{\"x\":" + value + "}");
      assertThat(noCanonicalForm.exitCode()).as(value).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(noCanonicalForm.err()).as(value).contains("body.x: expected");
    }

    CliRun notObject = spl("records", "emit", "--thread", THREAD, "--act", "DO", "--body", "[1]");
    assertThat(notObject.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notObject.err()).contains("--body: expected a JSON object but found array");

    CliRun badAct = spl("records", "emit", "--thread", THREAD, "--act", "SHOUT");
    assertThat(badAct.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badAct.err()).contains("act: expected one of INTEND, DO, KNOW, LEARN, CALL");

    CliRun badThread = spl("records", "emit", "--thread", "th_nope", "--act", "DO");
    assertThat(badThread.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badThread.err()).contains("thread: expected 'th_'").contains("th_nope");

    CliRun clash =
        spl(
            "records",
            "emit",
            "--thread",
            THREAD,
            "--act",
            "DO",
            "--topic",
            "a",
            "--body",
            "{\"topic\":\"b\"}");
    assertThat(clash.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(clash.err()).contains("--topic");

    CliRun missingFile =
        spl(
            "records",
            "emit",
            "--thread",
            THREAD,
            "--act",
            "DO",
            "--body",
            "@" + home.resolve("no"));
    assertThat(missingFile.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(missingFile.err()).contains("--body: no such file");

    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void getPrintsOneRecordAndUnknownIdsAreBadInput() {
    String id = emit(THREAD, "INTEND", "task");
    CliRun text = spl("records", "get", id);
    assertThat(text.exitCode()).isZero();
    assertThat(text.out()).contains("id         " + id).contains("thread     " + THREAD);

    JsonNode json = spl("-o", "json", "records", "get", id).json();
    assertThat(json.path("id").asText()).isEqualTo(id);
    assertThat(json.path("body").path("topic").asText()).isEqualTo("task");

    CliRun unknown = spl("records", "get", "0".repeat(64));
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("RECORD_NOT_FOUND");
  }

  @Test
  void listFiltersAndPagesAndPrintsAlignedLines() {
    String first = emit(THREAD, "INTEND", "task");
    emit(OTHER_THREAD, "KNOW", "result");
    emit(THREAD, "DO", "step");

    CliRun all = spl("records", "list");
    assertThat(all.exitCode()).as(all.toString()).isZero();
    var lines = all.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("SEQ").contains("ID", "ACT", "TOPIC", "THREAD");
    assertThat(lines.get(1)).startsWith("1  ").contains(first.substring(0, 12), "INTEND", "task");
    assertThat(lines.get(1).indexOf("INTEND")).isEqualTo(lines.get(2).indexOf("KNOW"));

    CliRun thread = spl("records", "list", "--thread", THREAD, "--act", "DO");
    assertThat(thread.out().lines().skip(1).toList())
        .singleElement()
        .asString()
        .contains("DO", "step");

    JsonNode page = spl("-o", "json", "records", "list", "--limit", "1", "--after", "1").json();
    assertThat(page.path("object").asText()).isEqualTo("list");
    assertThat(page.path("data")).hasSize(1);
    assertThat(page.path("data").get(0).path("seq").asLong()).isEqualTo(2);

    CliRun topic = spl("records", "list", "--topic", "nothing-has-this");
    assertThat(topic.out().trim()).isEqualTo("no records");

    assertThat(spl("records", "list", "--limit", "0").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
  }

  @Test
  void daemonErrorsAreReportedWithTheirCode() {
    CliRun run = spl("records", "list", "--thread", "th_bad");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(run.err()).contains("INVALID_PARAMETER").contains("th_bad");
  }

  @Test
  void statusReportsTheRunningInProcessDaemon() {
    emit(THREAD, "INTEND", "task");
    CliRun text = spl("daemon", "status");
    assertThat(text.exitCode()).as(text.toString()).isZero();
    assertThat(text.out())
        .contains("running", daemon.url(), daemon.did())
        .containsPattern("records\\s+1");
    JsonNode json = spl("-o", "json", "daemon", "status").json();
    assertThat(json.path("health").path("did").asText()).isEqualTo(daemon.did());
    assertThat(json.path("running").asBoolean()).isTrue();
  }

  private String emit(String thread, String act, String topic) {
    CliRun run = spl("records", "emit", "--thread", thread, "--act", act, "--topic", topic);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run.out().substring(0, 64);
  }

  private CliRun spl(String... args) {
    return CliRun.run(env, args);
  }
}
