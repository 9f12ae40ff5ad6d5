package dev.spl.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The subcommands of a command group, by name, in the order help lists them. Declared here rather
 * than in the group's {@code @Command(subcommands = ...)}, from which picocli would build the model
 * of every subcommand whenever the group is built: {@link Spl} adds only the one a command line
 * names.
 */
public final class Subcommands {
  private Subcommands() {}

  /**
   * {@code namesAndClasses}: a name, then the class whose {@code @Command} has that name, and so
   * on.
   */
  public static Map<String, Class<?>> of(Object... namesAndClasses) {
    if (namesAndClasses.length % 2 != 0) {
      throw new IllegalArgumentException(
          "expected pairs of a name and a class but found " + namesAndClasses.length + " values");
    }
    Map<String, Class<?>> subcommands = new LinkedHashMap<>();
    for (int i = 0; i < namesAndClasses.length; i += 2) {
      subcommands.put((String) namesAndClasses[i], (Class<?>) namesAndClasses[i + 1]);
    }
    return Collections.unmodifiableMap(subcommands);
  }
}
