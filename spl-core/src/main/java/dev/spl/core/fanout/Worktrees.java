package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The git side of a fan-out whose children each work in a worktree of their own: the commit they
 * start from, the name their branches are made under, and what happens to a finished child's
 * worktree. The branch names are decided here, once, for the coordinator and the workers alike.
 */
public final class Worktrees {
  /** A full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. */
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  /**
   * A task alias that can stand in a branch name as it is: letters, digits, {@code .}, {@code _}
   * and {@code -}, starting with a letter or digit, without {@code ..} and not ending in {@code
   * .lock} or {@code .} (what {@code git check-ref-format} refuses).
   */
  private static final Pattern BRANCH_ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** A git remote's name as {@code --remote} takes it: no option, no path, no refspec. */
  private static final Pattern REMOTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  /**
   * The key under {@code branch.NAME.} in the repository's git config that names the thread of the
   * task a child branch was made for.
   */
  public static final String BRANCH_THREAD_KEY = "splthread";

  private Worktrees() {}

  /**
   * A fan-out's worktree section ({@code worktree} in the parent INTEND).
   *
   * @param base the commit every child's branch starts from
   * @param alias the name the branches are made under: {@code spl/ALIAS/...}
   * @param keepWorktrees whether a finished child's worktree stays on its worker
   * @param allowDirty whether the repository had uncommitted changes when the fan-out was made (the
   *     fan-out was asked to go ahead anyway; the changes are not in the base commit)
   * @param merge the merge queue at the join ({@code --merge}), or null without one
   * @param remote the git remote the repositories of the workers and of the merge queue share
   *     ({@code --remote}): each child pushes its branch there, the merge queue fetches the
   *     branches from it and pushes the integration branch; null when they share one repository
   */
  public record Spec(
      String base,
      String alias,
      boolean keepWorktrees,
      boolean allowDirty,
      MergeQueue.Spec merge,
      String remote) {
    public Spec {
      requireCommit("base", base);
      String problem = aliasProblem(alias);
      if (problem != null) {
        throw new IllegalArgumentException("alias: " + problem);
      }
      requireRemote(remote);
    }

    /** A fan-out into worktrees of one shared repository, without a merge queue. */
    public Spec(String base, String alias, boolean keepWorktrees, boolean allowDirty) {
      this(base, alias, keepWorktrees, allowDirty, null, null);
    }

    /** The branch the merge queue integrates the accepted children's branches onto. */
    public String integrationBranch() {
      return Worktrees.integrationBranch(alias);
    }

    /** The branch attempt {@code attempt} of child {@code index} works on. */
    public String childBranch(int index, int attempt) {
      return prefix(alias) + index + "-" + attempt;
    }

    /** What a child INTEND carries of this section for attempt {@code attempt} of {@code index}. */
    public Child child(int index, int attempt) {
      return new Child(base, childBranch(index, attempt), keepWorktrees, remote, false);
    }

    public ObjectNode toJson() {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("base", base);
      node.put("alias", alias);
      node.put("keep_worktrees", keepWorktrees);
      node.put("allow_dirty", allowDirty);
      if (merge != null) {
        node.set("merge", merge.toJson());
      }
      if (remote != null) {
        node.put("remote", remote);
      }
      return node;
    }

    static Spec fromJson(WireReader reader) {
      try {
        return new Spec(
            reader.text("base"),
            reader.text("alias"),
            reader.optionalBoolean("keep_worktrees"),
            reader.optionalBoolean("allow_dirty"),
            reader.hasNonNull("merge") ? MergeQueue.Spec.fromJson(reader.object("merge")) : null,
            reader.optionalText("remote"));
      } catch (IllegalArgumentException e) {
        throw new dev.spl.core.InvalidRecordException(reader.pathOf("") + e.getMessage());
      }
    }
  }

