package dev.spl.core.fanout;

import static dev.spl.core.fanout.Driver.live;
import static dev.spl.core.fanout.Driver.spawns;
import static dev.spl.core.fanout.Driver.worker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.worker.AttemptStanding;
import dev.spl.core.worker.WorkerAction;
import dev.spl.core.worker.WorkerFold;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code --max-concurrency} split into worker shares: the coordinator's fold spawns ahead of the
 * cap, and the workers' folds start no more than their share, so the cap holds fleet wide.
 */
class CapSharesTest {
  private static final WorkerInfo A = worker("a", "worker-a", 0);
  private static final WorkerInfo B = worker("b", "worker-b", 0);
  private static final WorkerInfo C = worker("c", "worker-c", 0);
  private static final ChildTemplate SHARD = ChildTemplate.parseCli("goal=shard {{shard}}");

  private static FanoutOptions cap(int n) {
    return new FanoutOptions(FanoutPolicy.ALL, 0, 1000, n);
  }

  /** The largest limit among each worker's spawns, by worker DID. */
  private static Map<String, Integer> holds(List<FanoutAction.Spawn> spawned) {
    Map<String, Integer> holds = new HashMap<>();
    for (FanoutAction.Spawn spawn : spawned) {
      holds.merge(spawn.worker().did(), spawn.maxRunning(), Math::max);
    }
    return holds;
  }

  private static Map<String, Integer> counts(List<FanoutAction.Spawn> spawned) {
    Map<String, Integer> counts = new HashMap<>();
    for (FanoutAction.Spawn spawn : spawned) {
      counts.merge(spawn.worker().did(), 1, Integer::sum);
    }
    return counts;
  }

  private static final int QUEUED = FanoutState.QUEUED_PER_SHARE;

