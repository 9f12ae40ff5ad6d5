package dev.spl.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The random-kill harness at a small scale: 200 shell children, 6 seeded {@code kill -9} of the
 * coordinator and of workers, each restarted as the runbook says; every check of the harness must
 * pass (scripts/chaos runs the full scale).
 */
class ChaosProcessTest {
  @TempDir Path base;

  @Test
  void twoHundredChildrenSurviveSixRandomKillsEachRunOnceMoreAtMostWhenInterrupted()
      throws Exception {
    ChaosHarness.Figures figures;
    try (ChaosHarness harness =
        new ChaosHarness(base, new ChaosHarness.Options(7, 200, 6, 2, "2"))) {
      figures = harness.run();
    }

    System.out.println(figures.report());
    assertThat(figures.problems()).as(figures.report()).isEmpty();
    assertThat(figures.kills()).as(figures.report()).isEqualTo(6);
    assertThat(figures.accepted()).isEqualTo(200);
  }
}
