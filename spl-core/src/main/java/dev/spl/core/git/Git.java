package dev.spl.core.git;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code git} command line, run in one folder: the workers' worktree executor and the client's
 * checks of {@code --repo} both run git through it. The command line (rather than a Java library)
 * keeps worktrees, hooks and configuration exactly as the user's own git sees them.
 */
public final class Git {
  private final Path dir;

  public Git(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** What a git command printed (standard output and error together) and how it exited. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** The output without the line break at its end. */
    public String text() {
      return output.strip();
    }
  }

  /** A git command that failed: the command, the exit code and what git said. */
  public static final class GitException extends Exception {
    GitException(String message) {
      super(message);
    }
  }

  /** Runs {@code git ARGS} in the folder; never throws for a non-zero exit. */
  public Result run(String... args) throws GitException {
    return run(Map.of(), args);
  }

  /** As {@link #run(String...)}, with {@code env} added to git's environment. */
  public Result run(Map<String, String> env, String... args) throws GitException {
    List<String> command = new ArrayList<>(args.length + 3);
    command.add("git");
    command.add("-C");
    command.add(dir.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    // A prompt for credentials or an editor would wait forever: nobody is there to answer.
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    builder.environment().put("GIT_EDITOR", "true");
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Process process = builder.start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return new Result(process.waitFor(), output);
    } catch (IOException e) {
      throw new GitException("could not run git " + String.join(" ", args) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GitException("interrupted while running git " + String.join(" ", args));
    }
  }

  /** Runs {@code git ARGS} and returns its output; a non-zero exit is a {@link GitException}. */
  public String check(String... args) throws GitException {
    return check(Map.of(), args);
  }

  public String check(Map<String, String> env, String... args) throws GitException {
    Result result = run(env, args);
    if (!result.ok()) {
      throw new GitException(
          "git "
              + String.join(" ", args)
              + " in "
              + dir
              + " exited "
              + result.exitCode()
              + ": "
              + result.text());
    }
    return result.text();
  }

  /** Work done with git that may throw what git and files throw. */
  @FunctionalInterface
  public interface Work<T> {
    T run() throws GitException, IOException;
  }

  // One lock per repository in this process: a file lock is held by the process, so two threads
  // of one process must take turns before either takes it.
  private static final ConcurrentHashMap<Path, ReentrantLock> ADMINISTRATION =
      new ConcurrentHashMap<>();

  /**
   * Runs {@code work} while no other spl process or thread administers the same repository: adding
   * or removing worktrees, writing its config or its branches. Git refuses such a command when
   * another holds its lock file (for example {@code .git/config.lock}) rather than waiting, and
   * several workers on one host share one repository. The lock is {@code spl-administration.lock}
   * in the repository's common git folder, held through the operating system, so a killed process
   * leaves nothing to clean up.
   */
  public <T> T administer(Work<T> work) throws GitException, IOException {
    Path lockFile = commonDir().resolve(ADMINISTRATION_LOCK);
    ReentrantLock inProcess = ADMINISTRATION.computeIfAbsent(lockFile, f -> new ReentrantLock());
    inProcess.lock();
    try (FileChannel channel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      return work.run();
    } finally {
      inProcess.unlock();
    }
  }

  static final String ADMINISTRATION_LOCK = "spl-administration.lock";

  /** The repository's common git folder (a worktree's shares its repository's), made absolute. */
  private Path commonDir() throws GitException {
    Path common = Path.of(check("rev-parse", "--git-common-dir"));
    try {
      return dir.resolve(common).toRealPath();
    } catch (IOException e) {
      throw new GitException("cannot find the git folder of " + dir + ": " + e.getMessage());
    }
  }

  /** Whether {@code git} can be run at all. */
  public static boolean installed() {
    try {
      Process process =
          new ProcessBuilder("git", "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return process.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The top folder of the work tree {@code dir} is in, or null when it is not in a repository. */
  public static Path topLevel(Path dir) throws GitException {
    Result result = new Git(dir).run("rev-parse", "--show-toplevel");
    return result.ok() ? Path.of(result.text()) : null;
  }
}
