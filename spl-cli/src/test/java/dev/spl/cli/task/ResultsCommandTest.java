package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.DaemonClient;
import dev.spl.core.store.Durability;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured child results: what shell children write to SPL_RESULT_FILE or print as their last
 * JSON line, and the files they leave in SPL_OUTPUT_DIR, read back with {@code spl task results}
 * against a coordinator and one shell worker in this JVM, each on port 0 in its own folder.
 */
class ResultsCommandTest {
  private static final Duration HEARTBEAT = Duration.ofMillis(100);
  // No worker is lost in these tests: a long lease, so a pause of a busy machine moves nothing.
  private static final Duration LEASE = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Map<String, String> env;

  @BeforeEach
  void startFleet() {
    Daemon coordinator =
        start(
            DaemonConfig.builder(dir.resolve("coordinator"))
                .port(0)
                .durability(Durability.FAST)
                .fleet(FleetSettings.builder().heartbeatInterval(HEARTBEAT).lease(LEASE).build())
                .build());
    start(
        DaemonConfig.builder(dir.resolve("worker-a"))
            .port(0)
            .durability(Durability.FAST)
            .fleet(
                FleetSettings.builder()
                    .worker("worker-a", coordinator.url())
                    .heartbeatInterval(HEARTBEAT)
                    .executor(FleetSettings.ExecutorKind.SHELL)
                    .echoDelay(Duration.ZERO)
                    .build())
            .build());
    env = CliRun.cleanEnv();
    env.put("SPL_HOME", dir.resolve("coordinator").toString());
    Await.until(
        "the worker is live",
        Duration.ofMillis(30_000),
        () -> {
          for (JsonNode instance :
              new DaemonClient(coordinator.url(), null).get("/v1/fleet/status").path("instances")) {
            if ("worker".equals(instance.path("role").asText())
                && "live".equals(instance.path("status").asText())) {
              return true;
            }
          }
          return false;
        });
  }

  @AfterEach
  void stopFleet() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  @Test
  void resultsComeInInputOrderWithTheirFilesAndFetchCopiesThem() throws Exception {
    Path script = dir.resolve("child.sh");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "if [ \"$SPL_INDEX\" = 1 ]; then echo '{\"n\": 1, \"via\": \"line\"}'; exit 0; fi\n"
            + "printf 'part %s\\n' \"$SPL_ITEM\" > \"$SPL_OUTPUT_DIR/part.txt\"\n"
            + "mkdir -p \"$SPL_OUTPUT_DIR/sub\" && printf x > \"$SPL_OUTPUT_DIR/sub/x.bin\"\n"
            + "printf '{\"n\": %s, \"item\": \"%s\"}' \"$SPL_INDEX\" \"$SPL_ITEM\""
            + " > \"$SPL_RESULT_FILE\"\n"
            + "echo done\n");
    Path items = dir.resolve("items.txt");
    Files.writeString(items, "a\nb\nc\n");
    ok("task", "add", "Results", "--alias", "RES-1", "--namespace", "res");
    ok(
        "task",
        "fan-out",
        "RES-1",
        "--items",
        items.toString(),
        "--items-format",
        "lines",
        "--template",
        "goal=Do {{item}},run=sh " + script,
        "--join",
        "all");
    CliRun watch = CliRun.run(env, "task", "join-status", "RES-1", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isZero();

    List<String> lines = ok("-o", "jsonl", "task", "results", "RES-1").out().lines().toList();
    assertThat(lines).hasSize(3);
    JsonNode first = CliRun.jsonOf(lines.get(0));
    assertThat(first.path("index").asInt()).isZero();
    assertThat(first.path("state").asText()).isEqualTo("accept");
    assertThat(first.path("result").toString()).isEqualTo("{\"item\":\"a\",\"n\":0}");
    assertThat(first.path("refs")).hasSize(2);
    JsonNode part = first.path("refs").get(0);
    assertThat(part.path("path").asText()).isEqualTo("part.txt");
    assertThat(part.path("size").asLong()).isEqualTo("part a\n".length());
    assertThat(part.path("sha256").asText()).hasSize(64);
    assertThat(part.path("worker").asText()).startsWith("did:sync:instance:");
    assertThat(first.path("refs").get(1).path("path").asText()).isEqualTo("sub/x.bin");
    JsonNode second = CliRun.jsonOf(lines.get(1));
    assertThat(second.path("result").toString()).isEqualTo("{\"n\":1,\"via\":\"line\"}");
    assertThat(second.path("refs")).isEmpty();
    assertThat(CliRun.jsonOf(lines.get(2)).path("result").path("item").asText()).isEqualTo("c");

    JsonNode array = ok("-o", "json", "task", "results", "RES-1").json();
    assertThat(array.isArray()).isTrue();
    assertThat(array).hasSize(3);
    assertThat(array.get(2).path("index").asInt()).isEqualTo(2);
    assertThat(ok("task", "results", "RES-1").out())
        .contains("[0] accept  {\"item\":\"a\",\"n\":0}  (2 files)")
        .contains("[1] accept  {\"n\":1,\"via\":\"line\"}");
    assertThat(ok("-o", "json", "task", "results", "RES-1", "--state", "failed").json()).isEmpty();

    Path fetched = dir.resolve("fetched");
    CliRun fetch = ok("-o", "jsonl", "task", "results", "RES-1", "--fetch", fetched.toString());
    assertThat(fetch.err()).contains("fetched 4 files (16 bytes) into " + fetched);
    assertThat(Files.readString(fetched.resolve("0/part.txt"))).isEqualTo("part a\n");
    assertThat(Files.readString(fetched.resolve("2/part.txt"))).isEqualTo("part c\n");
    assertThat(Files.readString(fetched.resolve("2/sub/x.bin"))).isEqualTo("x");
    assertThat(fetched.resolve("1")).doesNotExist();
  }

