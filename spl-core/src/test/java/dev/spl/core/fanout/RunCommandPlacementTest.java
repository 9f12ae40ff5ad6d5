package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandPlacementTest {
  private static final WorkerInfo ECHO_A =
      new WorkerInfo(
          "did:sync:instance:000000000000000a",
          "worker-a",
          "u",
          0,
          4,
          ExecutorKind.ECHO,
          null,
          null);
  private static final WorkerInfo ECHO_B =
      new WorkerInfo(
          "did:sync:instance:000000000000000b",
          "worker-b",
          "u",
          0,
          4,
          ExecutorKind.ECHO,
          null,
          null);
  private static final WorkerInfo SHELL_C =
      new WorkerInfo(
          "did:sync:instance:000000000000000c",
          "worker-c",
          "u",
          0,
          4,
          ExecutorKind.SHELL,
          null,
          null);

  private static SubtaskSpec spec(String target, String run) {
    return SubtaskParser.parseCli(
        0,
        "goal=g"
            + (target == null ? "" : ",target=" + target)
            + (run == null ? "" : ",run=" + run));
  }

  @Test
  void runCommandsThatCanOnlyReachEchoWorkersAreRefused() {
    RunCommandPlacement.Verdict verdict =
        RunCommandPlacement.check(
            List.of(spec(null, "touch f"), spec(null, null), spec("worker-a", "exit 1")),
            WorkerDirectory.of("c", List.of(ECHO_A, ECHO_B)));

    assertThat(verdict.refusal())
        .hasValueSatisfying(
            message ->
                assertThat(message)
                    .startsWith("2 subtasks (0, 2) have a run command")
                    .contains("only workers that run the echo executor (worker-a, worker-b)"));
    assertThat(verdict.warning()).isEmpty();
  }

  @Test
  void aMixedFleetWarnsAndAPinnedShellTargetPasses() {
    WorkerDirectory mixed = WorkerDirectory.of("c", List.of(ECHO_A, SHELL_C));

    RunCommandPlacement.Verdict spread =
        RunCommandPlacement.check(List.of(spec(null, "make")), mixed);
    assertThat(spread.refusal()).isEmpty();
    assertThat(spread.warning())
        .hasValueSatisfying(
            message ->
                assertThat(message)
                    .startsWith("subtask 0 has a run command and may be placed on workers")
                    .contains("(worker-a)"));

    RunCommandPlacement.Verdict pinned =
        RunCommandPlacement.check(List.of(spec("worker-c", "make")), mixed);
    assertThat(pinned.refusal()).isEmpty();
    assertThat(pinned.warning()).isEmpty();
  }

  @Test
  void workersOfUnknownExecutorAndEmptyFleetsPass() {
    WorkerInfo unknown = new WorkerInfo("did:sync:instance:000000000000000d", "old", "u", 0, 1);
    assertThat(
            RunCommandPlacement.check(
                    List.of(spec(null, "make")), WorkerDirectory.of("c", List.of(unknown)))
                .refusal())
        .isEmpty();
    assertThat(
            RunCommandPlacement.check(
                    List.of(spec(null, "make")), WorkerDirectory.of("c", List.of()))
                .refusal())
        .isEmpty();
  }
}
