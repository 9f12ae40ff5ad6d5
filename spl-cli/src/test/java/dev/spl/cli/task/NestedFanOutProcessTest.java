package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.core.Json;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shell child runs the real {@code spl} in a process of its own to fan out itself, with nothing
 * but what its worker put in its environment: a coordinator with a fleet token and one shell worker
 * in this JVM, each on port 0 in its own folder.
 */
class NestedFanOutProcessTest {
  private static final String TOKEN = "nested-process-test-token-0123456789";

  @TempDir Path dir;
  private InProcessFleet fleet;
  private Daemon coordinator;
  private Daemon workerA;
  private Map<String, String> env;
  private Path spl;

  @BeforeEach
  void startFleet() throws Exception {
    fleet = new InProcessFleet(dir, TOKEN);
    coordinator = fleet.startCoordinator();
    workerA =
        fleet.startWorker(
            "worker-a", settings -> settings.executor(FleetSettings.ExecutorKind.SHELL).slots(2));
    env = CliRun.cleanEnv();
    env.put("SPL_URL", coordinator.url());
    env.put("SPL_TOKEN", TOKEN);
    // The CLI a child runs: this JVM's class path, in a process of its own.
    spl = dir.resolve("spl");
    Files.writeString(
        spl,
        "#!/bin/sh\nexec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' dev.spl.cli.Main \"$@\"\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(spl, PosixFilePermissions.fromString("rwx------"));
    fleet.awaitLiveWorkers(1);
  }

  @AfterEach
  void stopFleet() {
    fleet.close();
  }

  private CliRun ok(String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.OK);
    return run;
  }

  @Test
  void aShellChildFansOutWithTheRealCliAndTheOuterFanInSeesTheNestedSums() throws Exception {
    Path outer = dir.resolve("outer.sh");
    Files.writeString(
        outer,
        String.join(
            "\n",
            "#!/bin/sh",
            "env > '" + dir + "'/env-$SPL_INDEX",
            "exec '"
                + spl
                + "' task fan-out \"$SPL_CHILD_THREAD\" --range 0..3 --template"
                + " 'goal=leaf {{shard}},run=printf \"{\\\"v\\\":%s}\" $SPL_ITER_FROM >"
                + " $SPL_RESULT_FILE' --join all --reduce 'total=sum(result.v)'",
            ""),
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwx------"));
    ok("task", "add", "Nested", "--alias", "NEST-1", "--namespace", "nest");
    ok(
        "task",
        "fan-out",
        "NEST-1",
        "--subtask",
        "goal=first,run=" + outer,
        "--subtask",
        "goal=second,run=" + outer,
        "--join",
        "all",
        "--reduce",
        "grand=sum(result.reduced.total)");

    CliRun watch = CliRun.run(env, "task", "join-status", "NEST-1", "--watch", "--timeout", "120");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.OK);
    JsonNode status = Json.MAPPER.readTree(ok("task", "join-status", "NEST-1", "-o", "json").out());
    assertThat(status.path("reduced").path("grand").path("value").asLong())
        .as(status.toPrettyString())
        .isEqualTo(6);

    JsonNode tree =
        Json.MAPPER.readTree(ok("task", "join-status", "NEST-1", "--tree", "-o", "json").out());
    assertThat(tree.path("levels")).hasSize(2);
    assertThat(tree.path("levels").get(0).path("fanouts").asInt()).isEqualTo(1);
    assertThat(tree.path("levels").get(1).path("fanouts").asInt()).isEqualTo(2);
    assertThat(tree.path("levels").get(1).path("children").asInt()).isEqualTo(6);
    assertThat(tree.path("levels").get(1).path("completed").asInt()).isEqualTo(6);
    assertThat(
            tree.path("root")
                .path("nested")
                .get(0)
                .path("reduced")
                .path("total")
                .path("value")
                .asLong())
        .isEqualTo(3);
    CliRun text = ok("task", "join-status", "NEST-1", "--tree");
    assertThat(text.out())
        .contains("level 1: 1 fan-out(s), 2/2 children done")
        .contains("level 2: 2 fan-out(s), 6/6 children done")
        .contains("child 0 → ")
        .contains("total = 3 (sum)");

    for (int i = 0; i < 2; i++) {
      String childEnv = Files.readString(dir.resolve("env-" + i));
      assertThat(childEnv).doesNotContain(TOKEN).contains("SPL_CHILD_CREDENTIAL=");
    }
  }