  @Test
  void aResultOverTheLimitOrNotJsonFailsTheChildWithTheReason() {
    ok("task", "add", "Too big", "--alias", "RES-2", "--namespace", "res");
    ok(
        "task",
        "fan-out",
        "RES-2",
        "--subtask",
        "goal=Big,run=printf '\"%070000d\"' 0 > \"$SPL_RESULT_FILE\"",
        "--subtask",
        "goal=Broken,run=printf '{\"a\": ' > \"$SPL_RESULT_FILE\"",
        "--subtask",
        "goal=Fine,run=echo '[true]' > \"$SPL_RESULT_FILE\"",
        // A CEL join stays undecided while a child runs: `all` would end at the first failure and
        // could cancel the fine child before its result is in.
        "--join",
        "accepted == n");
    CliRun watch = CliRun.run(env, "task", "join-status", "RES-2", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);

    JsonNode failed = ok("-o", "json", "task", "results", "RES-2", "--state", "failed").json();
    assertThat(failed).hasSize(2);
    assertThat(failed.get(0).path("index").asInt()).isZero();
    assertThat(failed.get(0).path("result").isNull()).isTrue();
    assertThat(failed.get(1).path("index").asInt()).isEqualTo(1);
    JsonNode status = ok("-o", "json", "task", "join-status", "RES-2").json();
    assertThat(status.path("per_subtask").get(0).path("summary").asText())
        .matches(
            "the result was refused: SPL_RESULT_FILE result-[0-9]+\\.json: the result is 70002"
                + " bytes of canonical JSON, above the limit of 65536 bytes");
    assertThat(status.path("per_subtask").get(1).path("summary").asText())
        .containsPattern(
            "SPL_RESULT_FILE result-[0-9]+\\.json: expected one JSON value but it is not valid"
                + " JSON");
    JsonNode fine = ok("-o", "json", "task", "results", "RES-2", "--state", "accept").json();
    assertThat(fine).hasSize(1);
    assertThat(fine.get(0).path("result").toString()).isEqualTo("[true]");
  }

