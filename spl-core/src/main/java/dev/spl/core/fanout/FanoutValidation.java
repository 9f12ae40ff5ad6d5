package dev.spl.core.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Checks a whole fan-out before anything is written. */
public final class FanoutValidation {
  /** The widest fan-out accepted. */
  public static final int MAX_WIDTH = 100_000;

  private FanoutValidation() {}

  /**
   * Checks the list as a whole: not empty, not wider than {@link #MAX_WIDTH}, targets well formed,
   * and {@code depends} within range, not on itself and without cycles.
   */
  public static void validate(List<SubtaskSpec> specs) {
    if (specs.isEmpty()) {
      throw new InvalidFanoutException(
          -1, "subtasks", "a fan-out needs at least one subtask but none were given");
    }
    if (specs.size() > MAX_WIDTH) {
      throw new InvalidFanoutException(
          -1,
          "subtasks",
          specs.size() + " subtasks given but the limit of one fan-out is " + MAX_WIDTH);
    }
    int n = specs.size();
    for (int i = 0; i < n; i++) {
      SubtaskSpec spec = specs.get(i);
      Target.parse(i, spec.target());
      for (int dependency : spec.depends()) {
        if (dependency < 0 || dependency >= n) {
          throw new InvalidFanoutException(
              i,
              "depends",
              "index "
                  + dependency
                  + " is out of range ("
                  + n
                  + (n == 1 ? " subtask: 0" : " subtasks: 0.." + (n - 1))
                  + ")");
        }
        if (dependency == i) {
          throw new InvalidFanoutException(i, "depends", "a subtask cannot depend on itself");
        }
      }
    }
    requireAcyclic(specs);
  }

  /**
   * Compiles each distinct {@code cel:} target of {@code targets} (as written) once, refusing the
   * first that does not compile, is not boolean or reads an unknown field of {@code worker}, naming
   * the first subtask that has it. {@code firstIndex} is the index the first target stands for (-1
   * for a template or stages, which are not numbered as subtasks).
   */
  public static void validateRoutes(List<String> targets, RouteCompiler compiler, int firstIndex) {
    java.util.Set<String> checked = new java.util.HashSet<>();
    for (int i = 0; i < targets.size(); i++) {
      int index = firstIndex < 0 ? -1 : firstIndex + i;
      Target target = Target.parse(index, targets.get(i));
      if (target.kind() == Target.Kind.CEL && checked.add(target.value())) {
        try {
          compiler.compile(target.value());
        } catch (InvalidFanoutException e) {
          throw new InvalidFanoutException(index, "target", e.problem());
        }
      }
    }
  }

  /**
   * Checks a data fan-out's join: it may read the counters and {@code fanin}, not {@code children},
   * which would walk every child on every change and which hold no text in a data fan-out.
   */
  public static void validateDataJoin(JoinPredicate predicate) {
    if (predicate.readsChildren()) {
      throw new InvalidFanoutException(
          -1,
          "join",
          "a data fan-out's join may read the counters (n, completed, accepted, failed, active)"
              + " and fanin.*, but not children (that is for fan-outs of listed subtasks)");
    }
  }