  @Test
  void aShellFleetRunsExecutorEchoChildrenThroughTheEchoExecutor() throws Exception {
    ok("task", "add", "Echo on shell", "--alias", "ECHO-1", "--namespace", "nest");
    // Run by the shell, each child would exit 3 and be rejected.
    ok(
        "task",
        "fan-out",
        "ECHO-1",
        "--range",
        "0..4",
        "--template",
        "goal=leaf {{shard}},run=exit 3,executor=echo",
        "--join",
        "all",
        "--reduce",
        "items=sum(result.item)",
        "--reduce",
        "indices=sum(result.index)");
    CliRun watch = CliRun.run(env, "task", "join-status", "ECHO-1", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.OK);
    JsonNode status = Json.MAPPER.readTree(ok("task", "join-status", "ECHO-1", "-o", "json").out());
    assertThat(status.path("reduced").path("items").path("value").asLong())
        .as(status.toPrettyString())
        .isEqualTo(6);
    assertThat(status.path("reduced").path("indices").path("value").asLong()).isEqualTo(6);

    ok("task", "add", "Listed echo", "--alias", "ECHO-2", "--namespace", "nest");
    ok(
        "task",
        "fan-out",
        "ECHO-2",
        "--subtask",
        "goal=echoed,run=exit 3,executor=echo",
        "--subtask",
        "goal=shelled,run=echo ran > ran.txt",
        "--join",
        "all");
    watch = CliRun.run(env, "task", "join-status", "ECHO-2", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.OK);
    CliRun text = ok("task", "join-status", "ECHO-2");
    // Subtask 0 would exit 3 under the shell; subtask 1 ran there.
    assertThat(text.out()).contains("Join complete:   yes (accept)");
    assertThat(dir.resolve("worker-a").resolve("work"))
        .isDirectoryRecursivelyContaining("glob:**/ran.txt");

    CliRun refused =
        CliRun.run(
            env,
            "task",
            "fan-out",
            "ECHO-2",
            "--subtask",
            "goal=g,executor=docker",
            "--join",
            "all");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(refused.err()).contains("subtask 0: executor:").contains("found 'docker'");
  }

