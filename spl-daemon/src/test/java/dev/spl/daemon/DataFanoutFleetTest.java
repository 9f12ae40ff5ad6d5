package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildTemplate;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutPolicy;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.ItemChunk;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.daemon.exec.EchoExecutor;
import dev.spl.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Data fan-outs through a real fleet in one JVM: a coordinator that reads items from its store and
 * spawns within the window, workers that run shards, the results, policies and retries.
 */
class DataFanoutFleetTest {
  @RegisterExtension final TestFleet fleet = new TestFleet();

  private Daemon coordinator() {
    return fleet.coordinator();
  }

  private Daemon worker(Daemon coordinator, String alias, DaemonConfig config) {
    return fleet.start(config);
  }

  private DaemonConfig echoWorker(Daemon coordinator, String alias, Duration delay, int slots) {
    return fleet
        .config(alias)
        .echoMode(EchoExecutor.Mode.COMPUTE)
        .fleet(
            FleetSettings.builder()
                .worker(alias, coordinator.url())
                .heartbeatInterval(FleetTestSupport.INTERVAL)
                .executor(FleetSettings.ExecutorKind.ECHO)
                .echoDelay(delay)
                .slots(slots)
                .build())
        .build();
  }

  private DaemonConfig shellWorker(Daemon coordinator, String alias) {
    return fleet
        .config(alias)
        .fleet(
            FleetSettings.builder()
                .worker(alias, coordinator.url())
                .heartbeatInterval(FleetTestSupport.INTERVAL)
                .executor(FleetSettings.ExecutorKind.SHELL)
                .echoDelay(Duration.ZERO)
                .slots(4)
                .build())
        .build();
  }

  private static void awaitLiveWorkers(Daemon coordinator, int n) {
    Await.until(
        n + " workers live",
        () ->
            coordinator.fleetRegistry().orElseThrow().instances().stream()
                    .filter(
                        i -> i.role().wire().equals("worker") && i.status().wire().equals("live"))
                    .count()
                == n);
  }

  /** Items in chunks and the parent, as {@code spl task fan-out --items} writes them. */
  private static FleetTestSupport.FanoutHandle fanOut(
      Daemon coordinator, DataLoop loop, List<JsonNode> items, FanoutOptions options) {
    String thread = ThreadIds.derive("task", UUID.randomUUID().toString());
    List<Record> records = new ArrayList<>();
    List<String> chunkIds = new ArrayList<>();
    long clock = 1;
    for (ItemChunk chunk : ItemChunk.split("data", items)) {
      Record record =
          new Record(thread, FleetTestSupport.USER, Act.LEARN, chunk.toBody(), clock++, List.of());
      records.add(record);
      chunkIds.add(record.id());
    }
    FanoutParent parent =
        new FanoutParent(
            "data",
            "all",
            loop.width(),
            chunkIds,
            FanoutRecords.DEFAULT_MAX_ATTEMPTS,
            null,
            System.currentTimeMillis(),
            loop,
            options);
    Record parentRecord =
        new Record(thread, FleetTestSupport.USER, Act.INTEND, parent.toBody(), clock, chunkIds);
    records.add(parentRecord);
    var response = FleetTestSupport.post(coordinator, records);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return new FleetTestSupport.FanoutHandle(parentRecord.id(), thread, "data", loop.width());
  }

