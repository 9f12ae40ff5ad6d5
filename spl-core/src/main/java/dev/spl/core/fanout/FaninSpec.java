package dev.spl.core.fanout;

import java.util.List;

/**
 * What a fan-out does with its children's results: the reducers folded as children complete.
 *
 * @param reducers in the order they were given; their names are distinct
 */
public record FaninSpec(List<Reducer> reducers) {
  public static final FaninSpec NONE = new FaninSpec(List.of());

  public FaninSpec {
    reducers = List.copyOf(reducers);
  }

  /** The reducers as written, as the parent record keeps them. */
  public List<String> reducerTexts() {
    return reducers.stream().map(Reducer::text).toList();
  }
}
