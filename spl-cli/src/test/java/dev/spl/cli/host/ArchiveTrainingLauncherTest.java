package dev.spl.cli.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The launcher records its class-data-sharing archives in JVMs that compile nothing: on JDK 17 an
 * archive made while a method waited in the compile queue keeps that method interpreted in every
 * JVM that maps it (JDK-8306460), which made a daemon hash records in the interpreter.
 */
class ArchiveTrainingLauncherTest {
  private static final Path LAUNCHER = Path.of("..", "scripts", "spl");

  @Test
  void everyTrainingRunOfTheLauncherIsInterpreted() throws IOException {
    List<String> lines = Files.readAllLines(LAUNCHER);
    assertThat(lines).contains("training_jit=(-Xint)");
    List<String> trainingRuns = new ArrayList<>();
    for (String line : lines) {
      if (line.contains("-XX:ArchiveClassesAtExit=") && !line.trim().startsWith("#")) {
        trainingRuns.add(line.trim());
      }
    }
    // The daemons' archive and the client's archive.
    assertThat(trainingRuns).hasSize(2);
    assertThat(trainingRuns)
        .allSatisfy(
            line ->
                assertThat(line)
                    .as("a training run of the launcher")
                    .contains("\"${training_jit[@]}\" -XX:ArchiveClassesAtExit="));
  }
}
