package dev.spl.core.fanout;

import static dev.spl.core.fanout.Driver.live;
import static dev.spl.core.fanout.Driver.worker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.worker.AttemptFence;
import dev.spl.core.worker.AttemptStanding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's answer to "may I run this attempt" through a fan-out's whole life. */
class AttemptFenceStateTest {
  private static final WorkerInfo A = worker("a", "worker-a", 0);
  private static final WorkerInfo B = worker("b", "worker-b", 0);

  private static SubtaskSpec spec(String goal, String target) {
    return new SubtaskSpec(goal, target, null, null, List.of(), null, null, null, null);
  }

  private static AttemptStanding standing(
      Driver driver, int attempt, String worker, boolean heard) {
    return AttemptFence.standing(driver.state(), 0, attempt, worker, heard);
  }

  @Test
  void currentWhileSpawnedOnTheAskerThenSupersededWhenReassignedAndNeverCurrentAgain() {
    Driver driver = new Driver();
    driver.fanOut(List.of(spec("a", "worker-a")), "all", 3, 2);
    assertThat(standing(driver, 1, A.did(), true))
        .as("not spawned yet")
        .isEqualTo(AttemptStanding.NOT_YET);

    driver.step(live(A, B));
    assertThat(standing(driver, 1, A.did(), true)).isEqualTo(AttemptStanding.CURRENT);
    assertThat(standing(driver, 1, A.did(), false))
        .as("no heartbeat from the worker's new life yet")
        .isEqualTo(AttemptStanding.NOT_YET);
    assertThat(standing(driver, 1, B.did(), true)).isEqualTo(AttemptStanding.SUPERSEDED);

    WorkerDirectory aLost = new WorkerDirectory("http://127.0.0.1:9100", List.of(B), List.of(A));
    driver.step(aLost);
    driver.step(aLost);
    assertThat(standing(driver, 1, A.did(), true)).isEqualTo(AttemptStanding.SUPERSEDED);
    assertThat(standing(driver, 2, B.did(), true)).isEqualTo(AttemptStanding.CURRENT);

    driver.done(0, 2, "accept", "ok", 1);
    assertThat(standing(driver, 2, B.did(), true)).isEqualTo(AttemptStanding.DONE);
    assertThat(standing(driver, 1, A.did(), true)).isEqualTo(AttemptStanding.SUPERSEDED);
    assertThat(AttemptFence.standing(driver.state(), 5, 1, A.did(), true))
        .isEqualTo(AttemptStanding.UNKNOWN);
  }
}
