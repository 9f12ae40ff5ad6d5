package dev.spl.cli.task;

import dev.spl.cli.CliException;
import dev.spl.cli.host.RepoOption;
import dev.spl.core.fanout.MergeQueue;
import dev.spl.core.fanout.Worktrees;
import dev.spl.core.git.Git;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of a fan-out whose children each work in a git worktree: the repository the base
 * commit is resolved in and checked, and what becomes of the worktrees. Every check runs before
 * anything is written.
 */
final class WorktreeOptions {
  /**
   * The git config key, per branch, naming the thread of the task whose fan-out made it; the
   * worktree executor sets it, and a later fan-out of another task refuses to reuse the branch.
   */
  static final String THREAD_KEY = Worktrees.BRANCH_THREAD_KEY;

  @Option(
      names = "--repo",
      paramLabel = "PATH",
      description =
          "Children work in git worktrees of this repository (the worktree executor): each on a"
              + " branch spl/ALIAS/INDEX-ATTEMPT made from the base commit.")
  Path repo;

  @Option(
      names = "--base",
      paramLabel = "REF",
      description =
          "The commit the children's branches start from, resolved now (default HEAD; needs"
              + " --repo).")
  String base;

  @Option(
      names = "--allow-dirty",
      description =
          "Fan out although the repository has uncommitted changes (recorded; the changes are not"
              + " in the base).")
  boolean allowDirty;

  @Option(
      names = "--keep-worktrees",
      description = "Keep each finished child's worktree on its worker (default: removed).")
  boolean keepWorktrees;

  @Option(
      names = "--merge",
      paramLabel = "MODE",
      description =
          "Once the join holds, integrate the accepted children's branches in index order onto"
              + " spl/ALIAS/integration: rebase, merge or squash (needs --repo).")
  String merge;

  @Option(
      names = "--merge-check",
      paramLabel = "CMD",
      description =
          "A shell command that must pass in the integration worktree before each branch is"
              + " integrated (needs --merge).")
  String mergeCheck;

  @Option(
      names = "--remote",
      paramLabel = "NAME",
      description =
          "Workers on other hosts: each child pushes its branch to this remote of its worker's"
              + " repository, and the merge queue fetches the branches from it and pushes the"
              + " integration branch (needs --repo, which must have the remote).")
  String remote;

  /** The worktree section of the parent, or null when the fan-out has no {@code --repo}. */
  Worktrees.Spec resolve(String taskAlias, String thread) {
    MergeQueue.Mode mode = null;
    if (mergeCheck != null && merge == null) {
      throw CliException.badInput(
          "--merge-check: applies to a merge queue, which needs --merge MODE");
    }
    if (merge != null) {
      mode = MergeQueue.Mode.of(merge);
      if (mode == null) {
        throw CliException.badInput(
            "--merge: expected rebase, merge or squash but found '" + merge + "'");
      }
      if (repo == null) {
        throw CliException.badInput(
            "--merge: applies to a fan-out into worktrees, which needs --repo PATH");
      }
      if (mergeCheck != null && mergeCheck.isBlank()) {
        throw CliException.badInput("--merge-check: expected a shell command but found nothing");
      }
    }
    if (repo == null) {
      for (String given :
          List.of(
              base != null ? "--base" : "",
              allowDirty ? "--allow-dirty" : "",
              keepWorktrees ? "--keep-worktrees" : "",
              remote != null ? "--remote" : "")) {
        if (!given.isEmpty()) {
          throw CliException.badInput(
              given + ": applies to a fan-out into worktrees, which needs --repo PATH");
        }
      }
      return null;
    }
    Path top = RepoOption.topLevel("--repo", repo);
    Git git = new Git(top);
    try {
      // Not stripped: each porcelain line starts with two status columns, either may be a space.
      String status = git.run("status", "--porcelain", "--untracked-files=normal").output();
      if (!status.isBlank() && !allowDirty) {
        List<String> paths = status.lines().filter(line -> !line.isBlank()).toList();
        throw CliException.badInput(
            "--repo: "
                + top
                + " has uncommitted changes ("
                + paths.size()
                + (paths.size() == 1 ? " path" : " paths")
                + ", e.g. '"
                + paths.get(0).substring(Math.min(3, paths.get(0).length()))
                + "'); commit or stash them, or pass --allow-dirty");
      }
      String ref = base == null ? "HEAD" : base;
      Git.Result commit = git.run("rev-parse", "--verify", "--quiet", ref + "^{commit}");
      if (!commit.ok() || commit.text().isEmpty()) {
        throw CliException.badInput(
            "--base: expected a commit of " + top + " but found no commit '" + ref + "'");
      }
      String alias = Worktrees.branchAlias(taskAlias, thread);
      String branches =
          git.check(
              "for-each-ref", "--format=%(refname:short)", "refs/heads/" + Worktrees.prefix(alias));
      for (String branch : branches.lines().filter(line -> !line.isBlank()).toList()) {
        Git.Result owner = git.run("config", "--get", "branch." + branch + "." + THREAD_KEY);
        if (!owner.ok() || !owner.text().equals(thread)) {
          throw CliException.badInput(
              "branch "
                  + branch
                  + " already exists in "
                  + top
                  + (owner.ok()
                      ? ", made for another task (" + owner.text() + ")"
                      : ", not made by a fan-out of this task")
                  + "; delete it (git branch -D "
                  + branch
                  + ") or give the task another alias");
        }
      }
      if (remote != null) {
        checkRemote(git, top, Worktrees.integrationBranch(alias));
      }
      MergeQueue.Spec queue = null;
      if (mode != null) {
        String integration = Worktrees.integrationBranch(alias);
        if (git.run("rev-parse", "--verify", "--quiet", "refs/heads/" + integration).ok()) {
          throw CliException.badInput(
              "--merge: the integration branch "
                  + integration
                  + " already exists in "
                  + top
                  + " (from an earlier fan-out); delete it (git branch -D "
                  + integration
                  + ") or give the task another alias");
        }
        queue = new MergeQueue.Spec(mode, mergeCheck, top.toString());
      }
      return new Worktrees.Spec(commit.text(), alias, keepWorktrees, allowDirty, queue, remote);
    } catch (Git.GitException e) {
      throw CliException.badInput("--repo: " + e.getMessage());
    }
  }

  /**
   * The remote must be one of the repository's, and must not hold the integration branch yet (the
   * merge queue could not push its own).
   */
  private void checkRemote(Git git, Path top, String integration) throws Git.GitException {
    String problem = Worktrees.remoteProblem(remote);
    if (problem != null) {
      throw CliException.badInput("--remote: " + problem);
    }
    if (!git.run("remote", "get-url", remote).ok()) {
      List<String> remotes = git.check("remote").lines().filter(l -> !l.isBlank()).toList();
      throw CliException.badInput(
          "--remote: expected a remote of "
              + top
              + " but it has no remote '"
              + remote
              + "' ("
              + (remotes.isEmpty() ? "it has none" : "its remotes: " + String.join(", ", remotes))
              + ")");
    }
    Git.Result listed = git.run("ls-remote", "--heads", remote, "refs/heads/" + integration);
    if (!listed.ok()) {
      throw CliException.badInput(
          "--remote: could not list the branches of remote '"
              + remote
              + "' of "
              + top
              + ": "
              + listed.text());
    }
    if (!listed.text().isBlank()) {
      throw CliException.badInput(
          "--remote: the integration branch "
              + integration
              + " already exists on remote '"
              + remote
              + "' (from an earlier fan-out); delete it (git push "
              + remote
              + " --delete "
              + integration
              + ") or give the task another alias");
    }
  }
}
