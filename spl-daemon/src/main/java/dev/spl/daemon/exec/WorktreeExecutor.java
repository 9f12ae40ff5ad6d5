package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.fanout.ChildOutput;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each child attempt's {@code run} command with the shell executor, in a git worktree of its
 * own on the branch its INTEND names ({@code spl/ALIAS/INDEX-ATTEMPT}), made from the fan-out's
 * base commit. What the command leaves uncommitted is committed when it ends; the result carries
 * the branch, its head and a diff stat against the base. The worktree is removed when the attempt
 * ends (its branch stays) unless the fan-out keeps worktrees. docs/executors.md is the contract.
 */
public final class WorktreeExecutor implements Executor {
  /** The folder under the worker's home that holds the worktrees of running attempts. */
  public static final String WORKTREES_FOLDER = "worktrees";

  /** The most changed paths a result lists; the diff stat counts them all. */
  static final int MAX_LISTED_FILES = 100;

  private static final Logger LOG = LoggerFactory.getLogger(WorktreeExecutor.class);
  private static final Map<String, String> FALLBACK_IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "spl",
          "GIT_AUTHOR_EMAIL", "spl@localhost",
          "GIT_COMMITTER_NAME", "spl",
          "GIT_COMMITTER_EMAIL", "spl@localhost");

  private final Clock clock;
  private final Path repository;
  private final Git repo;
  private final Path root;
  private final ShellExecutor shell;
  private final Map<String, String> identity;
  // A shell worker's: only children whose subtask asked for a worktree get one.
  private final boolean onlyRequested;
  private final java.util.concurrent.ExecutorService preparer =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "spl-worktree");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * {@code repository} is the git repository the worktrees belong to, {@code home} the worker's
   * home (the worktrees are made under {@code HOME/worktrees/}).
   */
  public WorktreeExecutor(Clock clock, Path repository, Path home, ShellExecutor shell) {
    this(clock, repository, home, shell, false);
  }

  private WorktreeExecutor(
      Clock clock, Path repository, Path home, ShellExecutor shell, boolean onlyRequested) {
    this.clock = clock;
    this.repository = repository;
    this.repo = repository == null ? null : new Git(repository);
    this.root = home.resolve(WORKTREES_FOLDER);
    this.shell = shell;
    this.identity = repo != null && hasIdentity(repo) ? Map.of() : FALLBACK_IDENTITY;
    this.onlyRequested = onlyRequested;
  }

  /**
   * The shell worker's executor: a child whose subtask asked for a worktree ({@code
   * workspace=worktree}) runs in one of {@code repository} exactly as on a worktree worker, every
   * other child runs as the shell executor runs it. Without a repository (null) such a child fails
   * and says why.
   */
  public static WorktreeExecutor onRequest(
      Clock clock, Path repository, Path home, ShellExecutor shell) {
    return new WorktreeExecutor(clock, repository, home, shell, true);
  }

  private static boolean hasIdentity(Git repo) {
    try {
      return repo.run("config", "user.email").ok() && repo.run("config", "user.name").ok();
    } catch (Git.GitException e) {
      return false;
    }
  }

  /**
   * Removes the worktrees a previous life of the worker left (it stopped mid-attempt): their
   * attempts run again, each in a fresh worktree. Returns how many were removed.
   */
  public int removeLeftovers() {
    if (repo == null || !Files.isDirectory(root)) {
      return 0;
    }
    try {
      return repo.administer(
          () -> {
            int removed = 0;
            try (Stream<Path> entries = Files.list(root)) {
              for (Path leftover : entries.toList()) {
                removeWorktree(leftover);
                removed++;
              }
            } catch (IOException e) {
              LOG.warn("could not list the worktrees left in {}: {}", root, e.getMessage());
            }
            Git.Result pruned = repo.run("worktree", "prune");
            if (!pruned.ok()) {
              LOG.warn("git worktree prune failed: {}", pruned.text());
            }
            return removed;
          });
    } catch (Git.GitException | IOException e) {
      LOG.warn("could not remove the worktrees left in {}: {}", root, e.getMessage());
      return 0;
    }
  }

  @Override
  public Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
    long startedAt = clock.millis();
    Worktrees.Child worktree = job.worktree();
    if (onlyRequested && (worktree == null || !worktree.requested())) {
      return shell.start(job, onDone);
    }
    if (repo == null) {
      onDone.accept(
          failed(
              "workspace=worktree: this worker has no git repository to make the worktree in;"
                  + " start it with --repo PATH (the fan-out's repository, or a clone of it)",
              startedAt));
      return reason -> {};
    }
    if (worktree == null) {
      onDone.accept(
          failed(
              "no worktree: the worktree executor runs children of a fan-out made with --repo"
                  + " (spl task fan-out TASK --repo PATH), and this one names no base commit",
              startedAt));
      return reason -> {};
    }
    if (job.run() == null || job.run().isBlank()) {
      return shell.start(job, onDone);
    }
    Path dir = root.resolve(job.childThread().substring(3, 19) + "-" + job.index());
    Pending pending = new Pending();
    // Making a worktree takes a while; the dispatcher calls start holding its lock.
    preparer.execute(() -> prepareAndRun(job, worktree, dir, pending, onDone, startedAt));
    return pending;
  }

  private void prepareAndRun(
      ChildJob job,
      Worktrees.Child worktree,
      Path dir,
      Pending pending,
      Consumer<ChildOutcome> onDone,
      long startedAt) {
    if (pending.cancelledBefore() != null) {
      onDone.accept(
          ChildOutcome.cancelledBeforeItStarted(pending.cancelledBefore(), clock.millis()));
      return;
    }
    try {
      String problem =
          repo.administer(
              () -> {
                String remoteProblem = remoteProblem(worktree);
                if (remoteProblem != null) {
                  return remoteProblem;
                }
                // A folder left by a run of this attempt that the worker did not finish starts
                // afresh.
                removeWorktree(dir);
                Files.createDirectories(root);
                repo.check(
                    "worktree",
                    "add",
                    "-q",
                    "-B",
                    worktree.branch(),
                    dir.toString(),
                    worktree.base());
                repo.check(
                    "config",
                    "branch." + worktree.branch() + "." + Worktrees.BRANCH_THREAD_KEY,
                    job.parentThread());
                return null;
              });
      if (problem != null) {
        onDone.accept(failed(problem, startedAt));
        return;
      }
    } catch (Git.GitException | IOException | UncheckedIOException e) {
      onDone.accept(failed("could not make the worktree: " + e.getMessage(), startedAt));
      return;
    }
    pending.run(
        () ->
            shell.start(
                job.withRunDir(dir), outcome -> onDone.accept(finish(job, worktree, dir, outcome))),
        reason -> {
          removeWorktreeAdministered(dir);
          onDone.accept(ChildOutcome.cancelledBeforeItStarted(reason, clock.millis()));
        });
  }

  /**
   * With a shared remote ({@code --remote}): why the attempt cannot start here, or null. The
   * repository must have the remote, and the base commit (made on another host, or an integration
   * branch's commit for a retry with {@code --rebase}) is fetched from it when missing.
   */
  private String remoteProblem(Worktrees.Child worktree) throws Git.GitException {
    String remote = worktree.remote();
    if (remote == null) {
      return null;
    }
    if (!repo.run("remote", "get-url", remote).ok()) {
      return "the worker's repository "
          + repository
          + " has no remote '"
          + remote
          + "', which the fan-out (--remote) shares its branches through";
    }
    if (!hasCommit(worktree.base())) {
      Git.Result fetched = repo.run("fetch", "-q", remote);
      if (!hasCommit(worktree.base())) {
        return "the base commit "
            + worktree.base()
            + " is neither in "
            + repository
            + " nor on its remote '"
            + remote
            + "'"
            + (fetched.ok() ? "" : " (git fetch said: " + fetched.text() + ")")
            + "; push it to the remote first";
      }
    }
    return null;
  }

  private boolean hasCommit(String commit) throws Git.GitException {
    return repo.run("cat-file", "-e", commit + "^{commit}").ok();
  }

  /** An attempt whose worktree is being made: a cancel before its command starts stops it. */
  private static final class Pending implements Execution {
    // Read without the lock: a heartbeat asks for the spend and must not wait for a start.
    private volatile Execution running;
    private String cancelled;

    synchronized String cancelledBefore() {
      return running == null ? cancelled : null;
    }

    /** Starts the command unless the attempt was cancelled meanwhile. */
    void run(java.util.function.Supplier<Execution> start, Consumer<String> cancelledInstead) {
      String reason;
      synchronized (this) {
        reason = cancelled;
        if (reason == null) {
          running = start.get();
          return;
        }
      }
      cancelledInstead.accept(reason);
    }

    @Override
    public void cancel(String reason) {
      Execution started;
      synchronized (this) {
        if (running == null) {
          if (cancelled == null) {
            cancelled = reason;
          }
          return;
        }
        started = running;
      }
      started.cancel(reason);
    }

    @Override
    public BigDecimal spentSoFar() {
      Execution started = running;
      return started == null ? BigDecimal.ZERO : started.spentSoFar();
    }
  }

  private ChildOutcome finish(
      ChildJob job, Worktrees.Child worktree, Path dir, ChildOutcome outcome) {
    ChildOutcome finished = outcome;
    if (ranToTheEnd(outcome.verdict())) {
      try {
        finished = withGitResult(outcome, gitResult(job, worktree, dir, outcome.output()));
        if (worktree.remote() != null) {
          finished = pushed(worktree, finished);
        }
      } catch (Git.GitException e) {
        finished =
            new ChildOutcome(
                Verdict.FAILED,
                outcome.costUsd(),
                outcome.wallTimeSecs(),
                "could not commit the child's changes: " + e.getMessage(),
                outcome.exitCode(),
                outcome.startedAtMillis(),
                outcome.finishedAtMillis());
      }
    }
    if (!worktree.keepWorktree()) {
      removeWorktreeAdministered(dir);
    }
    return finished;
  }

  /**
   * Pushes the attempt's branch to the shared remote, so the merge queue on another host can fetch
   * it: the outcome as it was, or failed when the push fails.
   */
  private ChildOutcome pushed(Worktrees.Child worktree, ChildOutcome outcome)
      throws Git.GitException {
    String ref = "refs/heads/" + worktree.branch();
    Git.Result push = repo.run("push", "-q", worktree.remote(), "+" + ref + ":" + ref);
    if (push.ok()) {
      return outcome;
    }
    return new ChildOutcome(
        Verdict.FAILED,
        outcome.costUsd(),
        outcome.wallTimeSecs(),
        "could not push "
            + worktree.branch()
            + " to remote '"
            + worktree.remote()
            + "': "
            + push.text(),
        outcome.exitCode(),
        outcome.startedAtMillis(),
        outcome.finishedAtMillis());
  }

  /** The verdicts of an attempt whose command ran and ended by itself. */
  private static boolean ranToTheEnd(Verdict verdict) {
    return verdict == Verdict.ACCEPT || verdict == Verdict.REJECT || verdict == Verdict.OVER_BUDGET;
  }

  /**
   * Commits what the command left uncommitted (tracked and untracked files, as {@code git add -A}
   * sees them), then describes the branch: {@code branch}, {@code base}, {@code head}, who made the
   * last commit ({@code committed}: {@code child} or {@code executor}), {@code diff_stat} against
   * the base and the changed paths.
   */
  private ObjectNode gitResult(ChildJob job, Worktrees.Child worktree, Path dir, ChildOutput output)
      throws Git.GitException {
    Git tree = new Git(dir);
    tree.check("add", "-A");
    boolean leftChanges = !tree.run("diff", "--cached", "--quiet").ok();
    if (leftChanges) {
      tree.check(
          identity,
          "commit",
          "-q",
          "--no-verify",
          "-m",
          "spl: " + job.goal(),
          "-m",
          "Subtask " + job.index() + ", attempt " + job.attempt() + " of fan-out " + job.fanout());
    }
    String head = tree.check("rev-parse", "HEAD");
    Worktrees.DiffStat stat =
        Worktrees.DiffStat.parseShortStat(tree.check("diff", "--shortstat", worktree.base(), head));
    List<String> files = tree.check("diff", "--name-only", worktree.base(), head).lines().toList();
    ObjectNode git = Json.MAPPER.createObjectNode();
    git.put("branch", worktree.branch());
    git.put("base", worktree.base());
    git.put("head", head);
    git.put("committed", leftChanges ? "executor" : "child");
    if (worktree.remote() != null) {
      git.put("remote", worktree.remote());
    }
    git.set("diff_stat", stat.toJson());
    ArrayNode listed = git.putArray("files");
    files.stream().limit(MAX_LISTED_FILES).forEach(listed::add);
    if (files.size() > MAX_LISTED_FILES) {
      git.put("files_complete", false);
    }
    return git;
  }

  /**
   * The outcome with {@code git} in its result: an object result gets the key {@code git}
   * (replacing one the child wrote), any other result is kept as {@code value}.
   */
  private static ChildOutcome withGitResult(ChildOutcome outcome, ObjectNode git) {
    JsonNode result = outcome.output().result();
    ObjectNode merged;
    if (result instanceof ObjectNode object) {
      merged = object.deepCopy();
    } else {
      merged = Json.MAPPER.createObjectNode();
      if (result != null) {
        merged.set("value", result);
      }
    }
    merged.set("git", git);
    if (ChildOutput.resultBytes(merged) > ChildOutput.MAX_RESULT_BYTES) {
      return new ChildOutcome(
          Verdict.FAILED,
          outcome.costUsd(),
          outcome.wallTimeSecs(),
          "the result was refused: with its git fields it is above the limit of "
              + ChildOutput.MAX_RESULT_BYTES
              + " bytes",
          outcome.exitCode(),
          outcome.startedAtMillis(),
          outcome.finishedAtMillis());
    }
    return new ChildOutcome(
        outcome.verdict(),
        outcome.costUsd(),
        outcome.wallTimeSecs(),
        outcome.summary(),
        outcome.exitCode(),
        outcome.startedAtMillis(),
        outcome.finishedAtMillis(),
        outcome.value(),
        new ChildOutput(merged, outcome.output().refs()));
  }

  /** Removes a worktree and its folder; what git no longer knows of is just deleted. */
  private void removeWorktreeAdministered(Path dir) {
    try {
      repo.administer(
          () -> {
            removeWorktree(dir);
            return null;
          });
    } catch (Git.GitException | IOException e) {
      LOG.warn("could not remove the worktree {}: {}", dir, e.getMessage());
    }
  }

  private void removeWorktree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      repo.run("worktree", "remove", "--force", "--force", dir.toString());
    } catch (Git.GitException e) {
      LOG.warn("git worktree remove {} failed: {}", dir, e.getMessage());
    }
    deleteRecursively(dir);
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }

  private ChildOutcome failed(String summary, long startedAt) {
    long now = clock.millis();
    return new ChildOutcome(
        Verdict.FAILED, BigDecimal.ZERO, (now - startedAt) / 1000.0, summary, null, startedAt, now);
  }

  @Override
  public void close() {
    preparer.shutdownNow();
    shell.close();
  }
}
