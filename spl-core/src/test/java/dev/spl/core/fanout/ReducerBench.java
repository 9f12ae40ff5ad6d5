package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * What reducers cost the coordinator's fold (scripts/bench-reducers; docs/benchmarks.md). Part 1:
 * the reducers alone, {@code sum}, {@code max} and {@code count} folded over the results of
 * fan-outs of each width (repeated until two million completions were timed), nanoseconds per
 * completion. Part 2: a data fan-out of 100,000 children run to its join as the reconciler runs it
 * (decide, apply the spawn records, apply one result per child, parsed from its body as the store
 * hands it over), with no reducers and with three, best of five runs each.
 */
public final class ReducerBench {
  private static final String USER = "did:sync:user:bench";
  private static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  private static final WorkerDirectory WORKERS =
      WorkerDirectory.of(
          "http://127.0.0.1:9100",
          List.of(
              new WorkerInfo("did:sync:instance:000000000000000a", "worker-a", "http://a", 0, 256),
              new WorkerInfo(
                  "did:sync:instance:000000000000000b", "worker-b", "http://b", 0, 256)));
  private static final List<String> THREE =
      List.of("total=sum(result.count)", "slowest=max(result.ms)", "n=count()");

  private long seq;
  private final String thread = ThreadIds.derive("task", "reducer-bench");

  public static void main(String[] args) {
    System.out.printf(
        "JVM %s, max heap %d MiB%n",
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
    List<Reducer> reducers = Reducer.parseAll(THREE, "--reduce");
    List<JsonNode> results = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      results.add(Json.parse("{\"count\": " + (i % 97) + ", \"ms\": " + (i * 7 % 1000) + "}"));
    }
    reducersAlone(reducers, results, 10, false);
    reducersAlone(reducers, results, 1_000_000, false);
    System.out.println("| width | ns per completion, sum + max + count |");
    System.out.println("|---:|---:|");
    for (int width : new int[] {10, 1_000, 100_000, 1_000_000}) {
      reducersAlone(reducers, results, width, true);
    }
    System.out.println();
    System.out.println("| 100,000-child fold to the join | best of 5, ms |");
    System.out.println("|---|---:|");
    new ReducerBench().fold(100_000, List.of());
    new ReducerBench().fold(100_000, THREE);
    long plain = Long.MAX_VALUE;
    long reduced = Long.MAX_VALUE;
    for (int run = 0; run < 5; run++) {
      plain = Math.min(plain, new ReducerBench().fold(100_000, List.of()));
      reduced = Math.min(reduced, new ReducerBench().fold(100_000, THREE));
    }
    System.out.printf("| no reducers | %.1f |%n", plain / 1e6);
    System.out.printf(
        "| sum, max, count | %.1f (%+.1f %%) |%n",
        reduced / 1e6, 100.0 * (reduced - plain) / plain);
  }

  private static void reducersAlone(
      List<Reducer> reducers, List<JsonNode> results, int width, boolean print) {
    long total = 2_000_000;
    long completions = 0;
    long nanos = 0;
    while (completions < total) {
      Reductions reductions = new Reductions(reducers);
      long start = System.nanoTime();
      for (int i = 0; i < width; i++) {
        reductions.add(i, results.get(i & 1023));
      }
      nanos += System.nanoTime() - start;
      completions += width;
      sink = reductions.values();
    }
    if (print) {
      System.out.printf("| %,d | %.1f |%n", width, nanos / (double) completions);
    }
  }

  private StoredRecord stored(String actor, Act act, ObjectNode body, List<String> parents) {
    Record record = new Record(thread, actor, act, body, seq, parents);
    seq++;
    return new StoredRecord(record.id(), record, seq, 1_000_000 + seq);
  }

  /** Nanoseconds to run a range fan-out of {@code width} to its join with these reducers. */
  private long fold(int width, List<String> reduce) {
    Fanouts fanouts = new Fanouts(JoinCompiler.BUILT_IN_ONLY, FanoutLog.NONE, 10_000_000);
    DataLoop loop = DataLoop.range(0, width, 1, ChildTemplate.parseCli("goal=p {{item}}"));
    ObjectNode parent =
        new FanoutParent(
                "bench",
                "all",
                width,
                List.of(),
                3,
                null,
                0,
                loop,
                FanoutOptions.DEFAULTS,
                new FaninSpec(Reducer.parseAll(reduce, "--reduce")))
            .toBody();
    fanouts.apply(stored(USER, Act.INTEND, parent, List.of()));
    FanoutState state = fanouts.all().iterator().next();
    long start = System.nanoTime();
    while (!state.joinComplete()) {
      List<FanoutAction> actions = fanouts.decide(0, WORKERS, SpawnPolicy.ALLOW_ALL);
      for (FanoutRecords.Draft draft : FanoutRecords.drafts(actions, 1000)) {
        fanouts.apply(stored(COORDINATOR, draft.act(), draft.body(), List.of()));
      }
      for (FanoutAction action : actions) {
        if (action instanceof FanoutAction.Spawn spawn) {
          ObjectNode result = Json.MAPPER.createObjectNode();
          result.put("count", spawn.index() % 97);
          result.put("ms", spawn.index() * 7 % 1000);
          ObjectNode done =
              new ChildDone(
                      "bench",
                      state.ref().id(),
                      spawn.index(),
                      spawn.attempt(),
                      spawn.childThread(),
                      spawn.worker().did(),
                      Verdict.ACCEPT,
                      BigDecimal.ZERO,
                      0.003,
                      "ok",
                      0,
                      0,
                      null,
                      0,
                      null,
                      new ChildOutput(result, List.of()))
                  .toBody();
          fanouts.apply(stored(spawn.worker().did(), Act.KNOW, done, List.of()));
        }
      }
    }
    return System.nanoTime() - start;
  }

  private static volatile Object sink;
}
