package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Placement with routing conditions ({@code cel:} targets), through the fold. The conditions here
 * come from a small stand-in compiler ({@code label=value}); the CEL one is tested in spl-cel.
 */
class RoutingTest {
  /** Compiles {@code key=value}: the worker has that label. Anything else does not compile. */
  static final RouteCompiler LABELS =
      new RouteCompiler() {
        @Override
        public RoutePredicate compile(String expression) {
          String[] pair = expression.split("=", 2);
          if (pair.length != 2) {
            throw new InvalidFanoutException(
                -1, "target", "expected key=value but found " + expression);
          }
          return new RoutePredicate() {
            @Override
            public String text() {
              return expression;
            }

            @Override
            public boolean matches(WorkerInfo worker, int freeSlots) {
              return pair[1].equals(worker.labels().get(pair[0]));
            }

            @Override
            public boolean readsFreeSlots() {
              return false;
            }
          };
        }

        /** {@code goal~TEXT}: the goal contains TEXT. */
        @Override
        public SubtaskMatch compileMatch(String expression) {
          if (!expression.startsWith("goal~")) {
            throw new InvalidFanoutException(
                -1, "match", "expected goal~TEXT but found " + expression);
          }
          String text = expression.substring(5);
          return new SubtaskMatch() {
            @Override
            public String text() {
              return expression;
            }

            @Override
            public boolean matches(String namespace, int index, SubtaskSpec subtask) {
              return subtask.goal().contains(text);
            }
          };
        }
      };

  static final JoinCompiler WITH_ROUTES =
      new JoinCompiler() {
        @Override
        public JoinPredicate compile(String expression) {
          return JoinCompiler.BUILT_IN_ONLY.compile(expression);
        }

        @Override
        public RouteCompiler routes() {
          return LABELS;
        }
      };

  static WorkerInfo labelled(String hex, String alias, int active, Map<String, String> labels) {
    return new WorkerInfo(
        "did:sync:instance:" + "0".repeat(16 - hex.length()) + hex,
        alias,
        "http://127.0.0.1:9" + hex,
        active,
        4,
        ExecutorKind.SHELL,
        "1.0.0",
        new TreeMap<>(labels));
  }

  static final WorkerInfo A100_BUSY = labelled("a", "worker-a", 2, Map.of("gpu", "a100"));
  static final WorkerInfo A100_IDLE = labelled("b", "worker-b", 0, Map.of("gpu", "a100"));
  static final WorkerInfo CPU = labelled("c", "worker-c", 0, Map.of("gpu", "none"));

  static SubtaskSpec routed(String goal, String target) {
    return new SubtaskSpec(goal, target, null, null, List.of(), null, null, null, null);
  }

  @Test
  void aRoutedChildGoesToTheLeastLoadedMatchTiesToTheLowestDid() {
    Driver driver = new Driver(WITH_ROUTES);
    driver.fanOut(
        List.of(
            routed("one", "cel:gpu=a100"),
            routed("two", "cel:gpu=a100"),
            routed("three", "cel:gpu=a100"),
            routed("four", "cel:gpu=none")),
        "all");
    List<FanoutAction.Spawn> spawns =
        Driver.spawns(driver.step(Driver.live(A100_BUSY, A100_IDLE, CPU)));
    // b (0 active) takes one, then two (1 < 2); three finds a and b both at 2: the lower DID, a.
    assertThat(spawns)
        .extracting(spawn -> spawn.worker().alias())
        .containsExactly("worker-b", "worker-b", "worker-a", "worker-c");
    assertThat(driver.state().target(0).toString()).isEqualTo("cel:gpu=a100");
  }

