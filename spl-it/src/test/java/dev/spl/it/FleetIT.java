package dev.spl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.it.Fleet.Token;
import dev.spl.it.Fleet.Worker;
import dev.spl.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container.ExecResult;

/**
 * A coordinator and two workers, each in a container of the image, on a Docker network the test
 * creates: fan-outs across containers, and what a killed, paused or cut-off container does to them.
 * The coordinator is driven with the CLI inside its container and read through its port, published
 * on 127.0.0.1.
 */
@ExtendWith(DockerEngine.class)
class FleetIT {
  private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration EVENT_TIMEOUT = Duration.ofMinutes(1);

  @Test
  void aFanOutRunsAcrossContainersOnEchoAndShellWorkers(TestInfo test) {
    try (Fleet fleet = Fleet.create(name(test))) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Worker.of("worker-a", Fleet.echo("0.2", 4)),
          Worker.of("worker-b", "--executor", "shell", "--slots", "2"));
      Map<String, String> dids = fleet.awaitLive("worker-a", "worker-b");

      List<Map<String, Object>> subtasks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        subtasks.add(Map.of("goal", "echo " + i, "target", "worker-a"));
      }
      // The shell worker runs it with the image's /bin/sh: it reads its container's host name.
      subtasks.add(
          Map.of(
              "goal", "say where it ran",
              "target", "worker-b",
              "run", "read host </etc/hostname; echo \"ran on $host as child $SPL_INDEX\""));
      Fleet.FanOut fanOut = fleet.fanOut("across", subtasks, "all");
      Ledger ledger = fleet.awaitJoin(fanOut, JOIN_TIMEOUT);

      ledger.assertEveryChildOnce(6);
      Map<Integer, String> credited = ledger.joinWorkers();
      for (int i = 0; i < 5; i++) {
        assertThat(credited.get(i)).as("child %d", i).isEqualTo(dids.get("worker-a"));
      }
      assertThat(credited.get(5)).isEqualTo(dids.get("worker-b"));
      JsonNode shellChild = ledger.countedResults().get(5);
      assertThat(shellChild.path("summary").asText()).contains("ran on worker-b as child 5");
    }
  }

  @Test
  void killingAWorkerContainerMovesItsChildrenToTheOther(TestInfo test) {
    try (Fleet fleet = Fleet.create(name(test))) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Worker.of("worker-a", Fleet.echo("1", 2)), Worker.of("worker-b", Fleet.echo("1", 2)));
      Map<String, String> dids = fleet.awaitLive("worker-a", "worker-b");
      Fleet.FanOut fanOut = fleet.fanOut("kill", echoChildren(12), "all");

      // Killed once it has reported a result: it is known to run children, and has more left.
      awaitResultFrom(fleet, fanOut, dids.get("worker-a"));
      fleet.kill("worker-a");
      Ledger ledger = fleet.awaitJoin(fanOut, JOIN_TIMEOUT);

      ledger.assertEveryChildOnce(12);
      Set<Integer> moved = movedFrom(ledger, dids.get("worker-a"));
      assertThat(moved).as("children of the killed worker that finished on worker-b").isNotEmpty();
      assertThat(ledger.topic("fanout_retry_subtask"))
          .as("retries for a lost worker")
          .anySatisfy(
              r -> assertThat(r.path("body").path("reason").asText()).isEqualTo("worker_lost"));
      moved.forEach(i -> assertThat(ledger.joinWorkers().get(i)).isEqualTo(dids.get("worker-b")));
    }
  }

  @Test
  void pausingTheCoordinatorContainerLosesNothing(TestInfo test) {
    try (Fleet fleet = Fleet.create(name(test))) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Worker.of("worker-a", Fleet.echo("1", 2)), Worker.of("worker-b", Fleet.echo("1", 2)));
      Map<String, String> dids = fleet.awaitLive("worker-a", "worker-b");
      Fleet.FanOut fanOut = fleet.fanOut("pause", echoChildren(12), "all");
      awaitResultFrom(fleet, fanOut, dids.get("worker-a"));
      Set<String> before = fleet.thread(fanOut.thread()).ids();

      fleet.pause(Fleet.COORDINATOR);
      // While it is frozen the workers finish what they hold; their results wait in their
      // outboxes, and their heartbeats fail.
      for (String worker : List.of("worker-a", "worker-b")) {
        Await.until(
            worker + " finished its children while the coordinator is paused",
            EVENT_TIMEOUT,
            () -> fleet.finishedWhatItHolds(worker, fanOut));
        Await.until(
            worker + " noticed the coordinator does not answer",
            EVENT_TIMEOUT,
            () -> fleet.logs(worker).contains("does not answer heartbeats"));
      }
      fleet.unpause(Fleet.COORDINATOR);
      Ledger ledger = fleet.awaitJoin(fanOut, JOIN_TIMEOUT);

      ledger.assertEveryChildOnce(12);
      assertThat(ledger.ids()).as("records stored before the pause").containsAll(before);
    }
  }

  @Test
  void aWorkerCutOffPastItsLeaseLosesItsChildrenAndItsLateResultsCountNothingTwice(TestInfo test) {
    try (Fleet fleet = Fleet.create(name(test))) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Worker.of("worker-a", Fleet.echo("1", 2)), Worker.of("worker-b", Fleet.echo("1", 2)));
      Map<String, String> dids = fleet.awaitLive("worker-a", "worker-b");
      Fleet.FanOut fanOut = fleet.fanOut("partition", echoChildren(12), "all");
      awaitResultFrom(fleet, fanOut, dids.get("worker-a"));

      fleet.disconnect("worker-a");
      // The coordinator gives up on it after the lease and re-spawns its unfinished children on
      // worker-b; worker-a, still running, finishes its own copies with nobody to tell.
      Ledger joined = fleet.awaitJoin(fanOut, JOIN_TIMEOUT);
      Set<Integer> moved = movedFrom(joined, dids.get("worker-a"));
      assertThat(moved).as("children re-spawned away from the cut-off worker").isNotEmpty();
      Await.until(
          "worker-a finished the children it was given",
          EVENT_TIMEOUT,
          () -> fleet.finishedWhatItHolds("worker-a", fanOut));

      fleet.reconnect("worker-a");
      Await.until(
          "worker-a live again after reconnecting",
          EVENT_TIMEOUT,
          () ->
              fleet
                  .instance("worker-a")
                  .map(i -> i.path("status").asText().equals("live"))
                  .orElse(false));
      // Everything worker-a reported has reached the coordinator: its late results included.
      Set<String> late =
          fleet.workerRecords("worker-a", "fanout_child_done").stream()
              .map(r -> r.path("id").asText())
              .collect(Collectors.toSet());
      Ledger ledger =
          Await.untilPresent(
              "worker-a's results delivered to the coordinator",
              EVENT_TIMEOUT,
              () -> {
                Ledger now = fleet.thread(fanOut.thread());
                return now.ids().containsAll(late) ? Optional.of(now) : Optional.empty();
              });

      ledger.assertEveryChildOnce(12);
      assertThat(ledger.join())
          .as("the join, unchanged by the late results")
          .isEqualTo(joined.join());
      moved.forEach(i -> assertThat(ledger.joinWorkers().get(i)).isEqualTo(dids.get("worker-b")));
    }
  }

  @Test
  void aWorkerWithoutTheTokenNeverRegisters(TestInfo test) {
    try (Fleet fleet = Fleet.create(name(test))) {
      fleet.startCoordinator();
      fleet.startWorkers(
          Worker.of("worker-a", Fleet.echo("0", 2)),
          Worker.of("worker-x", Fleet.echo("0", 2)).with(Token.NONE),
          Worker.of("worker-y", Fleet.echo("0", 2)).with(Token.WRONG));
      fleet.awaitLive("worker-a");
      for (String refused : List.of("worker-x", "worker-y")) {
        // Its heartbeats reach the coordinator and are refused: its log says they fail, and the
        // coordinator answers its CLI 401 from the same container.
        Await.until(
            refused + " reporting failed heartbeats",
            EVENT_TIMEOUT,
            () -> fleet.logs(refused).contains("does not answer heartbeats"));
        ExecResult status =
            fleet.spl(refused, "--url", Fleet.url(Fleet.COORDINATOR), "fleet", "status");
        assertThat(status.getExitCode()).as("spl fleet status from " + refused).isEqualTo(2);
        assertThat(status.getStderr()).contains("UNAUTHORIZED");
        assertThat(fleet.instance(refused)).as(refused + " in the registry").isEmpty();
      }
      List<JsonNode> registrations = fleet.thread("th_instance_registry").topic("heartbeat");
      assertThat(registrations).as("heartbeats the coordinator stored").isNotEmpty();
      assertThat(registrations)
          .extracting(r -> r.path("body").path("alias").asText())
          .contains("worker-a")
          .doesNotContain("worker-x", "worker-y");
    }
  }

  private static String name(TestInfo test) {
    return test.getTestMethod().map(m -> m.getName()).orElse("fleet");
  }

  private static List<Map<String, Object>> echoChildren(int width) {
    List<Map<String, Object>> subtasks = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      Map<String, Object> subtask = new LinkedHashMap<>();
      subtask.put("goal", "echo child " + i);
      subtasks.add(subtask);
    }
    return subtasks;
  }

  /** Waits until the coordinator holds a result reported by {@code worker}. */
  private static void awaitResultFrom(Fleet fleet, Fleet.FanOut fanOut, String worker) {
    Await.until(
        "a result from " + worker,
        JOIN_TIMEOUT,
        () ->
            fleet.thread(fanOut.thread()).results().stream()
                .anyMatch(r -> r.path("worker").asText().equals(worker)));
  }

  /** Children first spawned to {@code worker} whose counted result came from another worker. */
  private static Set<Integer> movedFrom(Ledger ledger, String worker) {
    Map<Integer, String> credited = ledger.joinWorkers();
    return ledger.firstWorkers().entrySet().stream()
        .filter(e -> e.getValue().equals(worker))
        .map(Map.Entry::getKey)
        .filter(i -> !worker.equals(credited.get(i)))
        .collect(Collectors.toSet());
  }
}
