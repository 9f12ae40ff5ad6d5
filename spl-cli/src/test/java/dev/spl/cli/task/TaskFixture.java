package dev.spl.cli.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.cli.CliRun;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutRef;
import dev.spl.core.fanout.JoinComplete;
import dev.spl.core.fanout.Verdict;
import dev.spl.daemon.Daemon;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Writes, straight into an in-process daemon, the records a coordinator and its workers write while
 * a fan-out runs, so the task commands can be checked without a running fleet.
 */
final class TaskFixture {
  static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  static final String WORKER_A = "did:sync:instance:00000000000000a1";
  static final String WORKER_B = "did:sync:instance:00000000000000b2";

  private final Daemon daemon;
  private final Map<String, String> env;
  private long clock;

  TaskFixture(Daemon daemon, Map<String, String> env) {
    this.daemon = daemon;
    this.env = env;
  }

  CliRun spl(String... args) {
    return CliRun.run(env, args);
  }

  CliRun ok(String... args) {
    CliRun run = spl(args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }

  /** Adds a task and returns its thread. */
  String addTask(String alias, String... more) {
    String[] args = new String[4 + more.length];
    args[0] = "task";
    args[1] = "add";
    args[2] = "Task " + alias;
    args[3] = "--alias=" + alias;
    System.arraycopy(more, 0, args, 4, more.length);
    CliRun run = ok(args);
    return run.out()
        .lines()
        .filter(l -> l.contains("thread:"))
        .findFirst()
        .orElseThrow()
        .trim()
        .substring("thread: ".length());
  }

  /** The fan-out parent of a thread (the newest). */
  FanoutRef fanoutOf(String thread) {
    List<StoredRecord> parents =
        daemon.records().query(new RecordQuery(thread, "fanout", Act.INTEND, 0, 10_000));
    StoredRecord parent = parents.get(parents.size() - 1);
    return new FanoutRef(parent.id(), thread, parent.record().namespace());
  }

  void spawned(FanoutRef ref, int index, int attempt, String worker) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("topic", FanoutRecords.SPAWNED);
    body.put("namespace", ref.namespace());
    body.put("fanout", ref.id());
    ArrayNode spawns = body.putArray("spawns");
    ObjectNode spawn = spawns.addObject();
    spawn.put("index", index);
    spawn.put("attempt", attempt);
    spawn.put("child_thread", dev.spl.core.ThreadIds.derive(ref.id(), "" + index, "g"));
    spawn.put("worker", worker);
    spawn.put("target", "specific:" + worker);
    append(ref.thread(), COORDINATOR, Act.DO, body);
  }

  void done(FanoutRef ref, int index, int attempt, String worker, String verdict, double wall) {
    done(ref, index, attempt, worker, verdict, wall, "echo", null);
  }

  void done(
      FanoutRef ref,
      int index,
      int attempt,
      String worker,
      String verdict,
      double wall,
      String summary,
      Integer exitCode) {
    ObjectNode body =
        new ChildDone(
                ref.namespace(),
                ref.id(),
                index,
                attempt,
                dev.spl.core.ThreadIds.derive(ref.id(), "" + index, "g"),
                worker,
                Verdict.fromWire(verdict),
                new BigDecimal("0.25"),
                wall,
                summary,
                1_000,
                1_000 + (long) (wall * 1000),
                null,
                exitCode)
            .toBody();
    append(ref.thread(), worker, Act.KNOW, body);
  }

  void joinComplete(FanoutRef ref, String verdict, long completedAt) {
    ObjectNode body =
        new JoinComplete(
                ref.namespace(),
                ref.id(),
                verdict,
                null,
                new FanoutAction.JoinTotals(0, 0, 0, 0, BigDecimal.ZERO),
                completedAt)
            .toBody();
    append(ref.thread(), COORDINATOR, Act.KNOW, body);
  }

  StoredRecord append(String thread, String actor, Act act, ObjectNode body) {
    Record record = new Record(thread, actor, act, body, clock++, List.of());
    return daemon.records().append(record).stored();
  }
}
