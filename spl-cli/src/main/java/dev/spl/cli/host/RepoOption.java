package dev.spl.cli.host;

import dev.spl.cli.CliException;
import dev.spl.core.git.Git;
import java.nio.file.Path;

/**
 * Checks a {@code --repo PATH} option: the top folder of a git repository. A folder inside a
 * repository is refused rather than widened to it, so a path that was meant to be a repository of
 * its own never selects an enclosing one.
 */
public final class RepoOption {
  private RepoOption() {}

  /**
   * {@code given} as an absolute path; bad input (exit 2) when git is missing or the folder is not
   * the top folder of a git work tree.
   */
  public static Path topLevel(String option, Path given) {
    if (!Git.installed()) {
      throw CliException.badInput(option + ": needs the git command, but git is not installed");
    }
    Path absolute = given.toAbsolutePath().normalize();
    if (!absolute.toFile().isDirectory()) {
      throw CliException.badInput(
          option
              + ": expected the top folder of a git repository but found no folder at "
              + absolute);
    }
    try {
      Path top = Git.topLevel(absolute);
      String expected = option + ": expected the top folder of a git repository but ";
      if (top == null) {
        throw CliException.badInput(expected + absolute + " is not in one");
      }
      Path real = absolute.toRealPath();
      if (!top.toRealPath().equals(real)) {
        throw CliException.badInput(expected + absolute + " is inside the one at " + top);
      }
      return absolute;
    } catch (Git.GitException e) {
      throw CliException.badInput(option + ": " + e.getMessage());
    } catch (java.io.IOException e) {
      throw CliException.badInput(option + ": cannot read " + absolute + ": " + e.getMessage());
    }
  }
}