  /**
   * Checks that every pinned target names a worker the registry knows (live or lost). Round-robin
   * and least-loaded targets always pass: with no live worker they wait in {@code pending spawn}.
   */
  public static void validateTargets(List<SubtaskSpec> specs, WorkerDirectory directory) {
    for (int i = 0; i < specs.size(); i++) {
      Target target = Target.parse(i, specs.get(i).target());
      if (target.pinned() && !directory.knows(target)) {
        List<String> known = new ArrayList<>();
        for (WorkerInfo worker : directory.live()) {
          known.add(target.kind() == Target.Kind.SPECIFIC ? worker.did() : worker.alias());
        }
        for (WorkerInfo worker : directory.lost()) {
          known.add(target.kind() == Target.Kind.SPECIFIC ? worker.did() : worker.alias());
        }
        known.removeIf(java.util.Objects::isNull);
        throw new InvalidFanoutException(
            i,
            "target",
            "no worker "
                + (target.kind() == Target.Kind.SPECIFIC ? "with DID '" : "with alias '")
                + target.value()
                + "' is registered (known: "
                + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known)))
                + ")");
      }
    }
  }

  /**
   * A subtask with {@code workspace=worktree} needs the fan-out's base commit and branch names, so
   * the fan-out must be one into worktrees ({@code --repo PATH}); {@code worktree} is the parent's
   * section, or null.
   */
  public static void validateWorkspaces(List<SubtaskSpec> specs, Worktrees.Spec worktree) {
    if (worktree != null) {
      return;
    }
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).workspace() != null) {
        throw new InvalidFanoutException(
            i,
            "workspace",
            "workspace=worktree needs a repository, but the fan-out has none: fan out with --repo"
                + " PATH");
      }
    }
  }

  /** Checks a cancel request against the fan-out's state: only an open fan-out can be cancelled. */
  public static void validateCancel(FanoutState state) {
    if (state.joinComplete()) {
      throw new InvalidFanoutException(
          -1,
          null,
          "cannot cancel: its join already completed ("
              + state.joinVerdict()
              + "); there is nothing left to stop");
    }
    if (state.cancelRequested()) {
      throw new InvalidFanoutException(
          -1, null, "cannot cancel: it was cancelled already; the coordinator is stopping it");
    }
  }

  /**
   * Checks a manual retry request against the fan-out's state. Freezes are checked by the
   * permission rules, not here.
   */
  public static void validateRetry(FanoutState state, int index) {
    validateRetryIndex(state, index);
    if (state.joinComplete()) {
      throw new InvalidFanoutException(
          index,
          null,
          "cannot retry: the join already completed with verdict "
              + state.joinVerdict()
              + "; to run it again, fan the task out anew (spl task fan-out ... --replace)"
              + (state.mergeSpec() != null
                  ? ", or retry a child the merge queue reported with --rebase"
                  : ""));
    }
    validateRetryState(state, index);
  }

  /**
   * Checks a retry on top of the integration branch ({@code --rebase}) against the fan-out's state:
   * the rule is {@link FanoutState#rebaseProblem}'s. It may follow a completed join.
   */
  public static void validateRebaseRetry(FanoutState state, int index) {
    validateRetryIndex(state, index);
    String problem = state.rebaseProblem(index);
    if (problem != null) {
      throw new InvalidFanoutException(index, null, "cannot retry: " + problem);
    }
  }

  private static void validateRetryIndex(FanoutState state, int index) {
    int n = state.width();
    if (index < 0 || index >= n) {
      throw new InvalidFanoutException(
          -1,
          "subtask",
          "index "
              + index
              + " is out of range ("
              + n
              + (n == 1 ? " subtask: 0" : " subtasks: 0.." + (n - 1))
              + ")");
    }
  }

  private static void validateRetryState(FanoutState state, int index) {
    ChildState childState = state.childState(index);
    switch (childState) {
      case IN_PROGRESS, CANCELLING ->
          throw new InvalidFanoutException(
              index,
              null,
              "cannot retry: attempt "
                  + state.attempt(index)
                  + " is still running on "
                  + state.worker(index)
                  + "; wait for its result");
      case PENDING_SPAWN ->
          throw new InvalidFanoutException(
              index, null, "cannot retry: it has not been spawned yet (pending spawn)");
      case SKIPPED ->
          throw new InvalidFanoutException(
              index,
              null,
              "cannot retry: it was skipped because a subtask it depends on ("
                  + state.failedDependencies(index)
                  + ") did not accept; retry that one instead");
      case DONE -> {}
    }
  }

  private static void requireAcyclic(List<SubtaskSpec> specs) {
    int n = specs.size();
    // 0 = unvisited, 1 = on the current path, 2 = finished. Iterative so 100,000 chained
    // subtasks do not overflow the stack.
    byte[] mark = new byte[n];
    int[] path = new int[n];
    int[] nextEdge = new int[n];
    for (int root = 0; root < n; root++) {
      if (mark[root] != 0) {
        continue;
      }
      int depth = 0;
      path[0] = root;
      mark[root] = 1;
      nextEdge[root] = 0;
      while (depth >= 0) {
        int node = path[depth];
        List<Integer> depends = specs.get(node).depends();
        if (nextEdge[node] < depends.size()) {
          int next = depends.get(nextEdge[node]++);
          if (mark[next] == 1) {
            StringBuilder cycle = new StringBuilder();
            int start = depth;
            while (path[start] != next) {
              start--;
            }
            for (int k = start; k <= depth; k++) {
              cycle.append(path[k]).append(" -> ");
            }
            cycle.append(next);
            throw new InvalidFanoutException(
                next, "depends", "cycle " + cycle + " (each depends on the next)");
          }
          if (mark[next] == 0) {
            mark[next] = 1;
            nextEdge[next] = 0;
            path[++depth] = next;
          }
        } else {
          mark[node] = 2;
          depth--;
        }
      }
    }
  }
}
