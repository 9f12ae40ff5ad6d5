package dev.spl.daemon;

import static org.assertj.core.api.Assumptions.assumeThat;

import dev.spl.core.git.Git;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Real git repositories in temporary folders for tests; a test without git is skipped. */
public final class GitRepos {
  private GitRepos() {}

  /** The identity test commits are made with, whatever the machine's git config says. */
  public static final Map<String, String> IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "tester",
          "GIT_AUTHOR_EMAIL", "tester@localhost",
          "GIT_COMMITTER_NAME", "tester",
          "GIT_COMMITTER_EMAIL", "tester@localhost");

  /** Skips the calling test when the git command is missing. */
  public static void assumeGit() {
    assumeThat(Git.installed()).as("git is installed").isTrue();
  }

  /**
   * A repository at {@code dir} with one commit on {@code main} holding {@code files} (path to
   * content). Returns it.
   */
  public static Git create(Path dir, Map<String, String> files) throws Exception {
    assumeGit();
    Files.createDirectories(dir);
    Git git = new Git(dir);
    git.check("init", "-q", "-b", "main");
    git.check("config", "user.name", "tester");
    git.check("config", "user.email", "tester@localhost");
    for (Map.Entry<String, String> file : files.entrySet()) {
      write(dir.resolve(file.getKey()), file.getValue());
    }
    git.check("add", "-A");
    git.check(IDENTITY, "commit", "-q", "-m", "initial");
    return git;
  }

  public static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** The content of {@code path} at {@code rev}, or null when it has no such file. */
  public static String show(Git git, String rev, String path) throws Git.GitException {
    Git.Result result = git.run("show", rev + ":" + path);
    return result.ok() ? result.output() : null;
  }
}
