package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The merge queue at the join of a fan-out into worktrees ({@code spl task fan-out --repo
 * --merge}): what it integrates next, which verdict a step gives, and where a queue interrupted
 * mid-step resumes. Pure: git runs at the edge (the coordinator's merge runner), which reports what
 * git did as a {@link MergeStep} record; the fold ({@link FanoutState}) applies it.
 */
public final class MergeQueue {
  /** The most characters of a failing check's output a step keeps. */
  public static final int TAIL_CHARS = 2000;

  /** The most lines of a failing check's output a step keeps. */
  public static final int TAIL_LINES = 20;

  /** The most conflicting paths a step lists. */
  public static final int MAX_PATHS = 100;

  private MergeQueue() {}

  /** How a child's branch is brought onto the integration branch. */
  public enum Mode {
    /** The child's commits are replayed on the integration branch's head (a linear history). */
    REBASE,
    /** A merge commit joins the child's head to the integration branch. */
    MERGE,
    /** The child's changes become one new commit on the integration branch. */
    SQUASH;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The mode {@code text} names, or null when it names none. */
    public static Mode of(String text) {
      for (Mode mode : values()) {
        if (mode.wire().equals(text)) {
          return mode;
        }
      }
      return null;
    }
  }

  /** What a step did with one child's branch. */
  public enum Outcome {
    INTEGRATED("integrated", Verdict.ACCEPT),
    CONFLICT("conflict", Verdict.CONFLICT),
    CHECK_FAILED("check_failed", Verdict.CHECK_FAILED);

    private final String wire;
    private final Verdict verdict;

    Outcome(String wire, Verdict verdict) {
      this.wire = wire;
      this.verdict = verdict;
    }

    public String wire() {
      return wire;
    }

    /** The child's verdict after the step: an integrated child stays accepted. */
    public Verdict verdict() {
      return verdict;
    }

    static Outcome of(String text) {
      for (Outcome outcome : values()) {
        if (outcome.wire.equals(text)) {
          return outcome;
        }
      }
      return null;
    }
  }

  /**
   * The merge queue of a fan-out ({@code worktree.merge} in the parent INTEND).
   *
   * @param mode how each branch is integrated
   * @param check the shell command that must pass in the integration worktree before the branch
   *     advances, or null for none
   * @param repo the repository (its top folder) the coordinator integrates in
   */
  public record Spec(Mode mode, String check, String repo) {
    public Spec {
      Objects.requireNonNull(mode, "mode");
      if (repo == null || repo.isBlank()) {
        throw new IllegalArgumentException("repo: expected the repository's folder but found none");
      }
      if (check != null && check.isBlank()) {
        check = null;
      }
    }

    public ObjectNode toJson() {
      ObjectNode node = Json.MAPPER.createObjectNode();
      node.put("mode", mode.wire());
      if (check != null) {
        node.put("check", check);
      }
      node.put("repo", repo);
      return node;
    }

    static Spec fromJson(WireReader reader) {
      String mode = reader.oneOf("mode", "rebase", "merge", "squash");
      return new Spec(Mode.of(mode), reader.optionalText("check"), reader.text("repo"));
    }
  }

  /** An accepted child the queue may integrate: its current attempt and what its result names. */
  public record Candidate(int index, int attempt, String branch, String head) {}

  /**
   * One step for the edge to run: integrate {@code branch} (at {@code childHead}, made from {@code
   * base}) onto {@code integrationBranch}, which must stand at {@code from} (the base before the
   * first step). With a {@code remote} (or null), the branch is fetched from it first and the
   * integration branch pushed to it after.
   */
  public record Job(
      FanoutRef fanout,
      int index,
      int attempt,
      String branch,
      String childHead,
      String base,
      String from,
      String integrationBranch,
      Spec spec,
      String remote) {
    /** The same step, whichever pass decided it: the edge runs each key once. */
    public String key() {
      return fanout.id() + ":" + index + ":" + attempt + ":" + from;
    }
  }

  /**
   * The next child to integrate: the accepted child of lowest index whose current attempt has no
   * step yet, or null when every accepted child has one. {@code accepted} is in index order; {@code
   * stepped} maps an index to the attempt its last step was for.
   */
  public static Candidate next(List<Candidate> accepted, Map<Integer, Integer> stepped) {
    for (Candidate candidate : accepted) {
      Integer done = stepped.get(candidate.index());
      if (done == null || done != candidate.attempt()) {
        return candidate;
      }
    }
    return null;
  }

  /** Where a step starts, given where the integration branch stands now. */
  public enum Resume {
    /** The branch does not exist yet: make it at the base, then integrate. */
    CREATE,
    /** The branch stands where the records say: integrate. */
    INTEGRATE,
    /**
     * The branch moved past where the records say, onto a commit that contains the child's head or
     * its changes: the step ran before a restart and its record was not written; record it as
     * integrated at the branch's head without integrating again.
     */
    ALREADY_INTEGRATED,
    /** The branch moved somewhere the queue did not take it: refuse to touch it. */
    MOVED_BY_SOMEONE_ELSE
  }

  /**
   * Decides where a step resumes. {@code branchHead} is the integration branch's commit (null when
   * it does not exist); {@code descendsFromExpected} whether that commit has {@code from} as an
   * ancestor (only the queue writes the branch, so a descendant of {@code from} is its own step).
   */
  public static Resume resume(String from, String branchHead, boolean descendsFromExpected) {
    if (branchHead == null) {
      return Resume.CREATE;
    }
    if (branchHead.equals(from)) {
      return Resume.INTEGRATE;
    }
    return descendsFromExpected ? Resume.ALREADY_INTEGRATED : Resume.MOVED_BY_SOMEONE_ELSE;
  }

  /**
   * The outcome of a step from what git and the check did: a conflict when git could not bring the
   * branch onto the integration branch (it stopped on conflicting paths, or failed otherwise), else
   * a failed check when the check ran and did not exit 0, else integrated.
   *
   * @param integrationStopped whether the rebase, merge or squash did not complete
   * @param checkExit the check's exit code, or null when there is no check (or it did not run)
   */
  public static Outcome outcome(boolean integrationStopped, Integer checkExit) {
    if (integrationStopped) {
      return Outcome.CONFLICT;
    }
    if (checkExit != null && checkExit != 0) {
      return Outcome.CHECK_FAILED;
    }
    return Outcome.INTEGRATED;
  }

  /** The last {@link #TAIL_LINES} lines, and at most {@link #TAIL_CHARS} characters, of output. */
  public static String tail(String output) {
    String text = output == null ? "" : output.stripTrailing();
    int at = text.length();
    for (int lines = 0; lines < TAIL_LINES && at > 0; lines++) {
      int newline = text.lastIndexOf('\n', at - 1);
      at = newline < 0 ? 0 : newline;
      if (newline < 0) {
        break;
      }
    }
    String tail = text.substring(at == 0 ? 0 : at + 1);
    if (tail.length() > TAIL_CHARS) {
      tail = tail.substring(tail.length() - TAIL_CHARS);
    }
    return tail;
  }
}
