package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.StoredRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An outer child that fans out itself: it waits for its nested fan-in off its worker, ends with the
 * nested fan-in's verdict and values exactly once, and replay gives the same answer.
 */
class NestedFanoutsTest {
  private static final WorkerDirectory DIRECTORY = Driver.live(Driver.worker("a", "a", 0));

  private final Driver d = new Driver();

  private static List<SubtaskSpec> specs(int n) {
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      specs.add(new SubtaskSpec("goal " + i, null, null, null, List.of(), null, null, null, null));
    }
    return specs;
  }

  private static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static FaninSpec reducing(String reducer) {
    return new FaninSpec(Reducer.parseAll(List.of(reducer), "--reduce"));
  }

  /** A fan-out of {@code n} listed subtasks on {@code thread}, reducing {@code reducer}. */
  private String fanOutOn(String thread, int n, String reducer) {
    List<String> chunkIds = new ArrayList<>();
    for (SubtaskChunk chunk : SubtaskChunk.split("docs", specs(n), 100)) {
      chunkIds.add(d.appendOn(thread, Driver.USER, Act.LEARN, chunk.toBody(), List.of()).id());
    }
    ObjectNode parent =
        new FanoutParent(
                "docs",
                "all",
                n,
                chunkIds,
                FanoutRecords.DEFAULT_MAX_ATTEMPTS,
                null,
                d.now,
                null,
                FanoutOptions.DEFAULTS,
                reducing(reducer))
            .toBody();
    return d.appendOn(thread, Driver.USER, Act.INTEND, parent, chunkIds).id();
  }

  /** A worker's result for child {@code index} of {@code fanoutId}. */
  private void done(String fanoutId, int index, String verdict, JsonNode result) {
    FanoutState state = d.fanouts.get(fanoutId).orElseThrow();
    ObjectNode body =
        new ChildDone(
                state.ref().namespace(),
                fanoutId,
                index,
                state.attempt(index),
                state.thread(index),
                state.worker(index),
                Verdict.fromWire(verdict),
                new BigDecimal("0.01"),
                1.0,
                "result " + index,
                d.now - 1000,
                d.now,
                null,
                0,
                null,
                new ChildOutput(result, List.of()))
            .toBody();
    d.appendOn(state.ref().thread(), state.worker(index), Act.KNOW, body, List.of());
  }

  private void settle() {
    for (int i = 0; i < 10 && !d.step(DIRECTORY).isEmpty(); i++) {
      // each pass appends what it decided; stop once nothing is left to do
    }
  }

  @Test
  void theOuterChildWaitsOffItsWorkerAndEndsWithTheNestedFanInOnce() {
    String outer =
        d.fanOut(
            specs(2), "all", FanoutOptions.DEFAULTS, reducing("grand=sum(result.reduced.total)"));
    settle();
    FanoutState outerState = d.state();
    String childThread = outerState.thread(0);
    String nested = fanOutOn(childThread, 2, "total=sum(result.v)");
    done(outer, 0, "accept", json("{\"printed\":\"by the command\"}"));

    assertThat(outerState.childState(0)).isEqualTo(ChildState.IN_PROGRESS);
    assertThat(outerState.waitingForNested(0)).isTrue();
    assertThat(d.fanouts.waitingForNested(childThread)).isTrue();
    assertThat(JoinStatus.subtask(outerState, 0).state()).isEqualTo(JoinStatus.WAITING_FOR_NESTED);
    assertThat(outerState.reduced().get("grand").value().asLong()).isZero();

    settle();
    FanoutState nestedState = d.fanouts.get(nested).orElseThrow();
    assertThat(nestedState.spawnedCount()).isEqualTo(2);
    done(nested, 0, "accept", json("{\"v\":1}"));
    done(nested, 1, "accept", json("{\"v\":2}"));
    done(outer, 1, "accept", json("{\"reduced\":{\"total\":10}}"));
    settle();

    assertThat(nestedState.joinVerdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(outerState.childState(0)).isEqualTo(ChildState.DONE);
    assertThat(outerState.waitingForNested(0)).isFalse();
    assertThat(outerState.joinVerdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(outerState.reduced().get("grand").value().asLong()).isEqualTo(13);
    List<StoredRecord> outerResults =
        d.log.stream().filter(r -> r.record().body().has(NestedFanouts.NESTED_FIELD)).toList();
    assertThat(outerResults).hasSize(1);
    ChildDone result = ChildDone.fromBody(outerResults.get(0).record().body());
    assertThat(result.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(result.exitCode()).isEqualTo(0);
    assertThat(result.output().result().get("status").asText()).isEqualTo("complete");
    assertThat(result.output().result().get("reduced").get("total").asLong()).isEqualTo(3);

    // The worker's result arriving again changes nothing; replay gives the same answer.
    done(outer, 0, "accept", json("{\"printed\":\"again\"}"));
    assertThat(outerState.reduced().get("grand").value().asLong()).isEqualTo(13);
    Fanouts replayed =
        new Fanouts(JoinCompiler.BUILT_IN_ONLY, d.new LogReader(), Fanouts.DEFAULT_MAX_CHILDREN);
    d.log.forEach(replayed::apply);
    FanoutState again = replayed.get(outer).orElseThrow();
    assertThat(again.joinVerdict()).isEqualTo(JoinComplete.ACCEPT);
    assertThat(again.reduced().get("grand").value().asLong()).isEqualTo(13);
    assertThat(replayed.decide(d.now, DIRECTORY, SpawnPolicy.ALLOW_ALL)).isEmpty();
  }

  @Test
  void aFailedNestedFanInFailsTheOuterChild() {
    String outer = d.fanOut(specs(1), "all", FanoutOptions.DEFAULTS, FaninSpec.NONE);
    settle();
    String nested = fanOutOn(d.state().thread(0), 1, "total=sum(result.v)");
    done(outer, 0, "accept", null);
    settle();
    done(nested, 0, "failed", null);
    settle();
    assertThat(d.state().verdict(0)).isEqualTo(Verdict.FAILED);
    assertThat(d.state().joinVerdict()).isEqualTo(JoinComplete.REJECT);
  }

  @Test
  void anOuterChildThatFailsCancelsItsNestedFanout() {
    String outer = d.fanOut(specs(1), "all", FanoutOptions.DEFAULTS, FaninSpec.NONE);
    settle();
    String nested = fanOutOn(d.state().thread(0), 2, "total=sum(result.v)");
    settle();
    done(outer, 0, "failed", null);
    settle();
    assertThat(d.state().verdict(0)).isEqualTo(Verdict.FAILED);
    FanoutState nestedState = d.fanouts.get(nested).orElseThrow();
    assertThat(nestedState.cancelRequested()).isTrue();
    assertThat(nestedState.joinVerdict()).isEqualTo(JoinComplete.CANCELLED);
  }

  @Test
  void cancellingTheOuterFanoutCancelsTheNestedOneItsWaitingChildMade() {
    String outer = d.fanOut(specs(1), "all", FanoutOptions.DEFAULTS, FaninSpec.NONE);
    settle();
    String nested = fanOutOn(d.state().thread(0), 2, "total=sum(result.v)");
    done(outer, 0, "accept", null);
    settle();
    d.append(Driver.USER, Act.LEARN, new CancelRequest("docs", outer, "stop").toBody(), List.of());
    settle();
    FanoutState nestedState = d.fanouts.get(nested).orElseThrow();
    assertThat(nestedState.joinVerdict()).isEqualTo(JoinComplete.CANCELLED);
    assertThat(d.state().joinVerdict()).isEqualTo(JoinComplete.CANCELLED);
    assertThat(d.state().childState(0).terminal()).isTrue();
  }

  @Test
  void theDepthCountsTheChildThreadsAboveAFanout() {
    String task = dev.spl.core.ThreadIds.derive("task", "t");
    String child = dev.spl.core.ThreadIds.derive("child", "1");
    String grandchild = dev.spl.core.ThreadIds.derive("child", "2");
    java.util.Map<String, String> parentOf = java.util.Map.of(child, task, grandchild, child);
    java.util.function.BiFunction<String, Integer, java.util.Optional<ChildIntent>> childOf =
        (thread, attempt) ->
            java.util.Optional.ofNullable(parentOf.get(thread))
                .map(
                    parent ->
                        new ChildIntent(
                            "docs",
                            "f".repeat(64),
                            parent,
                            null,
                            "w",
                            0,
                            1,
                            "g",
                            null,
                            null,
                            null,
                            List.of(),
                            null));
    assertThat(NestedFanouts.depthOf(task, 4, childOf)).isEqualTo(1);
    assertThat(NestedFanouts.depthOf(child, 4, childOf)).isEqualTo(2);
    assertThat(NestedFanouts.depthOf(grandchild, 4, childOf)).isEqualTo(3);
    assertThat(NestedFanouts.depthOf(grandchild, 1, childOf)).isEqualTo(2);
  }
}
