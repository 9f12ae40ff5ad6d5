package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.git.Git;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git refuses to write a repository's config or refs while another git holds their lock file; the
 * workers and the merge queue of one host share a repository, so they take turns through {@link
 * Git#administer}, across threads and processes.
 */
class GitAdministrationTest {
  private static final int WRITES = 25;

  @TempDir Path dir;

  /** Writes {@code WRITES} config keys named after {@code args[1]}, each while administering. */
  public static void main(String[] args) throws Exception {
    writeKeys(new Git(Path.of(args[0])), args[1]);
  }

  private static Void writeKeys(Git git, String who) throws Git.GitException, IOException {
    for (int i = 0; i < WRITES; i++) {
      String key = "spl-test." + who + "-" + i;
      git.administer(() -> git.check("config", key, "written"));
    }
    return null;
  }

  @Test
  void twoProcessesAndTwoThreadsWritingOneRepositoryTakeTurns() throws Exception {
    Git repo = GitRepos.create(dir.resolve("repo"), Map.of("README", "sample\n"));
    // A worktree of the repository shares its config: the lock is the repository's, not the
    // folder's.
    repo.check("worktree", "add", "-q", "--detach", dir.resolve("tree").toString(), "HEAD");
    Git tree = new Git(dir.resolve("tree"));

    String java = ProcessHandle.current().info().command().orElseThrow();
    Process other =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                GitAdministrationTest.class.getName(),
                dir.resolve("repo").toString(),
                "process")
            .redirectErrorStream(true)
            .start();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> writers = new ArrayList<>();
      writers.add(threads.submit(() -> writeKeys(repo, "thread-a")));
      writers.add(threads.submit(() -> writeKeys(tree, "thread-b")));
      for (Future<Void> writer : writers) {
        writer.get(120, TimeUnit.SECONDS);
      }
      assertThat(other.waitFor(120, TimeUnit.SECONDS)).as("the other process ended").isTrue();
      String said = new String(other.getInputStream().readAllBytes());
      assertThat(other.exitValue()).as(said).isZero();
    } finally {
      threads.shutdownNow();
      other.destroyForcibly();
    }
    for (String who : List.of("process", "thread-a", "thread-b")) {
      for (int i = 0; i < WRITES; i++) {
        assertThat(repo.check("config", "spl-test." + who + "-" + i)).isEqualTo("written");
      }
    }
  }
}
