package dev.spl.cel.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.cel.join.CelJoinCompiler;
import dev.spl.core.fanout.ExecutorKind;
import dev.spl.core.fanout.FanoutValidation;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.RoutePredicate;
import dev.spl.core.fanout.WorkerInfo;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CelRouteCompilerTest {
  private final CelRouteCompiler compiler = new CelRouteCompiler();

  private static WorkerInfo worker(String alias, int active, int free, Map<String, String> labels) {
    return new WorkerInfo(
        "did:sync:instance:000000000000000a",
        alias,
        "http://a",
        active,
        free,
        ExecutorKind.SHELL,
        "1.4.0",
        new TreeMap<>(labels));
  }

  @Test
  void readsLabelsFreeSlotsVersionAliasAndExecutor() {
    WorkerInfo gpu = worker("gpu-1", 1, 3, Map.of("gpu", "a100", "zone", "eu"));
    RoutePredicate route = compiler.compile("worker.labels.gpu == 'a100' && worker.free_slots > 0");
    assertThat(route.matches(gpu, 3)).isTrue();
    assertThat(route.matches(gpu, 0)).isFalse();
    assertThat(route.readsFreeSlots()).isTrue();
    assertThat(compiler.compile("worker.version.startsWith('1.4')").matches(gpu, 0)).isTrue();
    assertThat(compiler.compile("worker.alias == 'gpu-1' && worker.active < 2").matches(gpu, 0))
        .isTrue();
    assertThat(compiler.compile("worker.executor == 'shell'").matches(gpu, 0)).isTrue();
    RoutePredicate zone = compiler.compile("'zone' in worker.labels");
    assertThat(zone.readsFreeSlots()).isFalse();
    assertThat(zone.matches(worker("cpu", 0, 1, Map.of()), 1)).isFalse();
  }

  @Test
  void aMissingLabelIsNoMatchNotAnError() {
    RoutePredicate route = compiler.compile("worker.labels.gpu == 'a100'");
    assertThat(route.matches(worker("cpu", 0, 4, Map.of("zone", "eu")), 4)).isFalse();
  }

  @Test
  void eachDistinctConditionCompilesOnce() {
    RoutePredicate first = compiler.compile("worker.free_slots > 1");
    assertThat(compiler.compile("worker.free_slots > 1")).isSameAs(first);
    CelJoinCompiler joins = new CelJoinCompiler();
    assertThat(joins.routes()).isSameAs(joins.routes());
  }

  @Test
  void refusesAnUnknownFieldNamingTheSubtaskAndTheField() {
    assertThatThrownBy(
            () ->
                FanoutValidation.validateRoutes(
                    Arrays.asList("round-robin", "cel:worker.gpu == 'a100'"), compiler, 0))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessageStartingWith("subtask 1: target: the CEL expression does not compile")
        .hasMessageContaining("worker.gpu")
        .hasMessageContaining("a routing condition reads worker.did");
  }

  @Test
  void refusesANonBooleanAndAnExpressionThatDoesNotParse() {
    assertThatThrownBy(
            () ->
                FanoutValidation.validateRoutes(
                    Arrays.asList("cel:worker.free_slots + 1"), compiler, 0))
        .hasMessage(
            "subtask 0: target: expected a CEL expression of type bool but 'worker.free_slots + 1'"
                + " has type int");
    assertThatThrownBy(
            () -> FanoutValidation.validateRoutes(Arrays.asList("cel:worker.(("), compiler, 3))
        .hasMessageStartingWith("subtask 3: target: the CEL expression does not compile (line 1");
  }
}
