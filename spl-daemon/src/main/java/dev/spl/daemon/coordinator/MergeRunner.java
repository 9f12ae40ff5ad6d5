package dev.spl.daemon.coordinator;

import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.fanout.MergeQueue;
import dev.spl.core.fanout.MergeStep;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import dev.spl.daemon.component.DaemonContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of the merge queue: runs one {@link MergeQueue.Job} at a time with git in
 * the fan-out's repository, in a detached worktree under {@code HOME/merge/}, and writes its {@code
 * fanout_merge_step}. The branch advances only by a compare-and-swap from the step's {@code from}
 * after the check passed, so a step interrupted by a restart either left the branch where it was
 * (and runs again) or moved it (and is recorded as done, never integrated twice).
 */
final class MergeRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MergeRunner.class);
  static final String MERGE_FOLDER = "merge";
  private static final String NO_COMMIT = "0".repeat(40);
  private static final Map<String, String> FALLBACK_IDENTITY =
      Map.of(
          "GIT_AUTHOR_NAME", "spl",
          "GIT_AUTHOR_EMAIL", "spl@localhost",
          "GIT_COMMITTER_NAME", "spl",
          "GIT_COMMITTER_EMAIL", "spl@localhost");

  private final DaemonContext ctx;
  private final Path root;
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "spl-merge-queue");
            thread.setDaemon(true);
            return thread;
          });
  // Jobs queued or run: the reconciler decides a step again on every pass until its record is
  // folded, and each is run once.
  private final Set<String> taken = new HashSet<>();

  MergeRunner(DaemonContext ctx) {
    this.ctx = ctx;
    this.root = ctx.config().home().resolve(MERGE_FOLDER);
  }

  /** Queues {@code job} unless it was queued before. */
  synchronized void submit(MergeQueue.Job job) {
    if (!taken.add(job.key())) {
      return;
    }
    runner.execute(
        () -> {
          try {
            MergeStep step = run(job);
            if (Thread.currentThread().isInterrupted()) {
              return;
            }
            append(job, step);
          } catch (Git.GitException | IOException | RuntimeException e) {
            LOG.warn(
                "fan-out {}: the merge step of subtask {} failed and is tried again: {}",
                job.fanout().id(),
                job.index(),
                e.getMessage());
            synchronized (this) {
              taken.remove(job.key());
            }
          }
        });
  }

  private void append(MergeQueue.Job job, MergeStep step) {
    ctx.records()
        .append(
            new Record(
                job.fanout().thread(),
                ctx.did(),
                Act.LEARN,
                step.toBody(),
                ctx.recordClock().next(),
                List.of(job.fanout().id())));
  }

  /** Runs one step with git and the check; returns the record to write. */
  MergeStep run(MergeQueue.Job job) throws Git.GitException, IOException {
    Git repo = new Git(Path.of(job.spec().repo()));
    String ref = "refs/heads/" + job.integrationBranch();
    Git.Result found = repo.run("rev-parse", "--verify", "--quiet", ref + "^{commit}");
    String current = found.ok() ? found.text() : null;
    boolean descends =
        current != null && repo.run("merge-base", "--is-ancestor", job.from(), current).ok();
    switch (MergeQueue.resume(job.from(), current, descends)) {
      case CREATE ->
          repo.administer(
              () -> {
                repo.check("update-ref", ref, job.from(), NO_COMMIT);
                return repo.check(
                    "config",
                    "branch." + job.integrationBranch() + "." + Worktrees.BRANCH_THREAD_KEY,
                    job.fanout().thread());
              });
      case INTEGRATE -> {}
      case ALREADY_INTEGRATED -> {
        pushIntegration(repo, job, current);
        return step(job, MergeQueue.Outcome.INTEGRATED, current, List.of(), null, true);
      }
      case MOVED_BY_SOMEONE_ELSE -> {
        return step(
            job,
            MergeQueue.Outcome.CHECK_FAILED,
            job.from(),
            List.of(),
            "the integration branch "
                + job.integrationBranch()
                + " was moved outside the merge queue: expected "
                + job.from()
                + " (or a commit after it) but found "
                + current,
            false);
      }
    }
    Map<String, String> identity =
        repo.run("config", "user.email").ok() && repo.run("config", "user.name").ok()
            ? Map.of()
            : FALLBACK_IDENTITY;
    if (job.remote() != null) {
      // The child ran on another host and pushed its branch; a failed fetch is tried again.
      repo.check(
          "fetch",
          "-q",
          job.remote(),
          "+refs/heads/" + job.branch() + ":refs/remotes/" + job.remote() + "/" + job.branch());
    }
    Path dir =
        root.resolve(
            job.fanout().thread().substring(3, 19) + "-" + job.index() + "-" + job.attempt());
    repo.administer(
        () -> {
          removeWorktree(repo, dir);
          Files.createDirectories(root);
          return repo.check("worktree", "add", "--detach", dir.toString(), job.from());
        });
    try {
      Git tree = new Git(dir);
      Integration integration = integrate(tree, job, identity);
      if (integration.stopped()) {
        return step(
            job,
            MergeQueue.Outcome.CONFLICT,
            job.from(),
            integration.paths(),
            integration.paths().isEmpty() ? MergeQueue.tail(integration.output()) : null,
            false);
      }
      String head = tree.check("rev-parse", "HEAD");
      Check check = job.spec().check() == null ? null : check(dir, job.spec().check());
      MergeQueue.Outcome outcome =
          MergeQueue.outcome(false, check == null ? null : check.exitCode());
      if (outcome == MergeQueue.Outcome.CHECK_FAILED) {
        return step(job, outcome, job.from(), List.of(), MergeQueue.tail(check.output()), false);
      }
      // Only a passing step moves the branch, and only from where the records say it stands.
      repo.check("update-ref", ref, head, job.from());
      pushIntegration(repo, job, head);
      return step(job, outcome, head, List.of(), null, false);
    } finally {
      repo.administer(
          () -> {
            removeWorktree(repo, dir);
            return null;
          });
    }
  }

  /**
   * Pushes the integration branch to the shared remote, where workers on other hosts fetch it (a
   * retry with --rebase starts there). Only ever a fast-forward: the queue alone moves the branch.
   * A failed push fails the step before its record is written, so it is tried again, and the
   * branch, moved already, is then found integrated.
   */
  private static void pushIntegration(Git repo, MergeQueue.Job job, String head)
      throws Git.GitException {
    if (job.remote() != null) {
      repo.check("push", "-q", job.remote(), head + ":refs/heads/" + job.integrationBranch());
    }
  }

  private MergeStep step(
      MergeQueue.Job job,
      MergeQueue.Outcome outcome,
      String head,
      List<String> paths,
      String tail,
      boolean recovered) {
    return new MergeStep(
        job.fanout().namespace(),
        job.fanout().id(),
        job.index(),
        job.attempt(),
        job.branch(),
        job.childHead(),
        outcome,
        job.from(),
        head,
        paths,
        tail,
        recovered,
        ctx.clock().millis());
  }

  /** What integrating one branch did: whether git stopped, on which paths, what it said. */
  private record Integration(boolean stopped, List<String> paths, String output) {}

  private static Integration integrate(Git tree, MergeQueue.Job job, Map<String, String> identity)
      throws Git.GitException {
    String message = "spl: " + job.branch();
    Git.Result result =
        switch (job.spec().mode()) {
          case REBASE ->
              tree.run(identity, "rebase", "--onto", job.from(), job.base(), job.childHead());
          case MERGE ->
              tree.run(
                  identity,
                  "merge",
                  "--no-ff",
                  "--no-edit",
                  "-m",
                  "spl: merge " + job.branch(),
                  job.childHead());
          case SQUASH -> tree.run(identity, "merge", "--squash", job.childHead());
        };
    if (result.ok() && job.spec().mode() == MergeQueue.Mode.SQUASH) {
      if (!tree.run("diff", "--cached", "--quiet").ok()) {
        result = tree.run(identity, "commit", "-q", "-m", message + " (squashed)");
      }
    }
    if (result.ok()) {
      return new Integration(false, List.of(), result.output());
    }
    List<String> paths = new ArrayList<>();
    for (String line : tree.run("diff", "--name-only", "--diff-filter=U").text().split("\n")) {
      if (!line.isBlank() && paths.size() < MergeQueue.MAX_PATHS) {
        paths.add(line.strip());
      }
    }
    switch (job.spec().mode()) {
      case REBASE -> tree.run("rebase", "--abort");
      case MERGE -> tree.run("merge", "--abort");
      case SQUASH -> tree.run("reset", "--hard", "-q");
    }
    return new Integration(true, List.copyOf(paths), result.output());
  }

  /** What the check printed (standard output and error together) and how it exited. */
  private record Check(int exitCode, String output) {}

  /**
   * Runs the check with {@code sh -c} in the integration worktree. A check that cannot start is a
   * failed check whose output says why: the shell's {@code not found} (exit 127) or {@code
   * permission denied} (126), or the reason the shell itself did not start.
   */
  private static Check check(Path dir, String command) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder("sh", "-c", command).directory(dir.toFile()).redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new Check(-1, "the check could not start: " + e.getMessage());
    }
    // The output is read on a thread of its own so that a stop of the coordinator (an interrupt)
    // ends the wait, stops the check and writes no step: the next start runs the step again.
    java.util.concurrent.CompletableFuture<String> output =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = process.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return "";
              }
            });
    try {
      int exit = process.waitFor();
      return new Check(exit, output.get());
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("stopped while the check ran");
    }
  }

  private static void removeWorktree(Git repo, Path dir) throws Git.GitException {
    if (Files.exists(dir)) {
      repo.run("worktree", "remove", "--force", dir.toString());
    }
    repo.run("worktree", "prune");
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