  @Test
  void aRoutedChildNoWorkerMatchesWaitsSaysWhyAndSpawnsOnceOneDoes() {
    Driver driver = new Driver(WITH_ROUTES);
    driver.fanOut(List.of(routed("train", "cel:gpu=h100"), routed("prep", null)), "all");
    List<FanoutAction.Spawn> first = Driver.spawns(driver.step(Driver.live(A100_IDLE, CPU)));
    assertThat(first).extracting(FanoutAction.Spawn::index).containsExactly(1);
    FanoutState state = driver.state();
    assertThat(state.childState(0)).isEqualTo(ChildState.PENDING_SPAWN);
    assertThat(state.waitingFor(0)).isEqualTo("no live worker matches cel:gpu=h100");
    JoinStatus status = JoinStatus.of(state);
    assertThat(status.perSubtask().get(0).waiting())
        .isEqualTo("no live worker matches cel:gpu=h100");
    assertThat(status.waiting())
        .containsExactly(new JoinStatus.Waiting("no live worker matches cel:gpu=h100", 1, 0));
    // A reader that does not decide (the CLI) works it out from the workers it sees.
    assertThat(JoinStatus.of(state, Driver.live(CPU)).perSubtask().get(0).waiting())
        .isEqualTo("no live worker matches cel:gpu=h100");

    WorkerInfo h100 = labelled("d", "worker-d", 3, Map.of("gpu", "h100"));
    List<FanoutAction.Spawn> later = Driver.spawns(driver.step(Driver.live(A100_IDLE, CPU, h100)));
    assertThat(later).extracting(spawn -> spawn.worker().alias()).containsExactly("worker-d");
    assertThat(driver.state().waitingFor(0)).isNull();
    assertThat(JoinStatus.of(driver.state()).waiting()).isEmpty();
  }

  @Test
  void aRouteThatDoesNotCompileIsRefusedNamingTheSubtask() {
    assertThatThrownBy(
            () ->
                FanoutValidation.validateRoutes(
                    java.util.Arrays.asList(null, "cel:gpu=a100", "cel:nonsense"), LABELS, 0))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage("subtask 2: target: expected key=value but found nonsense");
    assertThatThrownBy(() -> Target.parse(4, "cel:  "))
        .hasMessage("subtask 4: target: expected 'cel:<expression>' but the expression is empty");
  }

  @Test
  void aCoordinatorWithoutARouteCompilerNeverActsOnCelTargetsAndSaysWhy() {
    Driver driver = new Driver();
    String id = driver.fanOut(List.of(routed("x", "cel:gpu=a100")), "all");
    assertThat(driver.fanouts.get(id)).isEmpty();
    assertThat(driver.fanouts.invalidFanouts().get(id))
        .startsWith("subtask 0: target: cel: targets need the CEL route compiler");
  }

  @Test
  void aRouteThatReadsNoFreeSlotsIsEvaluatedOncePerWorkerPerPass() {
    int[] evaluations = {0};
    RoutePredicate counted =
        new RoutePredicate() {
          @Override
          public String text() {
            return "counted";
          }

          @Override
          public boolean matches(WorkerInfo worker, int freeSlots) {
            evaluations[0]++;
            return true;
          }

          @Override
          public boolean readsFreeSlots() {
            return false;
          }
        };
    Placement placement = new Placement(Driver.live(A100_BUSY, A100_IDLE, CPU), 0);
    for (int child = 0; child < 10; child++) {
      Placement.Choice choice =
          placement.choose(new Target(Target.Kind.CEL, "counted"), false, counted, null);
      placement.take(choice);
    }
    assertThat(evaluations[0]).isEqualTo(3);
  }

  @Test
  void freeSlotsCountTheChildrenPlacedInThePass() {
    RoutePredicate roomLeft =
        new RoutePredicate() {
          @Override
          public String text() {
            return "free_slots > 0";
          }

          @Override
          public boolean matches(WorkerInfo worker, int freeSlots) {
            return freeSlots > 0;
          }
        };
    Placement placement = new Placement(Driver.live(CPU), 0);
    Target target = new Target(Target.Kind.CEL, "free_slots > 0");
    for (int child = 0; child < 4; child++) {
      placement.take(placement.choose(target, false, roomLeft, null));
    }
    assertThat(placement.choose(target, false, roomLeft, null).none()).isTrue();
  }

