package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanoutValidationTest {
  private static SubtaskSpec dependsOn(String goal, Integer... depends) {
    return new SubtaskSpec(goal, null, null, null, List.of(depends), null, null, null, null);
  }

  @Test
  void refusesAnEmptyList() {
    assertThatThrownBy(() -> FanoutValidation.validate(List.of()))
        .hasMessage("subtasks: a fan-out needs at least one subtask but none were given");
  }

  @Test
  void refusesMoreThanTheWidthLimit() {
    List<SubtaskSpec> specs = new ArrayList<>();
    for (int i = 0; i <= FanoutValidation.MAX_WIDTH; i++) {
      specs.add(SubtaskSpec.ofGoal("g" + i));
    }
    assertThatThrownBy(() -> FanoutValidation.validate(specs))
        .hasMessage("subtasks: 100001 subtasks given but the limit of one fan-out is 100000");
  }

  @Test
  void refusesDependsOutOfRangeOnItselfOrInACycle() {
    assertThatThrownBy(
            () ->
                FanoutValidation.validate(
                    List.of(dependsOn("a"), dependsOn("b"), dependsOn("c", 5))))
        .isInstanceOf(InvalidFanoutException.class)
        .hasMessage("subtask 2: depends: index 5 is out of range (3 subtasks: 0..2)");
    assertThatThrownBy(() -> FanoutValidation.validate(List.of(dependsOn("a", 0))))
        .hasMessage("subtask 0: depends: a subtask cannot depend on itself");
    assertThatThrownBy(
            () ->
                FanoutValidation.validate(
                    List.of(dependsOn("a", 2), dependsOn("b", 0), dependsOn("c", 1))))
        .hasMessage("subtask 0: depends: cycle 0 -> 2 -> 1 -> 0 (each depends on the next)");
  }

  @Test
  void acceptsALongChainWithoutOverflowingTheStack() {
    List<SubtaskSpec> specs = new ArrayList<>();
    specs.add(SubtaskSpec.ofGoal("first"));
    for (int i = 1; i < 100_000; i++) {
      specs.add(dependsOn("g" + i, i - 1));
    }
    assertThatCode(() -> FanoutValidation.validate(specs)).doesNotThrowAnyException();
  }

  @Test
  void pinnedTargetsMustNameARegisteredWorker() {
    WorkerInfo a = Driver.worker("a", "worker-a", 0);
    WorkerInfo lost = Driver.worker("b", "worker-b", 0);
    WorkerDirectory directory =
        new WorkerDirectory("http://127.0.0.1:9100", List.of(a), List.of(lost));
    List<SubtaskSpec> fine =
        List.of(
            new SubtaskSpec("x", "worker-b", null, null, List.of(), null, null, null, null),
            new SubtaskSpec(
                "y", "specific:" + a.did(), null, null, List.of(), null, null, null, null),
            new SubtaskSpec(
                "z", "least-loaded-worker", null, null, List.of(), null, null, null, null));
    assertThatCode(() -> FanoutValidation.validateTargets(fine, directory))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                FanoutValidation.validateTargets(
                    List.of(
                        SubtaskSpec.ofGoal("x"),
                        new SubtaskSpec(
                            "y", "worker-z", null, null, List.of(), null, null, null, null)),
                    directory))
        .hasMessage(
            "subtask 1: target: no worker with alias 'worker-z' is registered (known: worker-a,"
                + " worker-b)");
    assertThatThrownBy(
            () ->
                FanoutValidation.validateTargets(
                    List.of(
                        new SubtaskSpec(
                            "y",
                            "specific:did:sync:instance:ffffffffffffffff",
                            null,
                            null,
                            List.of(),
                            null,
                            null,
                            null,
                            null)),
                    directory))
        .hasMessageStartingWith(
            "subtask 0: target: no worker with DID 'did:sync:instance:ffffffffffffffff'");
  }

  @Test
  void specificFollowedByAnAliasNamesThatAlias() {
    WorkerInfo a = Driver.worker("a", "worker-a", 0);
    WorkerDirectory directory = Driver.live(a);
    assertThat(Target.parse(0, "specific:worker-a"))
        .isEqualTo(new Target(Target.Kind.ALIAS, "worker-a"));
    assertThat(Target.parse(0, "specific:" + a.did()))
        .isEqualTo(new Target(Target.Kind.SPECIFIC, a.did()));
    assertThatCode(
            () ->
                FanoutValidation.validateTargets(
                    List.of(
                        new SubtaskSpec(
                            "x",
                            "specific:worker-a",
                            null,
                            null,
                            List.of(),
                            null,
                            null,
                            null,
                            null)),
                    directory))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                FanoutValidation.validateTargets(
                    List.of(
                        new SubtaskSpec(
                            "x",
                            "specific:worker-q",
                            null,
                            null,
                            List.of(),
                            null,
                            null,
                            null,
                            null)),
                    directory))
        .hasMessage(
            "subtask 0: target: no worker with alias 'worker-q' is registered (known: worker-a)");
  }

  @Test
  void retryRequestsAreCheckedAgainstTheState() {
    Driver driver = new Driver();
    driver.fanOut(
        List.of(SubtaskSpec.ofGoal("a"), SubtaskSpec.ofGoal("b"), dependsOn("c", 1)), "all");
    driver.step(Driver.live(Driver.worker("a", "worker-a", 0)));
    FanoutState state = driver.state();
    assertThatThrownBy(() -> FanoutValidation.validateRetry(state, 3))
        .hasMessage("subtask: index 3 is out of range (3 subtasks: 0..2)");
    assertThatThrownBy(() -> FanoutValidation.validateRetry(state, 0))
        .hasMessage(
            "subtask 0: cannot retry: attempt 1 is still running on "
                + "did:sync:instance:000000000000000a; wait for its result");
    assertThatThrownBy(() -> FanoutValidation.validateRetry(state, 2))
        .hasMessage("subtask 2: cannot retry: it has not been spawned yet (pending spawn)");
    driver.done(0, "accept");
    assertThatCode(() -> FanoutValidation.validateRetry(state, 0)).doesNotThrowAnyException();
    driver.done(1, "reject");
    assertThat(state.childState(2)).isEqualTo(ChildState.SKIPPED);
    driver.step(Driver.live(Driver.worker("a", "worker-a", 0)));
    assertThat(state.joinComplete()).isTrue();
    assertThatThrownBy(() -> FanoutValidation.validateRetry(state, 1))
        .hasMessageStartingWith(
            "subtask 1: cannot retry: the join already completed with verdict reject");
  }

  @Test
  void skippedSubtasksPointAtTheirFailedDependency() {
    Driver driver = new Driver();
    driver.fanOut(List.of(SubtaskSpec.ofGoal("a"), dependsOn("b", 0)), "any");
    driver.step(Driver.live(Driver.worker("a", "worker-a", 0)));
    driver.done(0, "timeout");
    assertThatThrownBy(() -> FanoutValidation.validateRetry(driver.state(), 1))
        .hasMessage(
            "subtask 1: cannot retry: it was skipped because a subtask it depends on ([0]) did not"
                + " accept; retry that one instead");
  }
}
