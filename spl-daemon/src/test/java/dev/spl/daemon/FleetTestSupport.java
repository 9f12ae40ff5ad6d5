package dev.spl.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutOptions;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.SubtaskChunk;
import dev.spl.core.fanout.SubtaskParser;
import dev.spl.core.fanout.SubtaskSpec;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.Role;
import dev.spl.core.store.Durability;
import dev.spl.daemon.auth.SignedHeartbeats;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * In-process fleets for tests: a coordinator on port 0 in its own folder, plus daemons that stand
 * in for workers (they receive child INTENDs; the test heartbeats for them and reports their
 * results itself).
 */
final class FleetTestSupport {
  static final Duration INTERVAL = Duration.ofMillis(100);
  static final String USER = "did:sync:user:tester";

  private FleetTestSupport() {}

  /** How long the coordinators of tests in which no worker is lost wait before moving work. */
  static final Duration STABLE_LEASE = Duration.ofSeconds(30);

  /**
   * A coordinator for tests in which no worker is lost: fast heartbeats, so workers register at
   * once, and a long lease, so a pause of a busy machine does not move children that the test
   * counts (tests of a lost worker pass the interval, and keep its 3-interval lease).
   */
  static DaemonConfig coordinatorConfig(Path home) {
    DaemonConfig config = coordinatorConfig(home, INTERVAL);
    return config.toBuilder().fleet(config.fleet().toBuilder().lease(STABLE_LEASE).build()).build();
  }

  static DaemonConfig coordinatorConfig(Path home, Duration heartbeatInterval) {
    return DaemonConfig.builder(home)
        .port(0)
        .durability(Durability.FAST)
        .fleet(FleetSettings.builder().heartbeatInterval(heartbeatInterval).build())
        .build();
  }

  /** A fan-out as the CLI writes it: descriptor chunks and the parent INTEND, in one request. */
  record FanoutHandle(String id, String thread, String namespace, int width) {
    FanoutRef ref() {
      return new FanoutRef(id, thread, namespace);
    }
  }

  static List<Record> fanoutRecords(
      String thread, String namespace, String join, List<String> descriptors) {
    return fanoutRecords(thread, namespace, join, descriptors, FanoutOptions.DEFAULTS);
  }

  static List<Record> fanoutRecords(
      String thread,
      String namespace,
      String join,
      List<String> descriptors,
      FanoutOptions options) {
    return fanoutRecords(thread, namespace, join, descriptors, options, null);
  }

