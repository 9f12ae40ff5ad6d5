package dev.spl.cel.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.ControlRequests;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.control.ControlState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * Cost of the permission check on the write path. Run with {@code scripts/bench-rules}; prints
 * medians of several timed rounds after a warm-up. Arguments: {@code [ops-per-round] [rounds]}.
 */
public final class PermissionRulesBench {
  private static final String ACTOR = "did:sync:instance:000000000000000a";
  private static final Act[] ACTS = {Act.INTEND, Act.DO, Act.KNOW, Act.LEARN, Act.CALL};

  /** Ten rules that read only the write's shape (act, actor, topic, namespace). */
  static final List<String> SHAPE_RULES =
      List.of(
          "record.act == 'CALL' && record.namespace == 'prod'",
          "record.actor == 'did:sync:user:mallory'",
          "record.topic == 'fanout' && record.namespace.startsWith('exp/')",
          "record.namespace in ['quarantine', 'legacy']",
          "record.act == 'INTEND' && record.topic == 'task' && record.namespace == 'policy-hold'",
          "record.actor.startsWith('did:sync:user:') && record.act == 'CALL'",
          "record.namespace.matches('^tmp-[0-9]+$') && record.act == 'DO'",
          "record.topic in ['shell_exec', 'deploy'] && 'prod' in frozen",
          "record.namespace == 'archive' && record.act != 'KNOW'",
          "record.actor.endsWith(':intern') && record.topic == 'fanout'");

  /** Ten rules of which two read the body, so every write is evaluated afresh. */
  static final List<String> BODY_RULES =
      List.of(
          "record.act == 'CALL' && record.namespace == 'prod'",
          "record.actor == 'did:sync:user:mallory'",
          "record.topic == 'fanout' && record.namespace.startsWith('exp/')",
          "has(body.budget) && body.budget > 100.0",
          "record.namespace in ['quarantine', 'legacy']",
          "record.act == 'INTEND' && record.topic == 'task' && record.namespace == 'policy-hold'",
          "record.actor.startsWith('did:sync:user:') && record.act == 'CALL'",
          "has(body.subtask_count) && body.subtask_count > 50000",
          "record.namespace.matches('^tmp-[0-9]+$') && record.act == 'DO'",
          "record.topic in ['shell_exec', 'deploy'] && 'prod' in frozen");

  private static long sink;

  private PermissionRulesBench() {}

  public static void main(String[] args) {
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;

    PermissionGate builtInOnly = new PermissionGate();
    PermissionGate withShapeRules = gateWith(SHAPE_RULES);
    PermissionGate withBodyRules = gateWith(BODY_RULES);

    ControlState control = new ControlState();
    control.apply(
        ControlRequests.freeze("other-team", "soft", null, "bench", "did:sync:user:ops", 1)
            .toRecord("did:sync:user:ops", 1));
    ControlSnapshot snapshot = control.snapshot();

    // Pre-built records: the cost of the check alone.
    Record[] records = new Record[4096];
    for (int i = 0; i < records.length; i++) {
      records[i] = buildRecord(i);
    }

    System.out.printf(
        "permission rules bench: %,d ops per round, %d rounds (median), java %s%n",
        ops, rounds, System.getProperty("java.version"));
    System.out.printf("active freezes: 1 (another namespace); every write passes every rule%n%n");

    List<String> labels =
        List.of(
            "built-in rules (2)",
            "built-in + 10 operator rules on shape",
            "built-in + 10 operator rules, 2 on body");
    List<PermissionGate> gates = List.of(builtInOnly, withShapeRules, withBodyRules);

    List<IntToLongFunction> checks = new ArrayList<>();
    for (PermissionGate gate : gates) {
      checks.add(i -> allowed(gate.check(records[i & 4095], snapshot)));
    }
    // Simulated append path: build the record, compute its id, then (optionally) check it.
    List<IntToLongFunction> appends = new ArrayList<>();
    appends.add(i -> buildRecord(i).id().hashCode());
    for (PermissionGate gate : gates) {
      appends.add(
          i -> {
            Record record = buildRecord(i);
            return record.id().hashCode() + allowed(gate.check(record, snapshot));
          });
    }

    double[] check = mediansInterleaved(ops, rounds, checks);
    for (int g = 0; g < gates.size(); g++) {
      System.out.printf("check only, %-42s %8.0f ns/write%n", labels.get(g) + ":", check[g]);
    }
    System.out.println();

    double[] append = mediansInterleaved(ops, rounds, appends);
    double appendOff = append[0];
    printAppend("rules off", appendOff, appendOff);
    for (int g = 0; g < gates.size(); g++) {
      printAppend(labels.get(g), append[g + 1], appendOff);
    }
    System.out.println();

    // Against the durable append itself (3-10 us per record, group-committed), the check adds:
    for (double appendMicros : new double[] {3, 10}) {
      double base = appendMicros * 1000 + appendOff;
      System.out.printf("with a %2.0f us durable append, the check costs:", appendMicros);
      for (int g = 0; g < gates.size(); g++) {
        System.out.printf(
            "  %s %.1f%% (ratio %.3f)",
            g == 0 ? "built-in" : g == 1 ? "shape" : "body",
            100 * check[g] / base,
            base / (base + check[g]));
      }
      System.out.println();
    }
    System.out.println("(sink " + sink + ")");
  }

