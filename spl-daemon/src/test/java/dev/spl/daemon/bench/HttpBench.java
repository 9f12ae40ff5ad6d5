package dev.spl.daemon.bench;

import dev.spl.core.Hex;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Append throughput over HTTP against an in-process daemon on a temporary home: one connection
 * (with latency percentiles), 16 connections, and batches of 100 records per request. Each mode is
 * compared with raw RocksDB doing the same writes in the same run. Run with scripts/bench-http.
 */
public final class HttpBench {
  private static final int CONNECTIONS = 16;
  private static final int BATCH = 100;

  private final Duration phase;
  private final String host;
  private final int port;
  private final AtomicLong unique = new AtomicLong();
  private final String runTag = Long.toHexString(System.nanoTime());

  private HttpBench(String baseUrl, Duration phase) throws IOException {
    URI base = URI.create(baseUrl);
    this.host = base.getHost();
    this.port = base.getPort();
    this.phase = phase;
  }

  public static void main(String[] args) throws Exception {
    Duration phase = Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 4000);
    Path root = Files.createTempDirectory("spl-bench-http");
    try {
      System.out.printf(
          Locale.ROOT,
          "spl HTTP benchmark: %d ms per phase, %d cores, java %s%n",
          phase.toMillis(),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      Result[] http;
      try (Daemon daemon = Daemon.start(DaemonConfig.defaults(root.resolve("home")).withPort(0))) {
        System.out.printf(
            Locale.ROOT, "daemon %s, store: %s%n", daemon.url(), daemon.storeDescription());
        HttpBench bench = new HttpBench(daemon.url(), phase);
        bench.run("warm-up", 4, 1, Duration.ofSeconds(3));
        http =
            new Result[] {
              bench.run("http 1 connection", 1, 1, phase),
              bench.run("http 16 connections", CONNECTIONS, 1, phase),
              bench.run("http batch 100, 1 connection", 1, BATCH, phase),
              bench.run("http batch 100, 4 connections", 4, BATCH, phase),
            };
        System.out.printf(Locale.ROOT, "records stored: %d%n", daemon.records().count());
      }
      RawRocks.Result[] raw = RawRocks.runAll(root.resolve("raw"), phase, CONNECTIONS, BATCH);
      System.out.println();
      System.out.println("| mode | records/s | p50 ms | p99 ms | raw RocksDB records/s | ratio |");
      System.out.println("|---|---:|---:|---:|---:|---:|");
      for (int i = 0; i < http.length; i++) {
        RawRocks.Result r = raw == null ? null : raw[Math.min(i, raw.length - 1)];
        System.out.printf(
            Locale.ROOT,
            "| %s | %,.0f | %.3f | %.3f | %s | %s |%n",
            http[i].name,
            http[i].recordsPerSecond,
            http[i].p50Millis,
            http[i].p99Millis,
            r == null
                ? "n/a"
                : String.format(Locale.ROOT, "%,.0f (%s)", r.recordsPerSecond(), r.name()),
            r == null
                ? "n/a"
                : String.format(
                    Locale.ROOT, "%.2f", http[i].recordsPerSecond / r.recordsPerSecond()));
      }
    } finally {
      deleteTree(root);
    }
  }

  record Result(String name, double recordsPerSecond, double p50Millis, double p99Millis) {}

  private Result run(String name, int connections, int batch, Duration duration) throws Exception {
    long[][] latencies = new long[connections][];
    int[] counts = new int[connections];
    long[] records = new long[connections];
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    Throwable[] failure = new Throwable[1];
    long[] window = new long[2];
    for (int c = 0; c < connections; c++) {
      int slot = c;
      Thread thread =
          new Thread(
              () -> {
                long[] mine = new long[1 << 20];
                int n = 0;
                long written = 0;
                String threadId =
                    "th_"
                        + Hex.sha256(
                            (runTag + "/" + name + "/" + slot).getBytes(StandardCharsets.UTF_8));
                try (BenchClient client = new BenchClient(host, port, "/v1/records")) {
                  go.await();
                  long end = window[1];
                  while (System.nanoTime() < end) {
                    byte[] body = body(threadId, batch);
                    long t0 = System.nanoTime();
                    client.post(body);
                    long t1 = System.nanoTime();
                    if (n < mine.length) {
                      mine[n++] = t1 - t0;
                    }
                    written += batch;
                  }
                } catch (Throwable e) {
                  failure[0] = e;
                }
                latencies[slot] = mine;
                counts[slot] = n;
                records[slot] = written;
              },
              "bench-" + slot);
      threads.add(thread);
      thread.start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    long elapsed = Math.max(System.nanoTime() - window[0], 1);
    if (failure[0] != null) {
      throw new IllegalStateException(name + " failed", failure[0]);
    }
    long total = Arrays.stream(records).sum();
    long[] all = new long[Arrays.stream(counts).sum()];
    int k = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(latencies[c], 0, all, k, counts[c]);
      k += counts[c];
    }
    Arrays.sort(all);
    Result result =
        new Result(
            name,
            total / (elapsed / 1e9),
            percentile(all, 0.50) / 1e6,
            percentile(all, 0.99) / 1e6);
    System.out.printf(
        Locale.ROOT,
        "%-32s %,10.0f records/s  %,8d requests  p50 %.3f ms  p99 %.3f ms%n",
        name,
        result.recordsPerSecond,
        all.length,
        result.p50Millis,
        result.p99Millis);
    return result;
  }

  private byte[] body(String thread, int batch) {
    StringBuilder out = new StringBuilder(batch * 200);
    if (batch > 1) {
      out.append('[');
    }
    for (int i = 0; i < batch; i++) {
      long n = unique.incrementAndGet();
      if (i > 0) {
        out.append(',');
      }
      out.append("{\"thread\":\"")
          .append(thread)
          .append(
              "\",\"actor\":\"did:sync:user:bench\",\"act\":\"DO\",\"body\":{\"topic\":\"bench\",\"n\":")
          .append(n)
          .append(",\"note\":\"a typical small record body\"},\"clock\":")
          .append(n)
          .append('}');
    }
    if (batch > 1) {
      out.append(']');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
