package dev.spl.daemon;

import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fan-out benchmark: an in-process coordinator and two real worker daemons (echo executor, delay 0)
 * in temporary homes, durable stores, loopback HTTP. For each width it writes a fan-out over HTTP
 * as the CLI does and measures, from the server-side {@code received_at} of the parent INTEND to
 * that of the parent's {@code fanout_join_complete} KNOW, the wall, children per second, and the
 * heap after a GC. It also prints the CPU time the whole process (three daemons, the client, JIT
 * and GC threads) spent per fan-out, the mean of the runs: on a shared machine it moves much less
 * than the wall.
 *
 * <p>The workers run every child through their dispatcher and echo executor and report through
 * their outbox exactly as {@code spl fleet start --executor echo --echo-delay 0} workers do. Each
 * worker has {@link FleetSettings#MAX_SLOTS} slots by default ({@code -Dslots=N} changes it): with
 * a delay of 0 a slot is held for no time, and the default of 4 would only measure how a worker
 * queue drains, not the fan-out path.
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
    int slots = Integer.getInteger("slots", FleetSettings.MAX_SLOTS);
    Path dir = Files.createTempDirectory("spl-bench-fanout");
    DaemonConfig base =
        DaemonConfig.builder(dir)
            .port(0)
            .durability(Durability.valueOf(System.getProperty("durability", "DURABLE")))
            .maxRequestBytes(16L * 1024 * 1024)
            .build();
    try (Fleet fleet = Fleet.start(base, dir, slots)) {
      System.out.printf(
          "fan-out benchmark: coordinator + 2 echo workers (delay 0, %d slots each), %s stores,"
              + " %d cores%n",
          slots, base.durability(), Runtime.getRuntime().availableProcessors());
      System.out.printf(
          "%8s %5s %10s %8s %8s %12s %10s %12s %14s%n",
          "width",
          "runs",
          "median ms",
          "min ms",
          "max ms",
          "children/s",
          "CPU ms/run",
          "CPU us/child",
          "heap MiB (GC)");
      // One warm-up fan-out so class loading and JIT do not count against the first width.
      runOnce(fleet, 10);
      runOnce(fleet, 1000);
      for (int width : widths) {
        int runs = width >= 1000 ? 3 : smallRuns;
        double[] millis = new double[runs];
        // The process CPU clock ticks in 10 ms steps: the mean over all runs resolves small widths.
        long cpuBefore = OS.getProcessCpuTime();
        for (int run = 0; run < runs; run++) {
          millis[run] = runOnce(fleet, width);
        }
        double cpu = (OS.getProcessCpuTime() - cpuBefore) / 1e6 / runs;
        Arrays.sort(millis);
        double median = millis[runs / 2];
        System.gc();
        long heap =
            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
        System.out.printf(
            "%8d %5d %10.1f %8.1f %8.1f %12.0f %10.1f %12.1f %14d%n",
            width,
            runs,
            median,
            millis[0],
            millis[runs - 1],
            width / (median / 1000.0),
            cpu,
            cpu * 1000 / width,
            heap);
      }
    }
  }

  /** A coordinator and two echo workers. */
  private record Fleet(Daemon coordinator, List<Daemon> workers) implements AutoCloseable {
    static Fleet start(DaemonConfig base, Path dir, int slots) {
      Duration interval = Duration.ofSeconds(1);
      Daemon coordinator =
          Daemon.start(
              base.toBuilder()
                  .home(dir.resolve("coordinator"))
                  .fleet(FleetSettings.builder().heartbeatInterval(interval).build())
                  .build());
      List<Daemon> workers = new ArrayList<>();
      Fleet fleet = new Fleet(coordinator, workers);
      try {
        workers.add(Daemon.start(workerConfig(base, dir, "worker-a", coordinator, slots)));
        workers.add(Daemon.start(workerConfig(base, dir, "worker-b", coordinator, slots)));
        FleetTestSupport.awaitLiveWorkers(coordinator, 2);
      } catch (RuntimeException | AssertionError e) {
        fleet.close();
        throw e;
      }
      return fleet;
    }

    @Override
    public void close() {
      for (int i = workers.size() - 1; i >= 0; i--) {
        workers.get(i).close();
      }
      coordinator.close();
    }
  }

  private static DaemonConfig workerConfig(
      DaemonConfig base, Path dir, String alias, Daemon coordinator, int slots) {
    return base.toBuilder()
        .home(dir.resolve(alias))
        .fleet(
            FleetSettings.builder()
                .worker(alias, coordinator.url())
                .heartbeatInterval(Duration.ofSeconds(1))
                .executor(FleetSettings.ExecutorKind.ECHO)
                .echoDelay(Duration.ZERO)
                .slots(slots)
                .build())
        .build();
  }

  /** CPU time of the whole process (all daemons), steadier than wall time on a busy machine. */
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private static final boolean TRACE = Boolean.getBoolean("trace");

  /** Where the time of a width-1 fan-out goes: received_at of each step, relative to the parent. */
  private static void trace(Fleet fleet, String thread, long start) {
    Daemon coordinator = fleet.coordinator();
    StringBuilder line = new StringBuilder("  trace:");
    for (StoredRecord stored :
        coordinator.records().query(new RecordQuery(thread, null, null, 0, 100))) {
      line.append(' ')
          .append(stored.record().topic())
          .append('@')
          .append(stored.receivedAtMillis() - start);
    }
    java.util.Set<String> childThreads = new java.util.HashSet<>();
    for (Daemon worker : fleet.workers()) {
      for (StoredRecord stored :
          worker
              .records()
              .query(new RecordQuery(null, null, null, worker.records().lastSeq() - 6, 10))) {
        boolean ofThisFanout =
            stored.record().thread().equals(thread)
                || stored.record().body().toString().contains(thread)
                || childThreads.contains(stored.record().thread());
        if (stored.record().body().toString().contains(thread)) {
          childThreads.add(stored.record().thread());
        }
        if (ofThisFanout) {
          line.append(" worker:")
              .append(stored.record().topic())
              .append('@')
              .append(stored.receivedAtMillis() - start);
        }
      }
    }
    System.out.println(line);
  }

  /**
   * Milliseconds from the parent INTEND's received_at to the join KNOW's received_at. The join is
   * awaited through a record listener, not by polling the store, so waiting costs the daemons no
   * CPU.
   */
  private static double runOnce(Fleet fleet, int width) throws Exception {
    Daemon coordinator = fleet.coordinator();
    String thread = ThreadIds.derive("bench", UUID.randomUUID().toString());
    List<Record> records =
        FleetTestSupport.fanoutRecords(thread, "default", "all", FleetTestSupport.goals(width));
    CompletableFuture<StoredRecord> join = new CompletableFuture<>();
    Runnable unsubscribe =
        coordinator
            .records()
            .subscribe(
                created -> {
                  for (StoredRecord stored : created) {
                    if (stored.record().thread().equals(thread)
                        && FanoutRecords.JOIN_COMPLETE.equals(stored.record().topic())) {
                      join.complete(stored);
                    }
                  }
                });
    try {
      Http.Response response = FleetTestSupport.post(coordinator, records);
      if (response.status() != 201) {
        throw new IllegalStateException("fan-out refused: " + response.text());
      }
      Record parent = records.get(records.size() - 1);
      StoredRecord joined;
      try {
        joined = join.get(5, TimeUnit.MINUTES);
      } catch (TimeoutException e) {
        throw new IllegalStateException("width " + width + ": the join did not complete in 5 min");
      }
      long start = coordinator.records().get(parent.id()).orElseThrow().receivedAtMillis();
      if (TRACE && width == 1) {
        trace(fleet, thread, start);
      }
      return joined.receivedAtMillis() - start;
    } finally {
      unsubscribe.run();
    }
  }
}