  /**
   * What one attempt is told ({@code worktree} in the child INTEND).
   *
   * @param base the commit its branch starts from
   * @param branch the branch it works on, {@code spl/ALIAS/INDEX-ATTEMPT}
   * @param keepWorktree whether its worktree stays once the attempt ends
   * @param remote the remote it fetches the base from when its repository lacks it, and pushes its
   *     branch to, or null
   * @param requested whether its subtask asked for a worktree ({@code workspace=worktree}): a shell
   *     worker runs it in one too
   */
  public record Child(
      String base, String branch, boolean keepWorktree, String remote, boolean requested) {
    public Child {
      requireCommit("base", base);
      Objects.requireNonNull(branch, "branch");
      if (!branch.startsWith("spl/")) {
        throw new IllegalArgumentException(
            "branch: expected a name starting with spl/ but found '" + branch + "'");
      }
      requireRemote(remote);
    }

    public ObjectNode toJson() {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("base", base);
      node.put("branch", branch);
      node.put("keep_worktree", keepWorktree);
      if (remote != null) {
        node.put("remote", remote);
      }
      if (requested) {
        node.put("workspace", SubtaskSpec.WORKTREE);
      }
      return node;
    }

    static Child fromJson(WireReader reader) {
      try {
        return new Child(
            reader.text("base"),
            reader.text("branch"),
            reader.optionalBoolean("keep_worktree"),
            reader.optionalText("remote"),
            reader.hasNonNull("workspace")
                && reader.oneOf("workspace", SubtaskSpec.WORKTREE).equals(SubtaskSpec.WORKTREE));
      } catch (IllegalArgumentException e) {
        throw new dev.spl.core.InvalidRecordException(reader.pathOf("") + e.getMessage());
      }
    }
  }

  /** {@code spl/ALIAS/integration}: where the merge queue integrates a task's children. */
  public static String integrationBranch(String alias) {
    return prefix(alias) + "integration";
  }

  /** {@code spl/ALIAS/}: every branch of a task's children starts with it. */
  public static String prefix(String alias) {
    return "spl/" + alias + "/";
  }

  /**
   * The alias a task's branches are made under: the task's alias when a branch name can hold it,
   * else {@code th-} and the first 16 hex digits of its thread.
   */
  public static String branchAlias(String taskAlias, String thread) {
    if (taskAlias != null && aliasProblem(taskAlias) == null) {
      return taskAlias;
    }
    return "th-" + thread.substring(3, 19);
  }

  /** Why {@code alias} cannot stand in a branch name, or null when it can. */
  static String aliasProblem(String alias) {
    if (alias == null || !BRANCH_ALIAS.matcher(alias).matches()) {
      return "expected 1-63 letters, digits, '.', '_' or '-' starting with a letter or digit but"
          + " found "
          + (alias == null ? "nothing" : "'" + alias + "'");
    }
    if (alias.contains("..") || alias.endsWith(".lock") || alias.endsWith(".")) {
      return "expected a name git accepts in a branch (no '..', not ending in '.lock' or '.') but"
          + " found '"
          + alias
          + "'";
    }
    return null;
  }

  /** Why {@code remote} cannot name a git remote here, or null when it can (or is null). */
  public static String remoteProblem(String remote) {
    if (remote == null || REMOTE_NAME.matcher(remote).matches()) {
      return null;
    }
    return "expected a remote's name (1-100 letters, digits, '.', '_' or '-', starting with a"
        + " letter or digit) but found '"
        + remote
        + "'";
  }

  private static void requireRemote(String remote) {
    String problem = remoteProblem(remote);
    if (problem != null) {
      throw new IllegalArgumentException("remote: " + problem);
    }
  }

  /** Whether {@code commit} is a full commit id (40 or 64 lowercase hex digits). */
  static boolean isCommit(String commit) {
    return commit != null && COMMIT.matcher(commit).matches();
  }

  static void requireCommit(String field, String commit) {
    if (!isCommit(commit)) {
      throw new IllegalArgumentException(
          field
              + ": expected a full commit id (40 or 64 lowercase hex digits) but found "
              + (commit == null ? "nothing" : "'" + commit + "'"));
    }
  }

  /**
   * A diff stat as {@code git diff --shortstat} prints it ({@code " 2 files changed, 3
   * insertions(+), 1 deletion(-)"}, or nothing for no change).
   */
  public record DiffStat(int files, int insertions, int deletions) {
    private static final Pattern PART = Pattern.compile("(\\d+) (file|insertion|deletion)");

    public static DiffStat parseShortStat(String text) {
      int files = 0;
      int insertions = 0;
      int deletions = 0;
      var matcher = PART.matcher(text == null ? "" : text);
      while (matcher.find()) {
        int count = Integer.parseInt(matcher.group(1));
        switch (matcher.group(2)) {
          case "file" -> files = count;
          case "insertion" -> insertions = count;
          default -> deletions = count;
        }
      }
      return new DiffStat(files, insertions, deletions);
    }

    public ObjectNode toJson() {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("files", files);
      node.put("insertions", insertions);
      node.put("deletions", deletions);
      return node;
    }
  }
}
