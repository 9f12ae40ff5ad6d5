package dev.spl.daemon;

import dev.spl.core.Act;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.store.Durability;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out benchmark: an in-process coordinator and two workers in temporary homes (durable stores,
 * loopback HTTP). For each width it writes a fan-out over HTTP as the CLI does and measures, from
 * the server-side {@code received_at} of the parent INTEND to that of the parent's {@code
 * fanout_join_complete} KNOW, the wall, children per second, and the heap after a GC.
 *
 * <p>The workers here are stand-ins that answer each child INTEND at once with an accepted {@code
 * fanout_child_done} sent through their outbox (what an echo worker with delay 0 reports, without
 * its executor), so the figures measure the coordinator's loop, the outboxes, the stores and HTTP.
 *
 * <p>Usage: {@code FanoutBench [runs-for-small-widths] [widths...]}; defaults 7 and 1 10 100 1000
 * 10000. Widths of 1,000 and more run 3 times.
 */
public final class FanoutBench {
  private FanoutBench() {}

  public static void main(String[] args) throws Exception {
    int smallRuns = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int[] widths =
        args.length > 1
            ? Arrays.stream(args).skip(1).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 10, 100, 1000, 10000};
    Path dir = Files.createTempDirectory("spl-bench-fanout");
    DaemonConfig base =
        DaemonConfig.defaults(dir)
            .withPort(0)
            .withDurability(Durability.valueOf(System.getProperty("durability", "DURABLE")))
            .withMaxRequestBytes(16L * 1024 * 1024)
            .withFleet(FleetSettings.coordinator().withHeartbeatInterval(Duration.ofSeconds(1)));
    try (Daemon coordinator = Daemon.start(base.withHome(dir.resolve("coordinator")));
        Daemon workerA = Daemon.start(base.withHome(dir.resolve("worker-a")));
        Daemon workerB = Daemon.start(base.withHome(dir.resolve("worker-b")));
        StandInWorker echoA = new StandInWorker(workerA);
        StandInWorker echoB = new StandInWorker(workerB);
        FleetTestSupport.HeartbeatPump pump =
            new FleetTestSupport.HeartbeatPump(coordinator.url(), 500)) {
      WORKERS.add(workerA);
      WORKERS.add(workerB);
      pump.add("worker-a", workerA);
      pump.add("worker-b", workerB);
      Await.until(
          "two live workers",
          () ->
              coordinator
                      .fleetRegistry()
                      .orElseThrow()
                      .directory(coordinator.url(), 10_000)
                      .live()
                      .size()
                  == 2);
      System.out.printf(
          "fan-out benchmark: coordinator + 2 stand-in echo workers, %s stores, %d cores%n",
          base.durability(), Runtime.getRuntime().availableProcessors());
      System.out.printf(
          "%8s %5s %12s %12s %12s %14s %14s%n",
          "width", "runs", "median ms", "min ms", "max ms", "children/s", "heap MiB (GC)");
      // One warm-up fan-out so class loading and JIT do not count against the first width.
      runOnce(coordinator, 10);
      for (int width : widths) {
        int runs = width >= 1000 ? 3 : smallRuns;
        double[] millis = new double[runs];
        for (int run = 0; run < runs; run++) {
          millis[run] = runOnce(coordinator, width);
        }
        Arrays.sort(millis);
        double median = millis[runs / 2];
        System.gc();
        long heap =
            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
        System.out.printf(
            "%8d %5d %12.1f %12.1f %12.1f %14.0f %14d%n",
            width, runs, median, millis[0], millis[runs - 1], width / (median / 1000.0), heap);
      }
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("trace");
  private static final List<Daemon> WORKERS = new ArrayList<>();

  /** Where the time of a width-1 fan-out goes: received_at of each step, relative to the parent. */
  private static void trace(Daemon coordinator, String thread, long start) {
    StringBuilder line = new StringBuilder("  trace:");
    for (StoredRecord stored :
        coordinator.records().query(new RecordQuery(thread, null, null, 0, 100))) {
      line.append(' ')
          .append(stored.record().topic())
          .append('@')
          .append(stored.receivedAtMillis() - start);
    }
    for (Daemon worker : WORKERS) {
      for (StoredRecord stored :
          worker
              .records()
              .query(new RecordQuery(null, null, null, worker.records().lastSeq() - 2, 10))) {
        if (stored.record().body().toString().contains(thread)) {
          line.append(" worker:")
              .append(stored.record().topic())
              .append('@')
              .append(stored.receivedAtMillis() - start);
        }
      }
    }
    System.out.println(line);
  }

  /** Milliseconds from the parent INTEND's received_at to the join KNOW's received_at. */
  private static double runOnce(Daemon coordinator, int width) {
    String thread = ThreadIds.derive("bench", UUID.randomUUID().toString());
    List<Record> records =
        FleetTestSupport.fanoutRecords(thread, "default", "all", FleetTestSupport.goals(width));
    Http.Response response = FleetTestSupport.post(coordinator, records);
    if (response.status() != 201) {
      throw new IllegalStateException("fan-out refused: " + response.text());
    }
    Record parent = records.get(records.size() - 1);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (true) {
      List<StoredRecord> joins =
          coordinator
              .records()
              .query(new RecordQuery(thread, FanoutRecords.JOIN_COMPLETE, Act.KNOW, 0, 1));
      if (!joins.isEmpty()) {
        long start = coordinator.records().get(parent.id()).orElseThrow().receivedAtMillis();
        if (TRACE && width == 1) {
          trace(coordinator, thread, start);
        }
        return joins.get(0).receivedAtMillis() - start;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("width " + width + ": the join did not complete in 5 min");
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Answers every child INTEND appended on {@code worker} with an accepted result. */
  static final class StandInWorker implements AutoCloseable {
    private final Daemon worker;
    private final RecordClock clock;
    private final LinkedBlockingQueue<StoredRecord> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Runnable unsubscribe;
    private volatile boolean running = true;

    StandInWorker(Daemon worker) {
      this.worker = worker;
      this.clock = worker.context().recordClock();
      this.unsubscribe =
          worker
              .records()
              .subscribe(
                  created -> {
                    for (StoredRecord stored : created) {
                      if (stored.record().act() == Act.INTEND
                          && FanoutRecords.CHILD.equals(stored.record().topic())) {
                        queue.add(stored);
                      }
                    }
                  });
      this.thread = new Thread(this::loop, "stand-in-worker");
      this.thread.setDaemon(true);
      this.thread.start();
    }

    private void loop() {
      while (running) {
        List<StoredRecord> batch = new ArrayList<>();
        try {
          StoredRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          queue.drainTo(batch);
        } catch (InterruptedException e) {
          return;
        }
        batch.sort(Comparator.comparingLong(StoredRecord::seq));
        List<Record> results = new ArrayList<>(batch.size());
        List<OutboxEntry> deliveries = new ArrayList<>(batch.size());
        for (StoredRecord intent : batch) {
          var body = intent.record().body();
          FanoutRef ref =
              new FanoutRef(
                  body.path("fanout").asText(),
                  body.path("parent_thread").asText(),
                  body.path("namespace").asText());
          long now = System.currentTimeMillis();
          var done =
              FanoutRecords.childDoneBody(
                  ref,
                  body.path("index").asInt(),
                  body.path("attempt").asInt(),
                  intent.record().thread(),
                  worker.did(),
                  Verdict.ACCEPT,
                  BigDecimal.ZERO,
                  0,
                  "echo: " + body.path("goal").asText(),
                  now,
                  now);
          Record record =
              new Record(ref.thread(), worker.did(), Act.KNOW, done, clock.next(), List.of());
          results.add(record);
          deliveries.add(new OutboxEntry(body.path("coordinator").asText(), record.id()));
        }
        worker.records().appendAll(results, deliveries);
      }
    }

    @Override
    public void close() {
      running = false;
      unsubscribe.run();
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
