package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordJson;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.auth.Ed25519;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.fanout.CancelRequest;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildTemplate;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.FaninSpec;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.NestedFanouts;
import dev.spl.core.fanout.Reducer;
import dev.spl.core.fanout.SubtaskChunk;
import dev.spl.core.fanout.SubtaskParser;
import dev.spl.core.fanout.SubtaskSpec;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shell child fans out itself with the credential its worker gives it (docs/fan-in.md#nested-
 * fan-out): a coordinator with a fleet token and one shell worker with a single slot, in one JVM.
 * The child reaches the coordinator with curl, as any program may; the CLI's own path is spl-cli's
 * test.
 */
class NestedFanoutFleetTest {
  private static final String TOKEN = "nested-fanout-test-token-0123456789";
  private static final String NAMESPACE = "nest";

  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Daemon coordinator;
  private Daemon worker;
  private int maxFanoutDepth = NestedFanouts.DEFAULT_MAX_DEPTH;

  @AfterEach
  void stopAll() throws IOException {
    Files.writeString(dir.resolve("release"), "");
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private void startFleet() {
    coordinator =
        Daemon.start(
            coordinatorConfig(dir.resolve("coordinator")).toBuilder()
                .token(TOKEN)
                .maxFanoutDepth(maxFanoutDepth)
                .build());
    daemons.add(coordinator);
    worker =
        Daemon.start(
            DaemonConfig.builder(dir.resolve("worker"))
                .port(0)
                .durability(Durability.FAST)
                .token(TOKEN)
                .fleet(
                    FleetSettings.builder()
                        .worker("worker", coordinator.url())
                        .heartbeatInterval(FleetTestSupport.INTERVAL)
                        .executor(FleetSettings.ExecutorKind.SHELL)
                        .echoDelay(Duration.ZERO)
                        .slots(1)
                        .build())
                .build());
    daemons.add(worker);
  }

  private Http operator() {
    return new Http(coordinator.url(), "Bearer " + TOKEN);
  }

  private Path script(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(
        file, "#!/bin/sh\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }

  /**
   * The nested fan-out a child posts, on the placeholder thread CHILD_THREAD: a range 0..3 whose
   * children run {@code leaf} and report {"v": their point}, summed into {@code total}.
   */
  private void nestedTemplate(Path leaf, String reducer) throws IOException {
    DataLoop loop = DataLoop.range(0, 3, 1, ChildTemplate.parseCli("goal=leaf,run=" + leaf));
    ObjectNode body =
        new FanoutParent(
                NAMESPACE,
                "all",
                3,
                List.of(),
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                System.currentTimeMillis(),
                loop,
                FanoutOptions.DEFAULTS,
                new FaninSpec(Reducer.parseAll(List.of(reducer), "--reduce")))
            .toBody();
    Record record =
        new Record("th_" + "0".repeat(64), "did:sync:user:child", Act.INTEND, body, 1, List.of());
    String json =
        RecordIds.contentOf(record).toString().replace("th_" + "0".repeat(64), "CHILD_THREAD");
    Files.writeString(dir.resolve("nested.json"), json);
  }

  /** The outer child: dumps its environment, posts its nested fan-out with its credential. */
  private Path outerScript() throws IOException {
    return script(
        "outer.sh",
        "env > '" + dir + "'/env-$SPL_INDEX",
        "sed \"s/CHILD_THREAD/$SPL_CHILD_THREAD/\" '" + dir + "/nested.json' > nested.json",
        "code=$(curl -s -o answer.json -w '%{http_code}' -H \"Spl-Child-Credential:"
            + " $SPL_CHILD_CREDENTIAL\" -H 'Content-Type: application/json' --data-binary"
            + " @nested.json \"$SPL_URL/v1/records\")",
        "cp answer.json '" + dir + "'/answer-$SPL_INDEX",
        "[ \"$code\" = 201 ]");
  }

  /** The outer fan-out: {@code n} listed children running {@code run}, reduced by reducer. */
  private String outerFanout(int n, Path run, String reducer) {
    String thread = ThreadIds.derive("task", UUID.randomUUID().toString());
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      specs.add(SubtaskParser.parseCli(i, "goal=outer " + i + ",run=" + run));
    }
    List<Record> records = new ArrayList<>();
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk :
        SubtaskChunk.split(NAMESPACE, specs, FanoutRecords.DEFAULT_CHUNK_SIZE)) {
      Record record =
          new Record(thread, FleetTestSupport.USER, Act.LEARN, chunk.toBody(), 1, List.of());
      records.add(record);
      chunkIds.add(record.id());
    }
    ObjectNode parent =
        new FanoutParent(
                NAMESPACE,
                "all",
                n,
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                System.currentTimeMillis(),
                null,
                FanoutOptions.DEFAULTS,
                reducer == null
                    ? FaninSpec.NONE
                    : new FaninSpec(Reducer.parseAll(List.of(reducer), "--reduce")))
            .toBody();
    Record parentRecord =
        new Record(thread, FleetTestSupport.USER, Act.INTEND, parent, 2, chunkIds);
    records.add(parentRecord);
    ArrayNode array = Json.MAPPER.createArrayNode();
    records.forEach(r -> array.add(RecordJson.toJson(r, r.id())));
    Http.Response response = operator().post("/v1/records", array.toString());
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return thread;
  }

  private JoinComplete awaitJoin(String thread) {
    return Await.untilPresent(
        "the join of " + thread,
        Duration.ofSeconds(60),
        () ->
            query(coordinator, thread, FanoutRecords.JOIN_COMPLETE, Act.KNOW).stream()
                .findFirst()
                .flatMap(stored -> JoinComplete.of(stored.record())));
  }

  private List<ChildDone> dones(String thread) {
    return query(coordinator, thread, FanoutRecords.CHILD_DONE, Act.KNOW).stream()
        .map(stored -> ChildDone.fromBody(stored.record().body()))
        .toList();
  }

  @Test
  void childrenFanOutThemselvesOnOneSlotAndTheOuterFanInSeesTheNestedSums() throws Exception {
    startFleet();
    Path leaf = script("leaf.sh", "printf '{\"v\":%s}' \"$SPL_ITER_FROM\" > \"$SPL_RESULT_FILE\"");
    nestedTemplate(leaf, "total=sum(result.v)");
    String outer = outerFanout(2, outerScript(), "grand=sum(result.reduced.total)");

    JoinComplete join = awaitJoin(outer);
    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    // Each nested range sums 0 + 1 + 2; the outer reducer sees each outer child's result once.
    assertThat(join.reduced().get("grand").get("value").asLong()).isEqualTo(6);
    List<StoredRecord> outerDones = query(coordinator, outer, FanoutRecords.CHILD_DONE, Act.KNOW);
    // The worker's result of each command and the coordinator's once the nested fan-in ended.
    assertThat(outerDones.stream().filter(d -> d.record().body().has(NestedFanouts.NESTED_FIELD)))
        .hasSize(2);
    for (ChildDone done : dones(outer)) {
      if (done.output().result() != null && done.output().result().has("nested")) {
        JsonNode result = done.output().result();
        assertThat(result.get("status").asText()).isEqualTo("complete");
        assertThat(result.get("succeeded").asInt()).isEqualTo(3);
        assertThat(result.get("reduced").get("total").asLong()).isEqualTo(3);
        String nestedThread = result.get("thread").asText();
        assertThat(awaitJoin(nestedThread).verdict()).isEqualTo(JoinComplete.ACCEPT);
      }
    }
    for (int i = 0; i < 2; i++) {
      String env = Files.readString(dir.resolve("env-" + i));
      assertThat(env)
          .contains("SPL_CHILD_CREDENTIAL=spl-child-v1.")
          .contains("SPL_URL=" + coordinator.url())
          .doesNotContain(TOKEN)
          .doesNotContain(Ed25519.privateKeyText(worker.trust().key().privateKey()));
    }
  }

  @Test
  void aChildCredentialWritesOnlyItsOwnNestedFanoutAndOnlyWhileItsAttemptRuns() throws Exception {
    startFleet();
    Path hold =
        script(
            "hold.sh",
            "printf '%s' \"$SPL_CHILD_CREDENTIAL\" > '" + dir + "'/credential.tmp",
            "mv '" + dir + "'/credential.tmp '" + dir + "'/credential",
            "i=0; while [ ! -e '"
                + dir
                + "'/release ] && [ $i -lt 600 ]; do sleep 0.05;"
                + " i=$((i+1)); done");
    String outer = outerFanout(1, hold, null);
    Path file = dir.resolve("credential");
    Await.until("the child wrote its credential", () -> Files.exists(file));
    String credential = Files.readString(file);
    Http child = new Http(coordinator.url());
    String header = ChildCredential.HEADER;
    long before = storedOutsideTheRegistry();

    // Reads are covered; without any credential there is no way in.
    assertThat(child.get("/v1/fleet/status", header, credential).status()).isEqualTo(200);
    assertThat(child.get("/v1/fleet/status").status()).isEqualTo(401);
    // No route but reads and records: no freeze through the control route.
    Http.Response route =
        child.post(
            "/v1/control/freeze", "{\"namespace\":\"nest\",\"reason\":\"x\"}", header, credential);
    assertThat(route.status()).isEqualTo(403);
    assertThat(route.text()).contains("CHILD_CREDENTIAL_OUT_OF_SCOPE");

    ChildCredential parsed = ChildCredential.parse(credential);
    String childThread = parsed.childThread();
    // A freeze record, a cancel of the outer task, a fan-out on another thread: out of scope.
    ObjectNode freeze = Json.MAPPER.createObjectNode();
    freeze.put("topic", "freeze");
    freeze.put("namespace", NAMESPACE);
    freeze.put("level", "soft");
    freeze.put("grace_secs", 0);
    freeze.put("reason", "a child's freeze");
    freeze.put("issued_by", "child");
    freeze.put("issued_at", 1);
    assertRefused(
        child,
        credential,
        new Record(ThreadIds.FLEET_CONTROL, "did:sync:user:child", Act.LEARN, freeze, 1, List.of()),
        "CHILD_CREDENTIAL_OUT_OF_SCOPE");
    String outerId = query(coordinator, outer, FanoutRecords.FANOUT, Act.INTEND).get(0).id();
    assertRefused(
        child,
        credential,
        new Record(
            outer,
            "did:sync:user:child",
            Act.LEARN,
            new CancelRequest(NAMESPACE, outerId, "from a child").toBody(),
            1,
            List.of()),
        "CHILD_CREDENTIAL_OUT_OF_SCOPE");
    nestedTemplate(dir.resolve("leaf-never-run"), "total=sum(result.v)");
    String nested = Files.readString(dir.resolve("nested.json"));
    String otherThread = ThreadIds.derive("task", "another");
    assertRefusedJson(
        child,
        credential,
        nested.replace("CHILD_THREAD", otherThread),
        "CHILD_CREDENTIAL_OUT_OF_SCOPE");
    // Another namespace on its own thread: out of scope too.
    assertRefusedJson(
        child,
        credential,
        nested.replace("CHILD_THREAD", childThread).replace("\"nest\"", "\"other\""),
        "CHILD_CREDENTIAL_OUT_OF_SCOPE");
    // Altered (another attempt) and forged (another key for the worker's DID): refused.
    ChildCredential altered =
        new ChildCredential(parsed.worker(), childThread, parsed.attempt() + 1, parsed.signature());
    assertRefusedJson(
        child,
        altered.text(),
        nested.replace("CHILD_THREAD", childThread),
        "CHILD_CREDENTIAL_INVALID");
    InstanceKey impostor = InstanceKey.generateFor(parsed.worker());
    String forged = ChildCredential.issue(impostor, childThread, parsed.attempt()).text();
    assertRefusedJson(
        child, forged, nested.replace("CHILD_THREAD", childThread), "CHILD_CREDENTIAL_INVALID");
    assertThat(storedOutsideTheRegistry()).isEqualTo(before);

    Files.writeString(dir.resolve("release"), "");
    assertThat(awaitJoin(outer).verdict()).isEqualTo(JoinComplete.ACCEPT);
    // The attempt ended: the same credential no longer counts, for reads or writes.
    Http.Response after = child.get("/v1/fleet/status", header, credential);
    assertThat(after.status()).isEqualTo(403);
    assertThat(after.text()).contains("CHILD_CREDENTIAL_NOT_CURRENT");
    long ended = storedOutsideTheRegistry();
    assertRefusedJson(
        child,
        credential,
        nested.replace("CHILD_THREAD", childThread),
        "CHILD_CREDENTIAL_NOT_CURRENT");
    assertThat(storedOutsideTheRegistry()).isEqualTo(ended);
  }

  @Test
  void cancellingTheOuterTaskCancelsTheNestedFanoutItsWaitingChildMade() throws Exception {
    startFleet();
    Path leaf =
        script(
            "leaf.sh",
            "i=0; while [ ! -e '"
                + dir
                + "'/release ] && [ $i -lt 600 ]; do sleep 0.05;"
                + " i=$((i+1)); done",
            "printf '{\"v\":1}' > \"$SPL_RESULT_FILE\"");
    nestedTemplate(leaf, "total=sum(result.v)");
    String outer = outerFanout(1, outerScript(), null);
    String nestedThread =
        Await.untilPresent(
            "the outer child waits for its nested fan-in",
            Duration.ofSeconds(30),
            () ->
                coordinator
                    .reconciler()
                    .flatMap(
                        loop ->
                            DaemonFanoutEndpoints.answerOf(
                                loop.read(
                                    fanouts ->
                                        fanouts.all().stream()
                                            .filter(s -> s.ref().thread().equals(outer))
                                            .filter(s -> s.waitingForNested(0))
                                            .map(s -> s.childThread(0))
                                            .findFirst()))));
    String outerId = query(coordinator, outer, FanoutRecords.FANOUT, Act.INTEND).get(0).id();
    Record cancel =
        new Record(
            outer,
            FleetTestSupport.USER,
            Act.LEARN,
            new CancelRequest(NAMESPACE, outerId, "stop it all").toBody(),
            5,
            List.of());
    assertThat(
            operator()
                .post("/v1/records", RecordJson.toJson(cancel, cancel.id()).toString())
                .status())
        .isEqualTo(201);

    assertThat(awaitJoin(outer).verdict()).isEqualTo(JoinComplete.CANCELLED);
    assertThat(awaitJoin(nestedThread).verdict()).isEqualTo(JoinComplete.CANCELLED);
    assertThat(query(coordinator, nestedThread, FanoutRecords.CANCEL_REQUEST, Act.LEARN))
        .singleElement()
        .satisfies(r -> assertThat(r.record().actor()).isEqualTo(coordinator.did()));
  }

  @Test
  void aCoordinatorWithDepthLimitTwoTakesTheNestedFanoutAndRefusesTheOneBelowIt() throws Exception {
    maxFanoutDepth = 2;
    startFleet();
    JsonNode status = Json.MAPPER.readTree(operator().get("/v1/fleet/status").text());
    assertThat(status.path("fanouts").path("max_fanout_depth").asInt()).isEqualTo(2);
    // Depth 3: each child of the nested fan-out tries a fan-out of its own, then reports.
    Path leaf = script("leaf.sh", "printf '{\"v\":1}' > \"$SPL_RESULT_FILE\"");
    nestedTemplate(leaf, "total=sum(result.v)");
    Files.move(dir.resolve("nested.json"), dir.resolve("deep.json"));
    Path deep =
        script(
            "deep.sh",
            "sed \"s/CHILD_THREAD/$SPL_CHILD_THREAD/\" '" + dir + "/deep.json' > deep.json",
            "code=$(curl -s -o answer.json -w '%{http_code}' -H \"Spl-Child-Credential:"
                + " $SPL_CHILD_CREDENTIAL\" -H 'Content-Type: application/json' --data-binary"
                + " @deep.json \"$SPL_URL/v1/records\")",
            "cp answer.json '" + dir + "'/deep-answer-$SPL_INDEX",
            "printf '%s' \"$code\" > '" + dir + "'/deep-code-$SPL_INDEX",
            "printf '{\"v\":1}' > \"$SPL_RESULT_FILE\"");
    // Depth 2: the outer child's own fan-out, whose three children run deep.sh.
    nestedTemplate(deep, "total=sum(result.v)");
    String outer = outerFanout(1, outerScript(), "grand=sum(result.reduced.total)");

    JoinComplete join = awaitJoin(outer);
    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(join.reduced().get("grand").get("value").asLong()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      assertThat(Files.readString(dir.resolve("deep-code-" + i))).isEqualTo("403");
      JsonNode refusal = Json.MAPPER.readTree(Files.readString(dir.resolve("deep-answer-" + i)));
      assertThat(refusal.toString()).contains("\"code\":\"FANOUT_TOO_DEEP\"");
      assertThat(refusal.path("message").asText())
          .contains("would be at depth 3")
          .contains("allows at most 2");
    }
    // Two fan-outs were taken (the task's and its child's), none at depth 3.
    int fanouts =
        DaemonFanoutEndpoints.answerOf(
            coordinator.reconciler().orElseThrow().read(all -> all.all().size()));
    assertThat(fanouts).isEqualTo(2);
  }

  private void control(String topic, String level) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", topic);
    body.put("namespace", NAMESPACE);
    if (level != null) {
      body.put("level", level);
      body.put("grace_secs", 0);
      body.put("reason", "a drill during a nested run");
    }
    body.put("issued_by", "tester");
    body.put("issued_at", System.currentTimeMillis());
    Record record =
        new Record(
            ThreadIds.FLEET_CONTROL,
            FleetTestSupport.USER,
            Act.LEARN,
            body,
            System.nanoTime(),
            List.of());
    Http.Response response =
        operator().post("/v1/records", RecordJson.toJson(record, record.id()).toString());
    assertThat(response.status()).as(response.text()).isEqualTo(201);
  }