  /** As above, into worktrees as {@code worktree} says (null: none). */
  static List<Record> fanoutRecords(
      String thread,
      String namespace,
      String join,
      List<String> descriptors,
      FanoutOptions options,
      Worktrees.Spec worktree) {
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < descriptors.size(); i++) {
      specs.add(SubtaskParser.parseJson(i, parse(descriptors.get(i))));
    }
    List<Record> records = new ArrayList<>();
    List<String> chunkIds = new ArrayList<>();
    long clock = 1;
    for (SubtaskChunk chunk :
        SubtaskChunk.split(namespace, specs, FanoutRecords.DEFAULT_CHUNK_SIZE)) {
      Record record = new Record(thread, USER, Act.LEARN, chunk.toBody(), clock++, List.of());
      records.add(record);
      chunkIds.add(record.id());
    }
    ObjectNode parent =
        new FanoutParent(
                namespace,
                join,
                specs.size(),
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                System.currentTimeMillis(),
                null,
                options,
                null,
                worktree)
            .toBody();
    records.add(new Record(thread, USER, Act.INTEND, parent, clock, chunkIds));
    return records;
  }

  static FanoutHandle fanOut(
      Daemon coordinator, String namespace, String join, List<String> descriptors) {
    return fanOut(coordinator, namespace, join, descriptors, FanoutOptions.DEFAULTS);
  }

  static FanoutHandle fanOut(
      Daemon coordinator,
      String namespace,
      String join,
      List<String> descriptors,
      FanoutOptions options) {
    return fanOut(coordinator, namespace, join, descriptors, options, null);
  }

  /**
   * A fan-out in namespace {@code dev} into worktrees as {@code worktree} says, as {@code spl task
   * fan-out --repo} writes it.
   */
  static FanoutHandle worktreeFanOut(
      Daemon coordinator, String join, Worktrees.Spec worktree, List<String> descriptors) {
    return fanOut(coordinator, "dev", join, descriptors, FanoutOptions.DEFAULTS, worktree);
  }

  private static FanoutHandle fanOut(
      Daemon coordinator,
      String namespace,
      String join,
      List<String> descriptors,
      FanoutOptions options,
      Worktrees.Spec worktree) {
    String thread = ThreadIds.derive("task", UUID.randomUUID().toString());
    List<Record> records = fanoutRecords(thread, namespace, join, descriptors, options, worktree);
    Http.Response response = post(coordinator, records);
    if (response.status() != 201) {
      throw new AssertionError("fan-out refused: " + response.status() + " " + response.text());
    }
    Record parent = records.get(records.size() - 1);
    return new FanoutHandle(parent.id(), thread, namespace, descriptors.size());
  }

  /** A subtask that runs {@code command}, its goal too. */
  static String runs(String command) {
    ObjectNode descriptor = Json.MAPPER.createObjectNode();
    descriptor.put("goal", command);
    descriptor.put("run", command);
    return descriptor.toString();
  }

  /** The config of a worker that runs its children in worktrees of {@code repo}. */
  static DaemonConfig worktreeWorkerConfig(Path home, String alias, Daemon coordinator, Path repo) {
    return DaemonConfig.builder(home)
        .port(0)
        .durability(Durability.FAST)
        .fleet(
            FleetSettings.builder()
                .worker(alias, coordinator.url())
                .heartbeatInterval(INTERVAL)
                .executor(FleetSettings.ExecutorKind.WORKTREE)
                .echoDelay(Duration.ZERO)
                .repo(repo.toString())
                .build())
        .build();
  }

  /** Waits until {@code coordinator} counts {@code count} live workers. */
  static void awaitLiveWorkers(Daemon coordinator, int count) {
    Await.until(
        count + " worker(s) live",
        () ->
            coordinator
                    .fleetRegistry()
                    .orElseThrow()
                    .directory(coordinator.url(), 10_000)
                    .live()
                    .size()
                == count);
  }

  static List<String> goals(int n) {
    List<String> goals = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      goals.add("{\"goal\":\"g" + i + "\"}");
    }
    return goals;
  }

  static Http.Response post(Daemon daemon, List<Record> records) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    records.forEach(r -> array.add(RecordJson.toJson(r, r.id())));
    return new Http(daemon.url()).post("/v1/records", array.toString());
  }

  static Http.Response post(Daemon daemon, Record record) {
    return new Http(daemon.url())
        .post("/v1/records", RecordJson.toJson(record, record.id()).toString());
  }

  static List<StoredRecord> query(Daemon daemon, String thread, String topic, Act act) {
    return daemon.records().query(new RecordQuery(thread, topic, act, 0, RecordQuery.MAX_LIMIT));
  }

  /** Child INTENDs a daemon received for one fan-out. */
  static List<StoredRecord> childIntents(Daemon worker, FanoutHandle fanout) {
    return query(worker, null, FanoutRecords.CHILD, Act.INTEND).stream()
        .filter(r -> fanout.id().equals(r.record().body().path("fanout").asText()))
        .toList();
  }

  static List<StoredRecord> onParentThread(Daemon coordinator, FanoutHandle fanout, String topic) {
    return query(coordinator, fanout.thread(), topic, null);
  }

  /** Reports a child's result to the coordinator as its worker would. */
  static Http.Response childDone(
      Daemon coordinator, StoredRecord childIntent, String workerDid, Verdict verdict) {
    ChildIntent intent = ChildIntent.fromBody(childIntent.record().body());
    long now = System.currentTimeMillis();
    ObjectNode done =
        new ChildDone(
                intent.namespace(),
                intent.fanout(),
                intent.index(),
                intent.attempt(),
                childIntent.record().thread(),
                workerDid,
                verdict,
                BigDecimal.ZERO,
                0.01,
                "result of " + intent.goal(),
                now,
                now,
                null)
            .toBody();
    Record record = new Record(intent.parentThread(), workerDid, Act.KNOW, done, now, List.of());
    Daemon worker = STAND_INS.get(workerDid);
    return worker == null ? post(coordinator, record) : postSigned(coordinator, worker, record);
  }

  /** Stand-in workers by DID, as their heartbeat pumps registered them: who signs their results. */
  static final Map<String, Daemon> STAND_INS = new ConcurrentHashMap<>();

  /** Posts {@code records} to {@code daemon} signed by {@code signer}, as its outbox would. */
  static Http.Response postSigned(Daemon daemon, Daemon signer, Record... records) {
    ObjectNode request = Json.MAPPER.createObjectNode();
    ArrayNode array = request.putArray("records");
    List<String> ids = new ArrayList<>();
    for (Record record : records) {
      array.add(RecordJson.toJson(record, record.id()));
      ids.add(record.id());
    }
    request.set("signature", signer.trust().key().sign(ids).toJson());
    return new Http(daemon.url()).post("/v1/records", request.toString());
  }

  /**
   * The first page (up to 1,000) of a fan-out's children as the coordinator lists them ({@code GET
   * /v1/fanouts/{id}/children}), in index order: where per-child outcomes are read, the join record
   * keeping counts only.
   */
  static JsonNode children(Daemon coordinator, FanoutHandle fanout) {
    // The route answers from the reconciler's view, which may trail the join record in the store
    // by a round: wait until the page itself says the join is complete.
    AtomicReference<JsonNode> page = new AtomicReference<>();
    Await.until(
        "the children page of " + fanout.id() + " shows the join complete",
        () -> {
          page.set(
              parse(
                  new Http(coordinator.url())
                      .get("/v1/fanouts/" + fanout.id() + "/children?limit=1000")
                      .text()));
          return page.get().path("summary").path("complete").asBoolean(false);
        });
    return page.get().path("data");
  }

  static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Heartbeats for stand-in workers, sent to the coordinator every 40 ms until stopped or paused
   * per worker.
   */
  static final class HeartbeatPump implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Map<String, Daemon> workers = new ConcurrentHashMap<>();
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    private final Map<String, Boolean> paused = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastSent = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    private volatile String coordinatorUrl;

    HeartbeatPump(String coordinatorUrl) {
      this(coordinatorUrl, 40);
    }

    HeartbeatPump(String coordinatorUrl, long periodMillis) {
      this.coordinatorUrl = coordinatorUrl;
      timer.scheduleAtFixedRate(this::beatAll, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    void add(String alias, Daemon worker) {
      aliases.put(worker.did(), alias);
      lastSent.put(worker.did(), new AtomicLong());
      startedAt.put(worker.did(), worker.clock().millis());
      workers.put(worker.did(), worker);
      STAND_INS.put(worker.did(), worker);
    }

    /** Pauses or resumes one worker's beats; a beat in flight ends before this returns. */
    synchronized void pause(Daemon worker, boolean pause) {
      paused.put(worker.did(), pause);
    }

    /** Beats once for every worker not paused, on the caller's thread; each must be taken. */
    synchronized void beatNow() {
      for (Daemon worker : workers.values()) {
        if (!paused.getOrDefault(worker.did(), false)) {
          Http.Response answer = beat(worker);
          if (answer.status() != 200) {
            throw new AssertionError(
                "heartbeat of " + worker.url() + " refused: " + answer.status() + answer.text());
          }
          accepted.incrementAndGet();
        }
      }
    }

    void coordinator(String url) {
      coordinatorUrl = url;
    }

    int accepted() {
      return accepted.get();
    }

    Heartbeat heartbeat(Daemon worker) {
      // The worker's own clock: the coordinator refuses beats from ahead of its clock.
      long now = worker.clock().millis();
      long startedAt = this.startedAt.get(worker.did());
      long sentAt = lastSent.get(worker.did()).updateAndGet(last -> Math.max(last + 1, now));
      return new Heartbeat(
          worker.did(),
          aliases.get(worker.did()),
          Role.WORKER,
          worker.url(),
          Daemon.VERSION,
          startedAt,
          (now - startedAt) / 1000,
          0,
          4,
          4,
          Health.HEALTHY,
          sentAt);
    }

    Http.Response beat(Daemon worker) {
      String url = coordinatorUrl;
      Http.Response answer =
          new Http(url)
              .post(
                  "/v1/records",
                  new String(
                      SignedHeartbeats.request(heartbeat(worker), worker.trust()),
                      StandardCharsets.UTF_8));
      if (answer.status() == 200) {
        // As a worker does: it takes child INTENDs only from the coordinator that answered.
        SignedHeartbeats.learnCoordinator(
            answer.text().getBytes(StandardCharsets.UTF_8), worker.trust(), url);
      }
      return answer;
    }

    private synchronized void beatAll() {
      for (Daemon worker : workers.values()) {
        if (paused.getOrDefault(worker.did(), false)) {
          continue;
        }
        try {
          if (beat(worker).status() == 200) {
            accepted.incrementAndGet();
          }
        } catch (AssertionError | RuntimeException e) {
          // The coordinator may be restarting; the next beat tries again.
        }
      }
    }

    @Override
    public void close() {
      timer.shutdownNow();
      try {
        timer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
