package dev.spl.cel.join;

import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.core.fanout.SpawnPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The reconciler alone: child completions fed straight into the fan-out fold and its decisions, no
 * HTTP and no store. Prints CPU time per completion (median of runs) for each width and join, the
 * ratio of the largest to the smallest, and heap per open parent.
 *
 * <p>Usage: {@code ReconcilerBench [runs] [widths...]}; run by {@code scripts/bench-reconciler}.
 */
public final class ReconcilerBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final String COUNTER_CEL = "accepted == n || failed > 0";
  // Read through a per-child term, so folded child by child (FoldedJoin).
  private static final String CHILDREN_CEL =
      "children.filter(c, c.verdict == 'accept').size() == n";
  // The same decision through map(), which is not a per-child term: the whole list each time.
  private static final String WHOLE_LIST_CEL =
      "children.map(c, c.verdict).filter(v, v == 'accept').size() == n";

  /** Completions timed per run for joins whose cost grows with the width. */
  private static final int CHILDREN_SAMPLES = 200;

  /** Completions timed per cell at least, so small widths are not lost in timer resolution. */
  private static final int MIN_TIMED = 20_000;

  private ReconcilerBench() {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int[] widths =
        args.length > 1
            ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {10, 100, 1_000, 10_000, 100_000};
    JoinCompiler compiler = new CelJoinCompiler();
    System.out.printf(
        Locale.ROOT,
        "reconciler benchmark: java %s, %d cpus, %d runs per cell (median)%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        runs);

    // Warm up the JIT on every path before measuring.
    for (int i = 0; i < 3; i++) {
      cell(compiler, "all", 10_000);
      cell(compiler, COUNTER_CEL, 10_000);
      cell(compiler, CHILDREN_CEL, 10_000);
      cell(compiler, WHOLE_LIST_CEL, 1_000);
    }

    String[][] joins = {
      {"all", "all"},
      {"counter-only CEL", COUNTER_CEL},
      {"children CEL, folded", CHILDREN_CEL},
      {"children CEL, whole list", WHOLE_LIST_CEL}
    };
    for (String[] join : joins) {
      System.out.printf(Locale.ROOT, "%njoin: %s  (%s)%n", join[0], join[1]);
      System.out.printf(
          Locale.ROOT, "  %9s  %14s  %s%n", "width", "cpu/completion", "completions timed/run");

      double smallest = Double.MAX_VALUE;
      double largest = 0;
      for (int width : widths) {
        double[] perRun = new double[runs];
        for (int r = 0; r < runs; r++) {
          perRun[r] = cell(compiler, join[1], width);
        }
        double median = median(perRun);
        smallest = Math.min(smallest, median);
        largest = Math.max(largest, median);
        System.out.printf(
            Locale.ROOT, "  %9d  %11.2f µs  %d%n", width, median, timedPerRun(join[1], width));
      }
      System.out.printf(Locale.ROOT, "  largest/smallest: %.2fx%n", largest / smallest);
    }

    System.out.printf(Locale.ROOT, "%nheap per open parent (join all, every child in progress)%n");
    System.out.printf(
        Locale.ROOT, "  %9s  %8s  %14s  %10s%n", "width", "parents", "bytes/parent", "bytes/child");
    for (int width : widths) {
      int parents = Math.max(1, Math.min(1_000, 200_000 / width));
      long bytes = heapFor(compiler, width, parents);
      System.out.printf(
          Locale.ROOT,
          "  %9d  %8d  %14d  %10d%n",
          width,
          parents,
          bytes / parents,
          bytes / ((long) parents * width));
    }
  }

  /**
   * One cell: CPU µs per completion over enough fan-outs of {@code width} that at least {@value
   * #MIN_TIMED} completions are timed, or one sampled fan-out for joins whose cost grows with the
   * width.
   */
  static double cell(JoinCompiler compiler, String join, int width) {
    boolean sampled = sampled(join, width);
    long nanos = 0;
    long timed = 0;
    do {
      long[] run = measure(compiler, join, width, sampled);
      nanos += run[0];
      timed += run[1];
    } while (!sampled && timed < MIN_TIMED);
    return nanos / 1_000.0 / timed;
  }

  static boolean sampled(String join, int width) {
    return join.equals(WHOLE_LIST_CEL) && width > CHILDREN_SAMPLES;
  }

  static long timedPerRun(String join, int width) {
    if (sampled(join, width)) {
      return CHILDREN_SAMPLES;
    }
    return (long) width * Math.max(1, (MIN_TIMED + width - 1) / width);
  }

  /**
   * One run: fan out {@code width} children, spawn them all, then feed every completion into the
   * fold and decide after each, appending what was decided. Returns CPU nanoseconds spent on the
   * timed completions and their number.
   */
  static long[] measure(JoinCompiler compiler, String join, int width, boolean sampled) {
    FanoutHarness harness = new FanoutHarness(compiler, "bench-" + width + "-" + join.hashCode());
    harness.fanOut(width, join);
    spawnAll(harness, width);
    List<StoredRecord> results = new ArrayList<>(width);
    for (int i = 0; i < width; i++) {
      results.add(harness.result(i, "accept", 0.0));
    }
    int stride = sampled ? Math.max(1, width / CHILDREN_SAMPLES) : 1;
    long timedNanos = 0;
    int timed = 0;
    long blockStart = CPU.getCurrentThreadCpuTime();
    for (int i = 0; i < width; i++) {
      boolean time = !sampled || i % stride == 0;
      long start = sampled && time ? CPU.getCurrentThreadCpuTime() : 0;
      harness.fanouts.apply(results.get(i));
      if (time) {
        List<FanoutAction> actions =
            harness.fanouts.decide(0, FanoutHarness.TWO_WORKERS, SpawnPolicy.ALLOW_ALL);
        for (FanoutRecords.Draft draft :
            FanoutRecords.drafts(actions, FanoutRecords.DEFAULT_SPAWNS_PER_RECORD)) {
          harness.append(FanoutHarness.COORDINATOR, draft.act(), draft.body(), List.of());
        }
        if (sampled) {
          timedNanos += CPU.getCurrentThreadCpuTime() - start;
        }
        timed++;
      }
    }
    if (!sampled) {
      timedNanos = CPU.getCurrentThreadCpuTime() - blockStart;
    } else {
      harness.step(FanoutHarness.TWO_WORKERS);
    }
    if (!harness.state().joinComplete()) {
      throw new IllegalStateException("the join of width " + width + " did not complete");
    }
    return new long[] {timedNanos, timed};
  }

  /** Heap retained by {@code parents} open fan-outs of {@code width}, all children running. */
  static long heapFor(JoinCompiler compiler, int width, int parents) {
    long before = usedHeapAfterGc();
    List<FanoutHarness> open = new ArrayList<>(parents);
    for (int p = 0; p < parents; p++) {
      FanoutHarness harness = new FanoutHarness(compiler, "heap-" + width + "-" + p);
      harness.fanOut(width, "all");
      spawnAll(harness, width);
      open.add(harness);
    }
    long after = usedHeapAfterGc();
    if (open.stream().anyMatch(h -> JoinStatus.of(h.state()).spawned() != width)) {
      throw new IllegalStateException("not every child was spawned");
    }
    return after - before;
  }

  /** Steps until every child is spawned: one decision spawns at most a thousand per fan-out. */
  private static void spawnAll(FanoutHarness harness, int width) {
    int spawned = -1;
    while (JoinStatus.of(harness.state()).spawned() < width
        && JoinStatus.of(harness.state()).spawned() > spawned) {
      spawned = JoinStatus.of(harness.state()).spawned();
      harness.step(FanoutHarness.TWO_WORKERS);
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
