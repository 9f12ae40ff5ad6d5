package dev.spl.it;

import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.utility.DockerImageName;

/**
 * The image is built on this machine and no registry is reachable: never pull. Named in the {@code
 * TESTCONTAINERS_PULL_POLICY} variable the build sets, and given to every container.
 */
public final class NeverPull implements ImagePullPolicy {
  @Override
  public boolean shouldPull(DockerImageName imageName) {
    return false;
  }
}
