package dev.spl.it;

import com.github.dockerjava.api.exception.NotFoundException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs the container tests when a Docker engine answers and skips them, saying so on the console,
 * when none does. With an engine, a missing image is a failure: the build makes it before the tests
 * (scripts/image), so its absence is a broken build, not a machine without Docker.
 */
public final class DockerEngine implements ExecutionCondition {
  /** The image under test: {@code spl-local:<project version>}, set by the build. */
  public static final String IMAGE = System.getProperty("spl.image", "spl-local:latest");

  private static final AtomicBoolean TOLD = new AtomicBoolean();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      String reason =
          "no Docker engine answers: the container fleet tests are skipped (start dockerd, or"
              + " see docs/containers.md)";
      if (TOLD.compareAndSet(false, true)) {
        System.err.println("spl-it: " + reason);
      }
      return ConditionEvaluationResult.disabled(reason);
    }
    try {
      DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException(
          "a Docker engine answers but has no image "
              + IMAGE
              + ": build it with scripts/image (the build runs it before these tests)",
          e);
    }
    return ConditionEvaluationResult.enabled("a Docker engine answers and has " + IMAGE);
  }
}
