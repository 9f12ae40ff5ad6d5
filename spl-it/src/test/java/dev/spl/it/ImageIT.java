package dev.spl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Volume;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** The image on its own: how a daemon runs in it, stops, keeps its home, refuses to be open. */
@ExtendWith(DockerEngine.class)
class ImageIT {
  private static final Pattern DID = Pattern.compile("did (did:sync:instance:[0-9a-f]+)");
  private static final String TOKEN = "spl-it-" + UUID.randomUUID().toString().replace("-", "");

  private final DockerClient docker = DockerClientFactory.instance().client();

  @Test
  void aDaemonRunsAsProcessOneAsANonRootUserAndStopsCleanlyOnDockerStop() throws Exception {
    try (GenericContainer<?> daemon = daemon(null)) {
      daemon.start();
      // dash's builtins only: the image has no other tools.
      ExecResult status =
          daemon.execInContainer(
              "sh",
              "-c",
              "read name </proc/1/comm; while read key value rest; do"
                  + " [ \"$key\" = Uid: ] && echo \"$name $value\"; done </proc/1/status");
      assertThat(status.getStdout().trim())
          .as("process 1: command and uid")
          .isEqualTo("java 10001");

      String id = daemon.getContainerId();
      docker.stopContainerCmd(id).withTimeout(30).exec();
      // 143 is the JVM's exit after SIGTERM; a daemon still running after the grace would have
      // been killed (137).
      Long exit = docker.inspectContainerCmd(id).exec().getState().getExitCodeLong();
      assertThat(exit).as("exit code after docker stop").isIn(0L, 143L);
      assertThat(daemon.getLogs()).contains("spl daemon stopped");
    }
  }

  @Test
  void theHomeOnAVolumeOutlivesTheContainer() {
    String volume = "spl-it-home-" + UUID.randomUUID().toString().substring(0, 8);
    docker.createVolumeCmd().withName(volume).exec();
    try {
      String first;
      try (GenericContainer<?> daemon = daemon(volume)) {
        daemon.start();
        first = did(daemon.getLogs());
      }
      try (GenericContainer<?> daemon = daemon(volume)) {
        daemon.start();
        assertThat(did(daemon.getLogs())).as("the DID kept in the home").isEqualTo(first);
      }
    } finally {
      docker.removeVolumeCmd(volume).exec();
    }
  }

  @Test
  void withoutATokenTheDefaultCommandRefusesToListenOnEveryInterface() throws Exception {
    String id = docker.createContainerCmd(DockerEngine.IMAGE).exec().getId();
    try {
      docker.startContainerCmd(id).exec();
      int exit = docker.waitContainerCmd(id).start().awaitStatusCode(2, TimeUnit.MINUTES);
      assertThat(exit).as("exit code").isEqualTo(1);
      assertThat(logs(id)).contains("binding 0.0.0.0", "requires a token");
    } finally {
      docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    }
  }

  private GenericContainer<?> daemon(String volume) {
    GenericContainer<?> daemon =
        new GenericContainer<>(DockerImageName.parse(DockerEngine.IMAGE))
            .withImagePullPolicy(new NeverPull())
            .withCopyToContainer(new TokenFile(TOKEN), TokenFile.PATH)
            .waitingFor(
                Wait.forLogMessage(".*listening on .*", 1)
                    .withStartupTimeout(Duration.ofMinutes(2)));
    if (volume != null) {
      daemon.withCreateContainerCmdModifier(
          cmd -> cmd.getHostConfig().withBinds(new Bind(volume, new Volume("/data"))));
    }
    return daemon;
  }

  private static String did(String logs) {
    Matcher matcher = DID.matcher(logs);
    assertThat(matcher.find()).as("a DID in the start line of: " + logs).isTrue();
    return matcher.group(1);
  }

  private String logs(String id) throws InterruptedException {
    StringBuilder out = new StringBuilder();
    docker
        .logContainerCmd(id)
        .withStdOut(true)
        .withStdErr(true)
        .exec(
            new ResultCallback.Adapter<Frame>() {
              @Override
              public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
              }
            })
        .awaitCompletion(1, TimeUnit.MINUTES);
    return out.toString();
  }
}
