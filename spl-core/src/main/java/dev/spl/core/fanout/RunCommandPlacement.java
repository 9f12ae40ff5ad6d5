package dev.spl.core.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Whether the subtasks that carry a {@code run} command can reach a worker that runs it: an echo
 * worker completes a child without running its command. A fan-out whose run commands can only land
 * on echo workers is refused before anything is written; one whose commands may land on echo
 * workers as well as on others is allowed with a warning. Workers whose executor is unknown count
 * as running commands.
 *
 * <p>A pinned subtask reaches the worker it names (live or lost); the others reach the live
 * workers, or the lost ones when none is live (they wait for one to come back).
 */
public final class RunCommandPlacement {
  private static final int LISTED = 10;

  private RunCommandPlacement() {}

  /** What the check found: a refusal, a warning, or neither. */
  public record Verdict(Optional<String> refusal, Optional<String> warning) {}

  public static Verdict check(List<SubtaskSpec> specs, WorkerDirectory directory) {
    List<Integer> onlyEcho = new ArrayList<>();
    List<Integer> maybeEcho = new ArrayList<>();
    TreeSet<String> echoWorkers = new TreeSet<>();
    for (int i = 0; i < specs.size(); i++) {
      String run = specs.get(i).run();
      if (run == null || run.isEmpty()) {
        continue;
      }
      List<WorkerInfo> reachable = reachable(Target.parse(i, specs.get(i).target()), directory);
      long echoing = reachable.stream().filter(WorkerInfo::echoes).count();
      if (echoing == 0) {
        continue;
      }
      reachable.stream().filter(WorkerInfo::echoes).forEach(w -> echoWorkers.add(name(w)));
      if (echoing == reachable.size()) {
        onlyEcho.add(i);
      } else {
        maybeEcho.add(i);
      }
    }
    if (!onlyEcho.isEmpty()) {
      return new Verdict(
          Optional.of(
              subtasks(onlyEcho)
                  + " a run command, but "
                  + (onlyEcho.size() == 1 ? "its target reaches" : "their targets reach")
                  + " only workers that run the echo executor ("
                  + String.join(", ", echoWorkers)
                  + "), which would report them done without running "
                  + (onlyEcho.size() == 1 ? "it" : "them")
                  + "; run shell workers (spl fleet start --executor shell --reconfigure) or"
                  + " leave out run="),
          Optional.empty());
    }
    if (!maybeEcho.isEmpty()) {
      return new Verdict(
          Optional.empty(),
          Optional.of(
              subtasks(maybeEcho)
                  + " a run command and may be placed on workers that run the echo executor ("
                  + String.join(", ", echoWorkers)
                  + "), which do not run it; pin "
                  + (maybeEcho.size() == 1 ? "it" : "them")
                  + " to a shell worker with target=<alias> to be sure it runs"));
    }
    return new Verdict(Optional.empty(), Optional.empty());
  }

  private static List<WorkerInfo> reachable(Target target, WorkerDirectory directory) {
    if (target.pinned()) {
      List<WorkerInfo> named = new ArrayList<>();
      directory.liveFor(target).ifPresent(named::add);
      if (named.isEmpty()) {
        for (WorkerInfo worker : directory.lost()) {
          boolean matches =
              target.kind() == Target.Kind.SPECIFIC
                  ? worker.did().equals(target.value())
                  : target.value().equals(worker.alias());
          if (matches) {
            named.add(worker);
          }
        }
      }
      return named;
    }
    return directory.live().isEmpty() ? directory.lost() : directory.live();
  }

  private static String name(WorkerInfo worker) {
    return worker.alias() != null ? worker.alias() : worker.did();
  }

  private static String subtasks(List<Integer> indices) {
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < Math.min(LISTED, indices.size()); i++) {
      shown.add(Integer.toString(indices.get(i)));
    }
    String list = String.join(", ", shown) + (indices.size() > LISTED ? ", ..." : "");
    return indices.size() == 1
        ? "subtask " + list + " has"
        : indices.size() + " subtasks (" + list + ") have";
  }
}