  static dev.spl.core.StoredRecord rule(Driver driver, RoutingRule rule) {
    return driver.appendOn(
        dev.spl.core.ThreadIds.ENGINE_CONFIG,
        "did:sync:user:operator",
        dev.spl.core.Act.LEARN,
        rule.toBody(),
        List.of());
  }

  @Test
  void aFleetRuleNarrowsTheChildrenItMatchesTogetherWithTheirOwnTarget() {
    Driver driver = new Driver(WITH_ROUTES);
    rule(driver, new RoutingRule("training-on-gpus", "goal~train", "gpu=a100", true));
    driver.fanOut(
        List.of(
            routed("train big", null),
            routed("train small", "cel:gpu=none"),
            routed("report", null)),
        "all");
    List<FanoutAction.Spawn> spawns =
        Driver.spawns(driver.step(Driver.live(A100_BUSY, A100_IDLE, CPU)));
    // Child 0: the rule alone; child 1: its target and the rule cannot both hold; child 2: free.
    assertThat(spawns).extracting(FanoutAction.Spawn::index).containsExactly(0, 2);
    // Round-robin (no target) takes its turn among the workers the rule allows: a, then b.
    assertThat(spawns.get(0).worker().alias()).isEqualTo("worker-a");
    assertThat(driver.state().waitingFor(1))
        .isEqualTo(
            "no live worker matches cel:gpu=none and routing rule 'training-on-gpus' (gpu=a100)");

    // Removing the rule lets child 1 go where its own target says.
    rule(driver, new RoutingRule("training-on-gpus", null, null, false));
    List<FanoutAction.Spawn> later =
        Driver.spawns(driver.step(Driver.live(A100_BUSY, A100_IDLE, CPU)));
    assertThat(later).extracting(spawn -> spawn.worker().alias()).containsExactly("worker-c");
  }

  @Test
  void aRuleWithoutMatchAppliesToEveryChildAndABadRuleIsKeptOut() {
    Driver driver = new Driver(WITH_ROUTES);
    rule(driver, new RoutingRule("cpu-only", null, "gpu=none", true));
    driver.appendOn(
        dev.spl.core.ThreadIds.ENGINE_CONFIG,
        "did:sync:user:operator",
        dev.spl.core.Act.LEARN,
        new RoutingRule("broken", "nonsense", "gpu=a100", true).toBody(),
        List.of());
    assertThat(driver.fanouts.routingRules().problems())
        .containsEntry("broken", "body.match: expected goal~TEXT but found nonsense");
    driver.fanOut(List.of(routed("a", null), routed("b", Target.LEAST_LOADED_NAME)), "all");
    assertThat(Driver.spawns(driver.step(Driver.live(A100_IDLE, CPU))))
        .extracting(spawn -> spawn.worker().alias())
        .containsExactly("worker-c", "worker-c");
  }

  @Test
  void aRoutingRuleBodyIsCheckedForItsShape() {
    assertThatThrownBy(() -> new RoutingRule("bad name!", null, "x=y", true))
        .hasMessageStartingWith("body.name: expected 1-64 letters");
    assertThatThrownBy(() -> new RoutingRule("r", null, " ", true))
        .hasMessage("body.route: expected a CEL condition over the worker but found none");
    var body = new RoutingRule("r", null, "x=y", true).toBody().put("colour", "red");
    assertThatThrownBy(() -> RoutingRule.fromBody(body)).hasMessageContaining("colour");
    assertThat(RoutingRule.fromBody(new RoutingRule("r", "goal~x", "x=y", true).toBody()))
        .isEqualTo(new RoutingRule("r", "goal~x", "x=y", true));
  }
}
