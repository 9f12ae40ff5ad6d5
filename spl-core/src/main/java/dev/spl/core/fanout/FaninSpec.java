package dev.spl.core.fanout;

import java.util.List;

/**
 * What a fan-out does with its children's results: the reducers folded as children complete, and
 * the stages that run one after the other once the fan-in is terminal.
 *
 * @param reducers in the order they were given; their names are distinct
 * @param stages the stages after the join ({@code --then}), in order; none when empty
 * @param thenIf a CEL expression over {@code fanin} and {@code reduced} that decides whether the
 *     stages run ({@code --then-if}), or null: they always run
 */
public record FaninSpec(List<Reducer> reducers, List<SubtaskSpec> stages, String thenIf) {
  public static final FaninSpec NONE = new FaninSpec(List.of());

  /** The most stages after one join. */
  public static final int MAX_STAGES = 16;

  public FaninSpec {
    reducers = List.copyOf(reducers);
    stages = List.copyOf(stages);
    if (thenIf != null && stages.isEmpty()) {
      throw new InvalidFanoutException(
          -1, "--then-if", "routes the stages after the join, but no --then stage is given");
    }
    if (stages.size() > MAX_STAGES) {
      throw new InvalidFanoutException(
          -1, "--then", "at most " + MAX_STAGES + " stages but found " + stages.size());
    }
    for (int i = 0; i < stages.size(); i++) {
      if (!stages.get(i).depends().isEmpty()) {
        throw new InvalidFanoutException(
            -1,
            "--then " + (i + 1),
            "depends: a stage after the join depends on no subtask (it runs once the fan-in is"
                + " terminal, after the stages before it)");
      }
    }
  }

  /** Reducers only. */
  public FaninSpec(List<Reducer> reducers) {
    this(reducers, List.of(), null);
  }

  /** The reducers as written, as the parent record keeps them. */
  public List<String> reducerTexts() {
    return reducers.stream().map(Reducer::text).toList();
  }
}