  private static JsonNode joinOf(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    Await.until(
        "the join completed",
        () -> !onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).isEmpty());
    return onParentThread(coordinator, fanout, FanoutRecords.JOIN_COMPLETE).get(0).record().body();
  }

  /**
   * The most children of the fan-out running at any one time, from when their workers started and
   * ended each attempt ({@code started_at}, {@code finished_at} of its result: the workers share
   * this JVM's clock). An attempt cancelled before it started never ran. With {@code
   * --max-concurrency} more are spawned than run: the rest wait in their workers' queues.
   */
  private static int mostRunningAtOnce(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    List<long[]> edges = new ArrayList<>();
    for (StoredRecord stored : onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE)) {
      JsonNode body = stored.record().body();
      long from = body.path("started_at").asLong();
      long to = body.path("finished_at").asLong();
      if (!body.path("summary").asText().startsWith("cancelled before it started")) {
        edges.add(new long[] {from, 1});
        edges.add(new long[] {to, -1});
      }
    }
    // At the same millisecond an attempt that ends frees its place before one that starts.
    edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    int running = 0;
    int most = 0;
    for (long[] edge : edges) {
      running += (int) edge[1];
      most = Math.max(most, running);
    }
    return most;
  }

  /** The most children of the fan-out spawned and not yet done, replayed in append order. */
  private static int mostSpawnedAtOnce(Daemon coordinator, FleetTestSupport.FanoutHandle fanout) {
    List<StoredRecord> log = new ArrayList<>();
    log.addAll(onParentThread(coordinator, fanout, FanoutRecords.SPAWNED));
    log.addAll(onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE));
    log.sort((a, b) -> Long.compare(a.seq(), b.seq()));
    Set<String> spawned = new HashSet<>();
    int most = 0;
    for (StoredRecord stored : log) {
      JsonNode body = stored.record().body();
      if (FanoutRecords.SPAWNED.equals(stored.record().topic())) {
        for (JsonNode spawn : body.path("spawns")) {
          spawned.add(spawn.path("index").asInt() + ":" + spawn.path("attempt").asInt());
        }
      } else {
        spawned.remove(body.path("index").asInt() + ":" + body.path("attempt").asInt());
      }
      most = Math.max(most, spawned.size());
    }
    return most;
  }

  @Test
  void aRangeInShardsRunsWithinTheWindowAndEveryShardComputesItsSlice() {
    Daemon coordinator = coordinator();
    worker(coordinator, "worker-a", echoWorker(coordinator, "worker-a", Duration.ofMillis(30), 8));
    worker(coordinator, "worker-b", echoWorker(coordinator, "worker-b", Duration.ofMillis(30), 8));
    awaitLiveWorkers(coordinator, 2);

    DataLoop loop =
        DataLoop.range(0, 1000, 25, ChildTemplate.parseCli("goal=Sum shard {{shard}} of {{n}}"));
    var fanout =
        fanOut(
            coordinator,
            loop,
            List.of(),
            new FanoutOptions(FanoutPolicy.ALL, 0, FanoutOptions.DEFAULT_BACKOFF_MILLIS, 3));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("fanin").path("status").asText()).isEqualTo("complete");
    assertThat(join.path("fanin").path("succeeded").asInt()).isEqualTo(40);
    List<StoredRecord> done = onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE);
    assertThat(done).hasSize(40);
    long total = 0;
    for (StoredRecord stored : done) {
      int shard = stored.record().body().path("index").asInt();
      long expected = 0;
      for (long point = shard * 25L; point < shard * 25L + 25; point++) {
        expected += point;
      }
      assertThat(stored.record().body().path("value").asLong())
          .as("shard " + shard)
          .isEqualTo(expected);
      total += stored.record().body().path("value").asLong();
    }
    assertThat(total).isEqualTo(999L * 1000 / 2);
    int most = mostRunningAtOnce(coordinator, fanout);
    assertThat(most).isLessThanOrEqualTo(3);
    // 16 free slots, but never more than 3 at once, and all 3 were used.
    assertThat(most).isEqualTo(3);
    // More than the cap was spawned ahead, to wait in the workers' queues behind their shares.
    assertThat(mostSpawnedAtOnce(coordinator, fanout)).isGreaterThan(3);
  }

  @Test
  void itemsAreReadFromTheStoreAndEachChildGetsItsSliceAndStableIdentity() {
    Daemon coordinator = coordinator();
    Daemon a =
        worker(coordinator, "worker-a", echoWorker(coordinator, "worker-a", Duration.ZERO, 4));
    awaitLiveWorkers(coordinator, 1);
    List<JsonNode> items = new ArrayList<>();
    for (int i = 0; i < 25_000; i++) {
      items.add(TextNode.valueOf("file-" + i + ".txt"));
    }
    DataLoop loop =
        DataLoop.items(items.size(), 1000, ChildTemplate.parseCli("goal=Hash {{shard}}"));

    var fanout = fanOut(coordinator, loop, items, FanoutOptions.DEFAULTS);

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    List<StoredRecord> intents = FleetTestSupport.childIntents(a, fanout);
    assertThat(intents).hasSize(25);
    Map<Integer, JsonNode> byShard = new HashMap<>();
    intents.forEach(r -> byShard.put(r.record().body().path("shard").asInt(), r.record().body()));
    JsonNode last = byShard.get(24);
    assertThat(last.path("iter_from").asLong()).isEqualTo(24_000);
    assertThat(last.path("iter_to").asLong()).isEqualTo(25_000);
    assertThat(last.path("items")).hasSize(1000);
    assertThat(last.path("items").get(0).asText()).isEqualTo("file-24000.txt");
    assertThat(last.path("idempotency_key").asText())
        .isEqualTo(DataLoop.idempotencyKey(fanout.id(), 24, 24_000, 25_000));
    for (StoredRecord stored : onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE)) {
      assertThat(stored.record().body().path("value").asText()).startsWith("sha256:");
    }
  }

  @Test
  void failedChildrenAreRetriedWithTheSameKeyAndTheFanInCountsTheRetries() {
    Daemon coordinator = coordinator();
    Daemon a = worker(coordinator, "worker-a", shellWorker(coordinator, "worker-a"));
    awaitLiveWorkers(coordinator, 1);
    // Each child fails its first attempt and succeeds on its second.
    DataLoop loop =
        DataLoop.range(
            0,
            4,
            1,
            ChildTemplate.parseCli(
                "goal=Flaky {{item}},run=echo \"$SPL_IDEMPOTENCY_KEY\" >> keys.txt;"
                    + " test \"$SPL_ATTEMPT\" -ge 2"));

    var fanout =
        fanOut(coordinator, loop, List.of(), new FanoutOptions(FanoutPolicy.ALL, 2, 50, 0));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("accept");
    assertThat(join.path("fanin").path("status").asText()).isEqualTo("complete");
    assertThat(join.path("fanin").path("retried").asInt()).isEqualTo(4);
    assertThat(join.path("fanin").path("retries").asInt()).isEqualTo(4);
    Map<Integer, Set<String>> keys = new HashMap<>();
    for (StoredRecord intent : FleetTestSupport.childIntents(a, fanout)) {
      keys.computeIfAbsent(intent.record().body().path("shard").asInt(), s -> new HashSet<>())
          .add(intent.record().body().path("idempotency_key").asText());
    }
    assertThat(keys).hasSize(4);
    keys.forEach((shard, seen) -> assertThat(seen).as("shard " + shard).hasSize(1));
    assertThat(FleetTestSupport.childIntents(a, fanout)).hasSize(8);
  }

  @Test
  void failFastStopsSpawningAndCancelsRunningAndQueuedSiblings() {
    Daemon coordinator = coordinator();
    worker(coordinator, "worker-a", shellWorker(coordinator, "worker-a"));
    awaitLiveWorkers(coordinator, 1);
    List<JsonNode> items = new ArrayList<>();
    items.add(TextNode.valueOf("bad"));
    for (int i = 0; i < 20; i++) {
      items.add(TextNode.valueOf("slow-" + i));
    }
    DataLoop loop =
        DataLoop.items(
            items.size(),
            1,
            ChildTemplate.parseCli(
                "goal=Check {{item}},run=test {{item}} != bad || exit 3; sleep 60"));

    var fanout =
        fanOut(
            coordinator,
            loop,
            items,
            new FanoutOptions(FanoutPolicy.FAIL_FAST, 0, FanoutOptions.DEFAULT_BACKOFF_MILLIS, 4));

    JsonNode join = joinOf(coordinator, fanout);
    assertThat(join.path("verdict").asText()).isEqualTo("reject");
    assertThat(join.path("fanin").path("status").asText()).isEqualTo("failed");
    assertThat(join.path("fanin").path("failed").asInt()).isEqualTo(1);
    assertThat(join.path("fanin").path("cancelled").asInt()).isEqualTo(20);
    // The siblings spawned (four running, the others queued on the worker) were all cancelled,
    // the running ones stopped before their sleep 60 ran out.
    int spawned =
        onParentThread(coordinator, fanout, FanoutRecords.SPAWNED).stream()
            .mapToInt(r -> r.record().body().path("spawns").size())
            .sum();
    assertThat(spawned).isEqualTo(21);
    Await.until(
        "every spawned sibling reported cancelled",
        () ->
            onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
                    .filter(r -> r.record().body().path("verdict").asText().equals("cancelled"))
                    .count()
                == spawned - 1);
    assertThat(mostRunningAtOnce(coordinator, fanout)).isLessThanOrEqualTo(4);
    // The fan-out's route counts its children by state, as join-status shows a wide one.
    JsonNode status = new Http(coordinator.url()).get("/v1/fanouts/" + fanout.id()).json();
    assertThat(status.path("by_state").size()).isEqualTo(2);
    assertThat(status.path("by_state").path("reject").asInt()).isEqualTo(1);
    assertThat(status.path("by_state").path("cancelled").asInt()).isEqualTo(20);
  }
}