  @Test
  void aHardFreezeOfTheNamespaceReachesTheNestedChildrenAndTheRunEndsAfterTheUnfreeze()
      throws Exception {
    startFleet();
    Path leaf =
        script(
            "leaf.sh",
            "i=0; while [ ! -e '"
                + dir
                + "'/release ] && [ $i -lt 600 ]; do sleep 0.05;"
                + " i=$((i+1)); done",
            "printf '{\"v\":%s}' \"$SPL_ITER_FROM\" > \"$SPL_RESULT_FILE\"");
    nestedTemplate(leaf, "total=sum(result.v)");
    String outer = outerFanout(1, outerScript(), "grand=sum(result.reduced.total)");
    String nestedThread =
        Await.untilPresent(
            "a nested child runs",
            Duration.ofSeconds(30),
            () ->
                coordinator
                    .reconciler()
                    .flatMap(
                        loop ->
                            DaemonFanoutEndpoints.answerOf(
                                loop.read(
                                    fanouts ->
                                        fanouts.all().stream()
                                            .filter(s -> s.ref().thread().equals(outer))
                                            .filter(s -> s.waitingForNested(0))
                                            .map(s -> s.childThread(0))
                                            .findFirst()))));
    Await.until(
        "a nested child was spawned",
        () -> !query(coordinator, nestedThread, FanoutRecords.SPAWNED, Act.DO).isEmpty());

    control("freeze", "hard");
    // The running nested child is stopped as interrupted, not failed: the freeze reached level 2.
    Await.until(
        "a nested child interrupted by the hard freeze",
        Duration.ofSeconds(30),
        () ->
            dones(nestedThread).stream()
                .anyMatch(d -> FanoutRecords.INTERRUPTED_BY_HARD_FREEZE.equals(d.interruptedBy())));
    Files.writeString(dir.resolve("release"), "");
    control("unfreeze", null);

    JoinComplete join = awaitJoin(outer);
    assertThat(join.verdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(join.reduced().get("grand").get("value").asLong()).isEqualTo(3);
  }

  private void assertRefused(Http child, String credential, Record record, String code) {
    assertRefusedJson(child, credential, RecordJson.toJson(record, record.id()).toString(), code);
  }

  private void assertRefusedJson(Http child, String credential, String json, String code) {
    Http.Response response = child.post("/v1/records", json, ChildCredential.HEADER, credential);
    assertThat(response.status()).as(response.text()).isEqualTo(403);
    assertThat(response.text()).contains("\"code\":\"" + code + "\"");
  }

  /**
   * How many records the coordinator holds outside the registry thread, where a loaded machine can
   * add an instance's status transition at any moment.
   */
  private long storedOutsideTheRegistry() {
    long stored = 0;
    long after = 0;
    while (true) {
      List<StoredRecord> page =
          coordinator.records().query(RecordQuery.all(after, RecordQuery.MAX_LIMIT));
      if (page.isEmpty()) {
        return stored;
      }
      for (StoredRecord record : page) {
        if (!ThreadIds.INSTANCE_REGISTRY.equals(record.record().thread())) {
          stored++;
        }
      }
      after = page.get(page.size() - 1).seq();
    }
  }
}
