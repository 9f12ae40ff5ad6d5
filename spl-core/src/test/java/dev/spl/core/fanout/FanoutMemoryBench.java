package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap a data fan-out's fold keeps per child, measured after GC as the difference in used heap
 * (scripts/bench-fanout-memory; docs/benchmarks.md). For each width the fold of a range fan-out
 * (one child per point) is run to the end as the reconciler runs it: decide, apply the spawn
 * records, apply a {@code fanout_child_done} per child; the heap is measured with the fold open and
 * every child spawned once, and again after every child completed. A second part compares a range
 * of 10^9 points in 100,000 shards with one of 10^8 points in as many shards.
 */
public final class FanoutMemoryBench {
  private static final String USER = "did:sync:user:bench";
  private static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  private static final WorkerDirectory WORKERS =
      WorkerDirectory.of(
          "http://127.0.0.1:9100",
          List.of(
              new WorkerInfo("did:sync:instance:000000000000000a", "worker-a", "http://a", 0, 256),
              new WorkerInfo(
                  "did:sync:instance:000000000000000b", "worker-b", "http://b", 0, 256)));

  private long seq;
  private final String thread = ThreadIds.derive("task", "memory-bench");

  public static void main(String[] args) {
    List<Integer> widths = new ArrayList<>();
    for (String arg : args) {
      widths.add(Integer.parseInt(arg.replace("_", "").replace(",", "")));
    }
    if (widths.isEmpty()) {
      widths = List.of(100_000, 1_000_000);
    }
    System.out.printf(
        "JVM %s, max heap %d MiB%n",
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    // Once untimed, so the first figure does not carry the classes and caches of a first run.
    new FanoutMemoryBench().measure(20_000, false);
    System.out.println("| width | bytes/child open, all spawned | bytes/child all completed |");
    System.out.println("|---:|---:|---:|");
    for (int width : widths) {
      new FanoutMemoryBench().measure(width, true);
    }
    System.out.println();
    System.out.println("| range | shards | bytes/child completed |");
    System.out.println("|---|---:|---:|");
    new FanoutMemoryBench().measureRange(0, 1_000_000_000L, 10_000);
    new FanoutMemoryBench().measureRange(0, 100_000_000L, 1_000);
  }

  private StoredRecord stored(String actor, Act act, ObjectNode body, List<String> parents) {
    Record record = new Record(thread, actor, act, body, seq, parents);
    seq++;
    return new StoredRecord(record.id(), record, seq, 1_000_000 + seq);
  }

  private Fanouts start(DataLoop loop) {
    Fanouts fanouts = new Fanouts(JoinCompiler.BUILT_IN_ONLY, FanoutLog.NONE, 10_000_000);
    ObjectNode parent =
        new FanoutParent(
                "bench", "all", loop.width(), List.of(), 3, null, 0, loop, FanoutOptions.DEFAULTS)
            .toBody();
    fanouts.apply(stored(USER, Act.INTEND, parent, List.of()));
    return fanouts;
  }

  /** Runs the fan-out to its join; {@code whenAllSpawned} runs once every child was spawned. */
  private void run(Fanouts fanouts, Runnable whenAllSpawned) {
    FanoutState state = fanouts.all().iterator().next();
    boolean measured = false;
    while (!state.joinComplete()) {
      List<FanoutAction> actions = fanouts.decide(0, WORKERS, SpawnPolicy.ALLOW_ALL);
      for (FanoutRecords.Draft draft : FanoutRecords.drafts(actions, 1000)) {
        fanouts.apply(stored(COORDINATOR, draft.act(), draft.body(), List.of()));
      }
      for (FanoutAction action : actions) {
        if (action instanceof FanoutAction.Spawn spawn) {
          ObjectNode done =
              new ChildDone(
                      "bench",
                      state.ref().id(),
                      spawn.index(),
                      spawn.attempt(),
                      spawn.childThread(),
                      spawn.worker().did(),
                      Verdict.ACCEPT,
                      new BigDecimal("0.000125"),
                      0.003,
                      "ok",
                      0,
                      0,
                      null)
                  .toBody();
          fanouts.apply(stored(spawn.worker().did(), Act.KNOW, done, List.of()));
        }
      }
      if (!measured && state.spawnedCount() + state.completedCount() >= state.width()) {
        measured = true;
        whenAllSpawned.run();
      }
    }
  }

  private void measure(int width, boolean print) {
    long before = usedAfterGc();
    Fanouts fanouts = start(DataLoop.range(0, width, 1, ChildTemplate.parseCli("goal=p {{item}}")));
    long[] spawned = new long[1];
    run(fanouts, () -> spawned[0] = usedAfterGc() - before);
    long completed = usedAfterGc() - before;
    if (print) {
      System.out.printf(
          "| %,d | %.1f | %.1f |%n",
          width, spawned[0] / (double) width, completed / (double) width);
    }
    keep(fanouts);
  }

  private void measureRange(long from, long to, long shardSize) {
    long before = usedAfterGc();
    DataLoop loop = DataLoop.range(from, to, shardSize, ChildTemplate.parseCli("goal=s {{shard}}"));
    Fanouts fanouts = start(loop);
    run(fanouts, () -> {});
    long completed = usedAfterGc() - before;
    System.out.printf(
        "| %,d..%,d | %,d | %.1f |%n", from, to, loop.width(), completed / (double) loop.width());
    keep(fanouts);
  }

  private static volatile Object sink;

  private static void keep(Object value) {
    sink = value;
    sink = null;
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
