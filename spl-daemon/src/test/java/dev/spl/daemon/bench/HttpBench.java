package dev.spl.daemon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Hex;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.control.Freeze;
import dev.spl.core.control.FreezeLevel;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.control.ControlGate;
import dev.spl.daemon.records.RecordService;
import dev.spl.daemon.records.WriteGate;
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
    if (args.length > 0 && args[0].equals("metrics")) {
      metrics(
          Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 3000),
          args.length > 2 ? Integer.parseInt(args[2]) : 5);
      return;
    }
    if (args.length > 0 && args[0].equals("signed")) {
      signed(
          Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 3000),
          args.length > 2 ? Integer.parseInt(args[2]) : 5);
      return;
    }
    if (args.length > 0 && args[0].equals("rules")) {
      rules(
          Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 2000),
          args.length > 2 ? Integer.parseInt(args[2]) : 5);
      return;
    }
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
      try (Daemon daemon =
          Daemon.start(DaemonConfig.builder(root.resolve("home")).port(0).build())) {
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

  /** Shape-only operator rules: they read the write's act, namespace and topic, never the body. */
  private static final int OPERATOR_RULES = 10;

  /**
   * Append throughput of one daemon with its permission check on (the built-in rules, then the
   * built-in rules plus 10 operator rules, with a freeze of another namespace active so every write
   * passes every rule) versus off ({@link WriteGate#ALLOW_ALL}). The configurations take turns in
   * each round on the same daemon and store; medians of the rounds are printed.
   */
  private static void rules(Duration phase, int rounds) throws Exception {
    Path root = Files.createTempDirectory("spl-bench-http-rules");
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(root.resolve("home")).port(0).build())) {
      System.out.printf(
          Locale.ROOT,
          "spl HTTP permission-rules benchmark: %d ms per phase, %d rounds, %d cores, java %s%n"
              + "daemon %s, store: %s%n",
          phase.toMillis(),
          rounds,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          daemon.url(),
          daemon.storeDescription());
      RecordService records = daemon.records();
      ControlGate gate = daemon.controlGate();
      long[] clock = {1};
      records.append(
          new Freeze(
                  "bench/elsewhere",
                  FreezeLevel.SOFT,
                  60,
                  "benchmark",
                  "did:sync:user:bench",
                  System.currentTimeMillis())
              .toRecord("did:sync:user:bench", clock[0]++));
      HttpBench bench = new HttpBench(daemon.url(), phase);
      bench.run("warm-up", 4, 1, Duration.ofSeconds(3));
      String[] configs = {
        "rules off (ALLOW_ALL)", "built-in rules", "built-in + 10 operator rules"
      };
      String[] modes = {"16 connections", "batch 100, 1 connection"};
      double[][][] rates = new double[configs.length][modes.length][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int config = 0; config < configs.length; config++) {
          records.writeGate(config == 0 ? WriteGate.ALLOW_ALL : gate);
          setOperatorRules(records, config == 2, clock);
          for (int mode = 0; mode < modes.length; mode++) {
            Result result =
                bench.run(
                    "round " + (round + 1) + ", " + configs[config] + ", " + modes[mode],
                    mode == 0 ? CONNECTIONS : 1,
                    mode == 0 ? 1 : BATCH,
                    phase);
            rates[config][mode][round] = result.recordsPerSecond;
          }
        }
      }
      records.writeGate(gate);
      System.out.println();
      System.out.println("| configuration | mode | records/s (median) | ratio to rules off |");
      System.out.println("|---|---|---:|---:|");
      for (int config = 0; config < configs.length; config++) {
        for (int mode = 0; mode < modes.length; mode++) {
          double median = median(rates[config][mode]);
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %,.0f | %.3f |%n",
              configs[config],
              modes[mode],
              median,
              median / median(rates[0][mode]));
        }
      }
    } finally {
      deleteTree(root);
    }
  }

  /**
   * Append throughput of one daemon while {@code GET /metrics} is scraped every second, against the
   * same daemon unscraped, in alternating rounds; the medians are compared.
   */
  private static void metrics(Duration phase, int rounds) throws Exception {
    Path root = Files.createTempDirectory("spl-bench-http-metrics");
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(root.resolve("home")).port(0).build())) {
      System.out.printf(
          Locale.ROOT,
          "spl HTTP metrics-cost benchmark: %d ms per phase, %d rounds, %d cores, java %s%n"
              + "daemon %s, store: %s%n",
          phase.toMillis(),
          rounds,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          daemon.url(),
          daemon.storeDescription());
      HttpBench bench = new HttpBench(daemon.url(), phase);
      // Throughput rose several-fold over the first rounds of earlier runs (the JIT, the store's
      // first compactions): both shapes warm up for longer before anything is compared.
      bench.run("warm-up", CONNECTIONS, 1, Duration.ofSeconds(10));
      bench.run("warm-up, batches", 1, BATCH, Duration.ofSeconds(10));
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.http.HttpRequest scrape =
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(daemon.url() + "/metrics"))
              .build();
      String[] configs = {"not scraped", "scraped every second"};
      String[] modes = {"16 connections", "batch 100, 1 connection"};
      double[][][] rates = new double[configs.length][modes.length][rounds];
      java.util.concurrent.atomic.AtomicLong scrapes = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicLong scrapeBytes =
          new java.util.concurrent.atomic.AtomicLong();
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < configs.length; turn++) {
          // Throughput drifts over a run (JIT, the store growing): every other round runs the
          // configurations in reverse order, so neither always runs later.
          int config = round % 2 == 0 ? turn : configs.length - 1 - turn;
          java.util.concurrent.ScheduledExecutorService scraper =
              java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
          if (config == 1) {
            scraper.scheduleAtFixedRate(
                () -> {
                  try {
                    String body =
                        http.send(scrape, java.net.http.HttpResponse.BodyHandlers.ofString())
                            .body();
                    scrapes.incrementAndGet();
                    scrapeBytes.addAndGet(body.length());
                  } catch (IOException | InterruptedException e) {
                    System.err.println("scrape failed: " + e);
                  }
                },
                0,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
          }
          try {
            for (int mode = 0; mode < modes.length; mode++) {
              Result result =
                  bench.run(
                      "round " + (round + 1) + ", " + configs[config] + ", " + modes[mode],
                      mode == 0 ? CONNECTIONS : 1,
                      mode == 0 ? 1 : BATCH,
                      phase);
              rates[config][mode][round] = result.recordsPerSecond;
            }
          } finally {
            scraper.shutdownNow();
            scraper.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%d scrapes, %,d bytes each on average%n",
          scrapes.get(),
          scrapes.get() == 0 ? 0 : scrapeBytes.get() / scrapes.get());
      System.out.println();
      printComparison("/metrics", configs, modes, rates);
    } finally {
      deleteTree(root);
    }
  }

  /**
   * Prints, per configuration and mode, the median records/s, its ratio to the first
   * configuration's median, and the median of the per-round ratios (each round's pair ran back to
   * back, so that ratio is the one drift biases least).
   */
  private static void printComparison(
      String what, String[] configs, String[] modes, double[][][] rates) {
    System.out.println(
        "| " + what + " | mode | records/s (median) | ratio of medians | median of round ratios |");
    System.out.println("|---|---|---:|---:|---:|");
    for (int config = 0; config < configs.length; config++) {
      for (int mode = 0; mode < modes.length; mode++) {
        double[] ratios = new double[rates[config][mode].length];
        for (int round = 0; round < ratios.length; round++) {
          ratios[round] = rates[config][mode][round] / rates[0][mode][round];
        }
        double median = median(rates[config][mode]);
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %,.0f | %.3f | %.3f |%n",
            configs[config],
            modes[mode],
            median,
            median / median(rates[0][mode]),
            median(ratios));
      }
    }
  }

  /**
   * Append throughput of one daemon for requests signed by a registered instance key (an envelope
   * per request, as daemons send: the sender signs, the receiver verifies and keeps the envelope
   * beside each record) versus unsigned operator requests, in rounds whose order alternates. The
   * sender signs in the timed loop, on the same machine, as a daemon's outbox does.
   */
  private static void signed(Duration phase, int rounds) throws Exception {
    Path root = Files.createTempDirectory("spl-bench-http-signed");
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(root.resolve("home")).port(0).build())) {
      System.out.printf(
          Locale.ROOT,
          "spl HTTP signed-requests benchmark: %d ms per phase, %d rounds, %d cores, java %s%n"
              + "daemon %s, store: %s%n",
          phase.toMillis(),
          rounds,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          daemon.url(),
          daemon.storeDescription());
      InstanceKey key = InstanceKey.generate();
      daemon.trust().register(key.did(), key.publicKey());
      HttpBench bench = new HttpBench(daemon.url(), phase);
      bench.run("warm-up", 4, 1, Duration.ofSeconds(3));
      bench.run("warm-up signed", 4, 1, Duration.ofSeconds(3), key);
      String[] configs = {"unsigned (operator)", "signed envelope"};
      String[] modes = {"1 connection", "16 connections", "batch 100, 1 connection"};
      int[][] shapes = {{1, 1}, {CONNECTIONS, 1}, {1, BATCH}};
      double[][][] rates = new double[configs.length][modes.length][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < configs.length; turn++) {
          int config = round % 2 == 0 ? turn : configs.length - 1 - turn;
          for (int mode = 0; mode < modes.length; mode++) {
            Result result =
                bench.run(
                    "round " + (round + 1) + ", " + configs[config] + ", " + modes[mode],
                    shapes[mode][0],
                    shapes[mode][1],
                    phase,
                    config == 1 ? key : null);
            rates[config][mode][round] = result.recordsPerSecond;
          }
        }
      }
      System.out.println();
      printComparison("requests", configs, modes, rates);
    } finally {
      deleteTree(root);
    }
  }

  /** Writes (or disables) the operator rules as {@code permission_rule} records. */
  private static void setOperatorRules(RecordService records, boolean enabled, long[] clock) {
    for (int i = 0; i < OPERATOR_RULES; i++) {
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("topic", "permission_rule");
      body.put("name", "bench_rule_" + i);
      body.put(
          "expression",
          "record.act == 'CALL' && record.namespace == 'prod-"
              + i
              + "' || record.topic == 'forbidden_"
              + i
              + "' && !emergency");
      body.put("code", "BENCH_RULE_" + i);
      body.put("enabled", enabled);
      records.append(
          new Record(
              ThreadIds.ENGINE_CONFIG,
              "did:sync:user:bench",
              Act.LEARN,
              body,
              clock[0]++,
              List.of()));
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private Result run(String name, int connections, int batch, Duration duration) throws Exception {
    return run(name, connections, batch, duration, null);
  }

  /** As above; with a {@code signer}, each request is an envelope it signed. */
  private Result run(String name, int connections, int batch, Duration duration, InstanceKey signer)
      throws Exception {
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
                    byte[] body =
                        signer == null
                            ? body(threadId, batch)
                            : signedBody(threadId, batch, signer);
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

  /** The same records as {@link #body}, written by {@code signer} and sent in its envelope. */
  private byte[] signedBody(String thread, int batch, InstanceKey signer) throws IOException {
    ObjectNode request = Json.MAPPER.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode records = request.putArray("records");
    List<String> ids = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      long n = unique.incrementAndGet();
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("topic", "bench");
      body.put("n", n);
      body.put("note", "a typical small record body");
      Record record = new Record(thread, signer.did(), Act.DO, body, n, List.of());
      records.add(RecordJson.toJson(record, record.id()));
      ids.add(record.id());
    }
    request.set("signature", signer.sign(ids).toJson());
    return Json.MAPPER.writeValueAsBytes(request);
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
