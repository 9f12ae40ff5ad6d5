package dev.spl.cli.host;

import dev.spl.cli.CliException;
import dev.spl.daemon.exec.Git;
import java.nio.file.Path;

/** Checks a {@code --repo PATH} option: a git repository, named by its top folder. */
public final class RepoOption {
  private RepoOption() {}

  /**
   * The absolute top folder of the repository {@code given} is in; bad input (exit 2) when git is
   * missing or the folder is not in a git work tree.
   */
  public static Path topLevel(String option, Path given) {
    if (!Git.installed()) {
      throw CliException.badInput(option + ": needs the git command, but git is not installed");
    }
    Path absolute = given.toAbsolutePath().normalize();
    if (!absolute.toFile().isDirectory()) {
      throw CliException.badInput(
          option + ": expected a git repository but found no folder at " + absolute);
    }
    try {
      Path top = Git.topLevel(absolute);
      if (top == null) {
        throw CliException.badInput(
            option + ": expected a git repository but " + absolute + " is not in one");
      }
      return top.toAbsolutePath().normalize();
    } catch (Git.GitException e) {
      throw CliException.badInput(option + ": " + e.getMessage());
    }
  }
}