  @Test
  void reducersFoldTheResultsAndCelJoinsReadThem() throws Exception {
    Path items = dir.resolve("numbers.txt");
    Files.writeString(items, "1\n2\n3\n");
    Path adder = dir.resolve("adder.sh");
    Files.writeString(
        adder,
        "printf '{\"count\": %s, \"tags\": [\"t%s\"]}' \"$SPL_ITEM\" \"$SPL_ITEM\""
            + " > \"$SPL_RESULT_FILE\"\n");
    ok("task", "add", "Sum", "--alias", "RES-4", "--namespace", "res");
    ok(
        "task",
        "fan-out",
        "RES-4",
        "--items",
        items.toString(),
        "--items-format",
        "lines",
        "--template",
        "goal=Add {{item}},run=sh " + adder,
        "--reduce",
        "total=sum(result.count)",
        "--reduce",
        "biggest=max(result.count)",
        "--reduce",
        "seen=merge(result.tags)",
        "--join",
        "accepted == n && reduced.total == 6");
    CliRun watch = CliRun.run(env, "task", "join-status", "RES-4", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isZero();
    assertThat(watch.out())
        .contains("Reduced:         total = 6 (sum)")
        .contains("biggest = 3 (max)")
        .contains("seen = [\"t1\",\"t2\",\"t3\"] (merge)");
    JsonNode reduced = ok("-o", "json", "task", "results", "RES-4", "--reduced").json();
    assertThat(reduced.path("total").path("value").asLong()).isEqualTo(6);
    assertThat(reduced.path("total").path("errors").asLong()).isZero();
    assertThat(ok("task", "results", "RES-4", "--reduced").out())
        .isEqualTo("total = 6 (sum)\nbiggest = 3 (max)\nseen = [\"t1\",\"t2\",\"t3\"] (merge)\n");
    JsonNode status = ok("-o", "json", "task", "join-status", "RES-4").json();
    assertThat(status.path("reduced").path("biggest").path("value").asInt()).isEqualTo(3);

    CliRun bad =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "RES-4",
            "--replace",
            "--items",
            items.toString(),
            "--template",
            "goal=x,run=true",
            "--reduce",
            "total=total(result.count)",
            "--join",
            "all");
    assertThat(bad.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("--reduce 1: unknown function 'total'");
    assertThat(ok("-o", "json", "task", "results", "RES-4").json()).hasSize(3);
  }

  @Test
  void stagesAfterTheJoinGetTheFanInAndDecideTheVerdictAndThenIfRoutes() throws Exception {
    Path items = dir.resolve("three.txt");
    Files.writeString(items, "1\n2\n3\n");
    Path adder = dir.resolve("count.sh");
    Files.writeString(adder, "printf '{\"count\": %s}' \"$SPL_ITEM\" > \"$SPL_RESULT_FILE\"\n");
    Path seen = dir.resolve("seen-fanin.json");
    ok("task", "add", "Staged", "--alias", "RES-5", "--namespace", "res");
    ok(
        "task",
        "fan-out",
        "RES-5",
        "--items",
        items.toString(),
        "--items-format",
        "lines",
        "--template",
        "goal=Count {{item}},run=sh " + adder,
        "--reduce",
        "total=sum(result.count)",
        "--then",
        "goal=Keep the fan-in,run=cp \"$SPL_FANIN_FILE\" " + seen,
        "--then",
        "goal=Fail on purpose,run=exit 3",
        "--then-if",
        "fanin.status == 'complete' && reduced.total == 6",
        "--join",
        "all");
    CliRun watch = CliRun.run(env, "task", "join-status", "RES-5", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(watch.out()).contains("Then:            stage 2 of 2: reject");
    JsonNode fanin = CliRun.jsonOf(Files.readString(seen));
    assertThat(fanin.path("status").asText()).isEqualTo("complete");
    assertThat(fanin.path("succeeded").asInt()).isEqualTo(3);
    assertThat(fanin.path("stage").asInt()).isEqualTo(1);
    assertThat(fanin.path("reduced").path("total").path("value").asInt()).isEqualTo(6);
    JsonNode status = ok("-o", "json", "task", "join-status", "RES-5").json();
    assertThat(status.path("verdict").asText()).isEqualTo("reject");
    assertThat(status.path("fanin").path("status").asText()).isEqualTo("complete");

    // The same fan-out whose then_if does not hold ends with the fan-in's verdict, no stage run.
    Files.delete(seen);
    ok(
        "task",
        "fan-out",
        "RES-5",
        "--replace",
        "--items",
        items.toString(),
        "--items-format",
        "lines",
        "--template",
        "goal=Count {{item}},run=sh " + adder,
        "--reduce",
        "total=sum(result.count)",
        "--then",
        "goal=Keep the fan-in,run=cp \"$SPL_FANIN_FILE\" " + seen,
        "--then-if",
        "reduced.total > 100",
        "--join",
        "all");
    watch = CliRun.run(env, "task", "join-status", "RES-5", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isZero();
    assertThat(watch.out()).contains("Then:            skipped (then_if did not hold)");
    assertThat(seen).doesNotExist();

    CliRun notBool =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "RES-5",
            "--replace",
            "--items",
            items.toString(),
            "--template",
            "goal=x,run=true",
            "--then",
            "goal=y,run=true",
            "--then-if",
            "reduced.total + 1",
            "--join",
            "all");
    assertThat(notBool.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notBool.err()).contains("--then-if: expected a CEL expression of type bool");
    CliRun badStage =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "RES-5",
            "--replace",
            "--items",
            items.toString(),
            "--template",
            "goal=x,run=true",
            "--then",
            "run=true,colour=red",
            "--join",
            "all");
    assertThat(badStage.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badStage.err()).contains("--then 1: ");
    CliRun ifAlone =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "RES-5",
            "--replace",
            "--items",
            items.toString(),
            "--template",
            "goal=x,run=true",
            "--then-if",
            "true",
            "--join",
            "all");
    assertThat(ifAlone.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(ifAlone.err())
        .contains("--then-if: routes the stages after the join, but no --then stage is given");
  }

  @Test
  void jsonRowsAreTheStoredResultsCopiedThroughAndEscapedToAsciiWhereTheOutputIsNotUtf8()
      throws Exception {
    Path script = dir.resolve("unicode.sh");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "printf '{\"word\": \"caf\\u00e9 %s\", \"ratio\": 0.5, \"list\": [1, {\"b\": 2,"
            + " \"a\": 1}]}' \"$SPL_INDEX\" > \"$SPL_RESULT_FILE\"\n");
    ok("task", "add", "Unicode", "--alias", "RES-4", "--namespace", "res");
    ok(
        "task",
        "fan-out",
        "RES-4",
        "--range",
        "0..3",
        "--template",
        "goal=Word {{shard}},run=sh " + script,
        "--join",
        "all");
    CliRun watch = CliRun.run(env, "task", "join-status", "RES-4", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isZero();

    List<String> utf8 = ok("-o", "jsonl", "task", "results", "RES-4").out().lines().toList();
    assertThat(utf8).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode row = CliRun.jsonOf(utf8.get(i));
      assertThat(row.path("index").asInt()).isEqualTo(i);
      assertThat(row.path("result"))
          .isEqualTo(
              CliRun.jsonOf(
                  "{\"list\":[1,{\"a\":1,\"b\":2}],\"ratio\":0.5,\"word\":\"caf\u00e9 "
                      + i
                      + "\"}"));
      // The result as the record holds it: canonical JSON, keys sorted at every depth.
      assertThat(utf8.get(i))
          .contains(
              "\"result\":{\"list\":[1,{\"a\":1,\"b\":2}],\"ratio\":0.5,\"word\":\"caf\u00e9 "
                  + i
                  + "\"}");
    }
    JsonNode array = ok("-o", "json", "task", "results", "RES-4").json();
    assertThat(array).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(array.get(i)).isEqualTo(CliRun.jsonOf(utf8.get(i)));
    }

    Map<String, String> ascii = new java.util.HashMap<>(env);
    ascii.put("LC_ALL", "C");
    CliRun plain = CliRun.run(ascii, "-o", "jsonl", "task", "results", "RES-4");
    assertThat(plain.exitCode()).as(plain.toString()).isZero();
    List<String> escaped = plain.out().lines().toList();
    assertThat(escaped).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(escaped.get(i)).matches("\\p{ASCII}*").contains("caf\\u00E9 " + i);
      assertThat(CliRun.jsonOf(escaped.get(i))).isEqualTo(CliRun.jsonOf(utf8.get(i)));
    }
  }

  @Test
  void resultsOfATaskWithoutAFanOutOrWithAnUnknownStateAreRefused() {
    ok("task", "add", "Nothing yet", "--alias", "RES-3");
    CliRun none = CliRun.run(env, "task", "results", "RES-3");
    assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(none.err()).contains("task 'RES-3' has no fan-out, so it has no results");
    CliRun badState = CliRun.run(env, "task", "results", "RES-3", "--state", "done");
    assertThat(badState.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badState.err())
        .contains("--state: expected one of accept, reject, failed, timeout, over_budget,")
        .contains("but found 'done'");
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }
}
