package dev.spl.cel.join;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutAction;
import dev.spl.core.fanout.FanoutParent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.FanoutState;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.JoinCompiler;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.core.fanout.SubtaskChunk;
import dev.spl.core.fanout.SubtaskSpec;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.WorkerDirectory;
import dev.spl.core.fanout.WorkerInfo;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Plays the reconciler: builds fan-out records, feeds them to a {@link Fanouts} projection. */
final class FanoutHarness {
  static final String COORDINATOR = "did:sync:instance:00000000000000c0";
  static final String USER = "did:sync:user:tester";
  static final WorkerDirectory TWO_WORKERS =
      WorkerDirectory.of(
          "http://127.0.0.1:9100",
          List.of(
              new WorkerInfo("did:sync:instance:000000000000000a", "worker-a", "http://a", 0, 4),
              new WorkerInfo("did:sync:instance:000000000000000b", "worker-b", "http://b", 0, 4)));

  final Fanouts fanouts;
  final String taskThread;
  long seq;
  String fanoutId;

  FanoutHarness(JoinCompiler compiler, String taskName) {
    this.fanouts = new Fanouts(compiler);
    this.taskThread = ThreadIds.derive("task", taskName);
  }

  StoredRecord record(String actor, Act act, ObjectNode body, List<String> parents) {
    Record record = new Record(taskThread, actor, act, body, seq, parents);
    return new StoredRecord(record.id(), record, ++seq, 0);
  }

  StoredRecord append(String actor, Act act, ObjectNode body, List<String> parents) {
    StoredRecord stored = record(actor, act, body, parents);
    fanouts.apply(stored);
    return stored;
  }

  String fanOut(int width, String join) {
    List<SubtaskSpec> specs = new ArrayList<>(width);
    for (int i = 0; i < width; i++) {
      specs.add(SubtaskSpec.ofGoal("goal " + i));
    }
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk :
        SubtaskChunk.split("bench", specs, FanoutRecords.DEFAULT_CHUNK_SIZE)) {
      chunkIds.add(append(USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    fanoutId =
        append(
                USER,
                Act.INTEND,
                new FanoutParent("bench", join, width, chunkIds, 3, null, 0).toBody(),
                chunkIds)
            .id();
    return fanoutId;
  }

  List<FanoutAction> step(WorkerDirectory directory) {
    List<FanoutAction> actions = fanouts.decide(0, directory, SpawnPolicy.ALLOW_ALL);
    for (FanoutRecords.Draft draft :
        FanoutRecords.drafts(actions, FanoutRecords.DEFAULT_SPAWNS_PER_RECORD)) {
      append(COORDINATOR, draft.act(), draft.body(), List.of());
    }
    return actions;
  }

  /** The result record of a child's current attempt, built but not applied. */
  StoredRecord result(int index, String verdict, double costUsd) {
    FanoutState state = state();
    return record(
        state.worker(index) == null ? COORDINATOR : state.worker(index),
        Act.KNOW,
        new ChildDone(
                state.ref().namespace(),
                state.ref().id(),
                index,
                state.attempt(index),
                ThreadIds.derive(fanoutId, String.valueOf(index), state.specs().get(index).goal()),
                state.worker(index),
                Verdict.fromWire(verdict),
                BigDecimal.valueOf(costUsd),
                1.0,
                "ok",
                0,
                1000,
                null)
            .toBody(),
        List.of());
  }

  FanoutState state() {
    return fanouts.get(fanoutId).orElseThrow();
  }
}