  /** An outer child's script: {@code spl} from PATH only, with no launcher to fall back to. */
  private Path pathOnlyScript(String name, String... lines) throws Exception {
    Path script = dir.resolve(name);
    List<String> all = new ArrayList<>();
    all.add("#!/bin/sh");
    all.add("export PATH=\"$(echo \"$PATH\" | cut -d: -f1):/usr/bin:/bin\"");
    all.addAll(List.of(lines));
    all.add("");
    Files.writeString(script, String.join("\n", all), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void aShellChildFansOutThroughTheWorkersShimAndHostileArgumentsArriveUnchanged()
      throws Exception {
    String hostile = "it's \"q\" $(touch " + dir.resolve("marker") + ") `id` ; \\ x\nline2";
    // The template as one argument: the quoting of --template around the hostile goal.
    Files.writeString(
        dir.resolve("template"),
        "goal=\""
            + hostile.replace("\\", "\\\\").replace("\"", "\\\"")
            + " {{shard}}\",executor=echo",
        StandardCharsets.UTF_8);
    Path outer =
        pathOnlyScript(
            "outer-shim.sh",
            "echo \"$SPL_CHILD_THREAD\" > '" + dir + "'/thread-$SPL_INDEX",
            "echo \"$SPL_CHILD_CREDENTIAL\" > '" + dir + "'/credential-$SPL_INDEX",
            "command -v spl > '" + dir + "'/which-$SPL_INDEX",
            "exec spl task fan-out \"$SPL_CHILD_THREAD\" --range 0..3 --template \"$(cat '"
                + dir.resolve("template")
                + "')\" --join all --reduce 'total=sum(result.index)'");
    ok("task", "add", "Shim", "--alias", "SHIM-1", "--namespace", "nest");
    ok(
        "task",
        "fan-out",
        "SHIM-1",
        "--subtask",
        "goal=first,run=" + outer,
        "--subtask",
        "goal=second,run=" + outer,
        "--join",
        "all",
        "--reduce",
        "grand=sum(result.reduced.total)");
    CliRun watch = CliRun.run(env, "task", "join-status", "SHIM-1", "--watch", "--timeout", "120");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.OK);
    JsonNode status = Json.MAPPER.readTree(ok("task", "join-status", "SHIM-1", "-o", "json").out());
    assertThat(status.path("reduced").path("grand").path("value").asLong())
        .as(status.toPrettyString())
        .isEqualTo(6);
    for (int i = 0; i < 2; i++) {
      assertThat(Files.readString(dir.resolve("which-" + i)).trim())
          .isEqualTo(
              dir.resolve("worker-a")
                  .resolve("child-bin")
                  .resolve("spl")
                  .toAbsolutePath()
                  .toString());
      String thread = Files.readString(dir.resolve("thread-" + i)).trim();
      JsonNode nested = Json.MAPPER.readTree(ok("task", "join-status", thread, "-o", "json").out());
      assertThat(nested.path("per_subtask").get(2).path("goal").asText()).isEqualTo(hostile + " 2");
    }
    assertThat(dir.resolve("marker")).doesNotExist();
  }

  @Test
  void theWorkersCommandRouteRefusesEveryCredentialButARunningAttemptsOwn() throws Exception {
    Path outer =
        pathOnlyScript(
            "outer-wait.sh",
            "echo \"$SPL_CHILD_CREDENTIAL\" > '" + dir + "'/credential.tmp",
            "mv '" + dir + "'/credential.tmp '" + dir + "'/credential",
            "while [ ! -f '" + dir + "'/go ]; do sleep 0.05; done");
    ok("task", "add", "Refusals", "--alias", "REF-1", "--namespace", "nest");
    ok("task", "fan-out", "REF-1", "--subtask", "goal=wait,run=" + outer, "--join", "all");
    Path credentialFile = dir.resolve("credential");
    Await.until(
        "the child has started", Duration.ofSeconds(60), () -> Files.exists(credentialFile));
    String credential = Files.readString(credentialFile).trim();
    String worker = workerA.url();

    // Its own credential while it runs: the command runs and answers like the launcher would.
    java.net.http.HttpResponse<byte[]> served =
        command(worker, credential, List.of("task", "join-status", "REF-1", "-o", "json"));
    assertThat(served.statusCode()).as(new String(served.body())).isEqualTo(200);
    assertThat(served.headers().firstValue("Spl-Exit-Code")).contains("0");
    int stdout = Integer.parseInt(served.headers().firstValue("Spl-Stdout-Bytes").orElseThrow());
    assertThat(
            Json.MAPPER
                .readTree(new String(served.body(), 0, stdout, StandardCharsets.UTF_8))
                .path("per_subtask")
                .get(0)
                .path("goal")
                .asText())
        .isEqualTo("wait");

    String[] parts = credential.split("\\.");
    String otherAttempt = String.join(".", parts[0], parts[1], parts[2], "2", parts[4]);
    String otherThread =
        String.join(".", parts[0], parts[1], "th_" + "ab".repeat(32), parts[3], parts[4]);
    String forgedSignature =
        String.join(".", parts[0], parts[1], parts[2], parts[3], "A" + parts[4].substring(1));
    for (String refused : List.of(otherAttempt, otherThread, forgedSignature)) {
      java.net.http.HttpResponse<byte[]> answer =
          command(worker, refused, List.of("task", "join-status", "REF-1"));
      assertThat(answer.statusCode()).as(refused).isEqualTo(403);
      assertThat(Json.MAPPER.readTree(answer.body()).path("code").asText())
          .isEqualTo("CHILD_CREDENTIAL_INVALID");
    }
    java.net.http.HttpResponse<byte[]> garbage =
        command(worker, "not-a-credential", List.of("task", "join-status", "REF-1"));
    assertThat(garbage.statusCode()).isEqualTo(401);
    java.net.http.HttpResponse<byte[]> none =
        command(worker, null, List.of("task", "join-status", "REF-1"));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(Json.MAPPER.readTree(none.body()).path("code").asText()).isEqualTo("UNAUTHORIZED");
    // Commands that start or stop processes are not run in the worker.
    assertThat(command(worker, credential, List.of("daemon", "stop")).statusCode()).isEqualTo(404);

    Files.writeString(dir.resolve("go"), "");
    CliRun watch = CliRun.run(env, "task", "join-status", "REF-1", "--watch", "--timeout", "60");
    assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCodes.OK);
    // The attempt has finished: its credential no longer counts.
    Await.until(
        "the finished attempt's credential is refused",
        Duration.ofSeconds(30),
        () -> statusOf(worker, credential) == 403);
  }

  private int statusOf(String worker, String credential) {
    try {
      return command(worker, credential, List.of("task", "join-status", "REF-1")).statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private java.net.http.HttpResponse<byte[]> command(
      String worker, String credential, List<String> args) throws Exception {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    String environment =
        "/\0PATH=/usr/bin:/bin\0SPL_URL="
            + coordinator.url()
            + "\0SPL_CHILD_CREDENTIAL="
            + credential
            + "\0\0";
    body.writeBytes(environment.getBytes(StandardCharsets.UTF_8));
    for (String arg : args) {
      body.writeBytes((arg + "\0").getBytes(StandardCharsets.UTF_8));
    }
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(worker + "/v1/children/spl"))
            .header("Content-Type", "application/octet-stream")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (credential != null) {
      request.header("Spl-Child-Credential", credential);
    }
    return java.net.http.HttpClient.newHttpClient()
        .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
  }
}