  private static PermissionGate gateWith(List<String> expressions) {
    PermissionGate gate = new PermissionGate();
    StringBuilder file = new StringBuilder("[");
    for (int i = 0; i < expressions.size(); i++) {
      file.append(i == 0 ? "" : ",")
          .append("{\"name\":\"op_")
          .append(i)
          .append("\",\"expression\":")
          .append(Json.MAPPER.valueToTree(expressions.get(i)).toString())
          .append(",\"code\":\"OPERATOR_RULE\"}");
    }
    gate.loadFile(RuleFile.parse(file.append("]").toString(), "rules.json"));
    long inForce = gate.list().stream().filter(r -> r.status().equals(RuleStatus.OK)).count();
    if (inForce != 2 + expressions.size()) {
      throw new IllegalStateException("expected every bench rule to compile: " + gate.list());
    }
    return gate;
  }

  private static void printAppend(String label, double nsPerOp, double baseline) {
    System.out.printf(
        "append path, %-42s %8.0f ns/record %,10.0f records/s  ratio %.3f%n",
        label + ":", nsPerOp, 1e9 / nsPerOp, baseline / nsPerOp);
  }

  private static long allowed(PermissionDecision decision) {
    return decision.allowed() ? 1 : 0;
  }

  private static Record buildRecord(int i) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", i % 3 == 0 ? "fanout_child" : "child_result");
    body.put("namespace", "docs/v0.11");
    body.put("index", i);
    body.put("goal", "write section " + i);
    body.put("budget", 0.42);
    return new Record(
        ThreadIds.derive("bench", Integer.toString(i & 1023)),
        ACTOR,
        ACTS[i % ACTS.length],
        body,
        i,
        List.of());
  }

  /**
   * Median ns/op of each operation. The operations take turns within every round, so JIT warm-up,
   * garbage collection and other load on the machine fall on all of them alike.
   */
  private static double[] mediansInterleaved(
      int ops, int rounds, List<IntToLongFunction> operations) {
    for (int w = 0; w < 5; w++) {
      for (IntToLongFunction op : operations) {
        run(ops, op);
      }
    }
    double[][] samples = new double[operations.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int o = 0; o < operations.size(); o++) {
        long start = System.nanoTime();
        run(ops, operations.get(o));
        samples[o][r] = (System.nanoTime() - start) / (double) ops;
      }
    }
    double[] medians = new double[operations.size()];
    for (int o = 0; o < operations.size(); o++) {
      Arrays.sort(samples[o]);
      medians[o] = samples[o][rounds / 2];
    }
    return medians;
  }

  private static void run(int ops, IntToLongFunction op) {
    long acc = 0;
    for (int i = 0; i < ops; i++) {
      acc += op.applyAsLong(i);
    }
    sink += acc;
  }
}