  @Test
  void eachWorkerGetsItsShareAsALimitAndChildrenQueuedBeyondIt() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 1000, 1, SHARD), List.of(), "all", cap(5), 1);
    List<FanoutAction.Spawn> first = spawns(driver.step(live(A, B)));
    // Five split over two workers: three and two, each with its queue.
    assertThat(holds(first)).containsOnly(Map.entry(A.did(), 3), Map.entry(B.did(), 2));
    assertThat(counts(first))
        .containsOnly(Map.entry(A.did(), 3 + QUEUED), Map.entry(B.did(), 2 + QUEUED));
    for (FanoutAction.Spawn spawn : first) {
      assertThat(ChildIntent.fromBody(spawn.childIntent()).maxRunning())
          .isEqualTo(spawn.maxRunning());
    }
    assertThat(driver.step(live(A, B))).isEmpty();
  }

  @Test
  void aCapBelowTheNumberOfWorkersLeavesSomeWithoutAShare() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 1000, 1, SHARD), List.of(), "all", cap(2), 1);
    List<FanoutAction.Spawn> first = spawns(driver.step(live(A, B, C)));
    assertThat(holds(first)).containsOnly(Map.entry(A.did(), 1), Map.entry(B.did(), 1));
    assertThat(first).hasSize(2 * (1 + QUEUED));
  }

  @Test
  void aLostWorkersShareMovesToTheOthersOnceItsChildrenLeaveIt() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 1000, 1, SHARD), List.of(), "all", cap(4), 1);
    List<FanoutAction.Spawn> first = spawns(driver.step(live(A, B)));
    assertThat(holds(first)).containsOnly(Map.entry(A.did(), 2), Map.entry(B.did(), 2));
    // B is lost: its children are reassigned, and then A holds the whole cap.
    WorkerDirectory bLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(A), List.of(B));
    List<FanoutAction> reassign = driver.step(bLost);
    assertThat(reassign).hasAtLeastOneElementOfType(FanoutAction.Reassign.class);
    List<FanoutAction.Spawn> after = new ArrayList<>(spawns(reassign));
    after.addAll(spawns(driver.step(bLost)));
    assertThat(after).isNotEmpty().extracting(FanoutAction.Spawn::maxRunning).containsOnly(4);
    assertThat(driver.state().runningCount()).isEqualTo(4 + QUEUED);
  }

  @Test
  void aNewWorkerGetsAShareOnlyAsTheOldHoldsFall() {
    Driver driver = new Driver();
    driver.fanOutData(DataLoop.range(0, 1000, 1, SHARD), List.of(), "all", cap(4), 1);
    List<FanoutAction.Spawn> first = spawns(driver.step(live(A)));
    assertThat(first)
        .hasSize(4 + QUEUED)
        .extracting(FanoutAction.Spawn::maxRunning)
        .containsOnly(4);
    // B joins: A may still run four of what it holds, so B gets nothing; A's share is now two,
    // and it already holds more than that share may queue.
    driver.done(0, "accept");
    assertThat(spawns(driver.step(live(A, B)))).isEmpty();
    for (FanoutAction.Spawn spawn : first.subList(1, 5)) {
      driver.done(spawn.index(), "accept");
    }
    List<FanoutAction.Spawn> next = spawns(driver.step(live(A, B)));
    assertThat(next).hasSize(3).extracting(s -> s.worker().did()).containsOnly(A.did());
    assertThat(next).extracting(FanoutAction.Spawn::maxRunning).containsOnly(2);
    // Once A's children spawned under the share of four have finished, B gets its two.
    for (FanoutAction.Spawn spawn : first.subList(5, first.size())) {
      driver.done(spawn.index(), "accept");
    }
    List<FanoutAction.Spawn> rebalanced = spawns(driver.step(live(A, B)));
    assertThat(holds(rebalanced)).containsEntry(B.did(), 2);
  }

  @Test
  void pinnedChildrenCarryNoLimitAndCountOneEach() {
    Driver driver = new Driver();
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      specs.add(
          SubtaskParser.parseCli(
              i, "goal=pinned " + i + ",target=specific:" + (i < 3 ? A.did() : B.did())));
    }
    driver.fanOut(specs, "all", cap(2));
    List<FanoutAction.Spawn> first = spawns(driver.step(live(A, B)));
    assertThat(first).hasSize(2).extracting(FanoutAction.Spawn::maxRunning).containsOnly(0);
    assertThat(first.get(0).childIntent().has("max_running")).isFalse();
    assertThat(driver.step(live(A, B))).isEmpty();
  }

  /**
   * The coordinator's fold and a fold per worker, run together with children finishing in a random
   * order: at no point do more than the cap run, and the cap is reached.
   */
  @Test
  void theCapHoldsFleetWideWhenWorkersStartWhatTheyAreSent() {
    for (long seed = 1; seed <= 12; seed++) {
      Random random = new Random(seed);
      Driver driver = new Driver();
      int cap = 1 + random.nextInt(7);
      driver.fanOutData(
          DataLoop.range(0, 2 * QUEUED + 50, 1, SHARD), List.of(), "all", cap(cap), 1);
      List<WorkerInfo> workers = List.of(A, B, C).subList(0, 1 + random.nextInt(3));
      WorkerDirectory directory = WorkerDirectory.of("http://127.0.0.1:9100", workers);
      Map<String, WorkerFold> folds = new HashMap<>();
      Map<String, Map<String, Integer>> runningOn = new HashMap<>();
      for (WorkerInfo w : workers) {
        folds.put(w.did(), new WorkerFold());
        runningOn.put(w.did(), new LinkedHashMap<>());
      }
      int most = 0;
      for (int round = 0; !driver.state().joinComplete() && round < 10_000; round++) {
        for (FanoutAction.Spawn spawn : spawns(driver.step(directory))) {
          Record intend =
              new Record(
                  spawn.childThread(),
                  "did:sync:instance:00000000000000c0",
                  Act.INTEND,
                  spawn.childIntent(),
                  round,
                  List.of());
          folds
              .get(spawn.worker().did())
              .applyDelivered(new StoredRecord(intend.id(), intend, round + 1, 0), driver.now);
        }
        int running = 0;
        for (WorkerInfo w : workers) {
          WorkerFold fold = folds.get(w.did());
          // The coordinator answers current to every question about an attempt's standing.
          for (boolean asked = true; asked; ) {
            asked = false;
            for (WorkerAction action :
                fold.decide(driver.now, ControlSnapshot.EMPTY, SpawnPolicy.ALLOW_ALL, 100)) {
              if (action instanceof WorkerAction.Start start) {
                runningOn.get(w.did()).put(start.key(), start.intent().index());
              } else if (action instanceof WorkerAction.Confirm confirm) {
                fold.answer(confirm.key(), AttemptStanding.CURRENT, driver.now);
                asked = true;
              }
            }
          }
          running += runningOn.get(w.did()).size();
        }
        assertThat(running).as("seed %d, cap %d", seed, cap).isLessThanOrEqualTo(cap);
        most = Math.max(most, running);
        // One running child, on a worker picked at random, finishes.
        List<WorkerInfo> busy =
            workers.stream().filter(w -> !runningOn.get(w.did()).isEmpty()).toList();
        if (busy.isEmpty()) {
          continue;
        }
        WorkerInfo w = busy.get(random.nextInt(busy.size()));
        Map<String, Integer> there = runningOn.get(w.did());
        String key = new ArrayList<>(there.keySet()).get(random.nextInt(there.size()));
        driver.done(there.remove(key), "accept");
        folds.get(w.did()).resultRecorded(key);
        driver.now += 10;
      }
      assertThat(driver.state().joinComplete()).as("seed %d", seed).isTrue();
      assertThat(most).as("seed %d, cap %d, %d workers", seed, cap, workers.size()).isEqualTo(cap);
    }
  }
}
