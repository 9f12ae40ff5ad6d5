package dev.spl.core.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line of the {@code command} executor ({@code --command-template}): words split like a
 * shell splits them (blanks separate words; single quotes keep everything literally; double quotes
 * keep everything but {@code \"} and {@code \\}; a backslash outside quotes keeps the next
 * character), without any expansion, and {@code {{name}}} placeholders filled in per attempt. Each
 * word becomes exactly one argument of the program, whatever a placeholder's value holds, and no
 * shell ever reads the result: a goal cannot add arguments or run commands. The program itself (the
 * first word) may hold no placeholder.
 *
 * @param text the template as given
 * @param words the words, each a list of literal and placeholder parts
 */
public record CommandTemplate(String text, List<List<Part>> words) {

  /** The placeholders a template may use, in the order messages list them. */
  public static final List<String> PLACEHOLDERS =
      List.of(
          "prompt_file",
          "goal",
          "budget",
          "timeout",
          "index",
          "attempt",
          "result_file",
          "output_dir",
          "work_dir",
          "child_thread",
          "fanout",
          "idempotency_key");

  /** The most characters of a template. */
  public static final int MAX_CHARS = 4096;

  /** A literal piece of a word, or a placeholder ({@code literal} null, {@code name} set). */
  public record Part(String literal, String name) {}

  public CommandTemplate {
    words = List.copyOf(words.stream().map(List::copyOf).toList());
  }

  /**
   * Parses {@code text}; throws {@link IllegalArgumentException} starting with {@code option}
   * ({@code --command-template}) and naming the problem and its place.
   */
  public static CommandTemplate parse(String option, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          option
              + ": expected a command line such as 'my-agent --prompt-file {{prompt_file}}'"
              + " but found nothing");
    }
    if (text.length() > MAX_CHARS) {
      throw new IllegalArgumentException(
          option + ": expected at most " + MAX_CHARS + " characters but found " + text.length());
    }
    List<List<Part>> words = new ArrayList<>();
    List<Part> word = null;
    StringBuilder literal = new StringBuilder();
    char quote = 0;
    int quoteAt = -1;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quote == 0 && Character.isWhitespace(c)) {
        if (word != null) {
          flush(word, literal);
          words.add(word);
          word = null;
        }
        i++;
        continue;
      }
      if (word == null) {
        word = new ArrayList<>();
      }
      if (c == '{' && quote != '\'' && text.startsWith("{{", i)) {
        int end = text.indexOf("}}", i + 2);
        if (end < 0) {
          throw new IllegalArgumentException(
              option + ": '{{' at character " + (i + 1) + " is not closed by '}}'");
        }
        String name = text.substring(i + 2, end).strip();
        if (!PLACEHOLDERS.contains(name)) {
          throw new IllegalArgumentException(
              option
                  + ": unknown placeholder {{"
                  + name
                  + "}} at character "
                  + (i + 1)
                  + "; expected one of {{"
                  + String.join("}}, {{", PLACEHOLDERS)
                  + "}}");
        }
        if (words.isEmpty()) {
          throw new IllegalArgumentException(
              option
                  + ": the program (the first word) may not hold a placeholder, but it holds {{"
                  + name
                  + "}}");
        }
        flush(word, literal);
        word.add(new Part(null, name));
        i = end + 2;
        continue;
      }
      if (quote == 0) {
        if (c == '\'' || c == '"') {
          quote = c;
          quoteAt = i;
        } else if (c == '\\' && i + 1 < text.length()) {
          literal.append(text.charAt(++i));
        } else {
          literal.append(c);
        }
      } else if (c == quote) {
        quote = 0;
      } else if (quote == '"'
          && c == '\\'
          && i + 1 < text.length()
          && (text.charAt(i + 1) == '"' || text.charAt(i + 1) == '\\')) {
        literal.append(text.charAt(++i));
      } else {
        literal.append(c);
      }
      i++;
    }
    if (quote != 0) {
      throw new IllegalArgumentException(
          option + ": the quote " + quote + " at character " + (quoteAt + 1) + " is not closed");
    }
    if (word != null) {
      flush(word, literal);
      words.add(word);
    }
    return new CommandTemplate(text, words);
  }

  private static void flush(List<Part> word, StringBuilder literal) {
    if (!literal.isEmpty() || word.isEmpty()) {
      word.add(new Part(literal.toString(), null));
    }
    literal.setLength(0);
  }

  /**
   * The program and its arguments for one attempt: every word with its placeholders replaced by
   * {@code values} (a placeholder without a value becomes the empty string), one argument a word.
   */
  public List<String> render(Map<String, String> values) {
    List<String> argv = new ArrayList<>(words.size());
    for (List<Part> word : words) {
      StringBuilder arg = new StringBuilder();
      for (Part part : word) {
        if (part.literal() != null) {
          arg.append(part.literal());
        } else {
          String value = values.get(part.name());
          arg.append(value == null ? "" : value);
        }
      }
      argv.add(arg.toString());
    }
    return argv;
  }

  /** Whether the template uses placeholder {@code name}. */
  public boolean uses(String name) {
    return words.stream().flatMap(List::stream).anyMatch(part -> name.equals(part.name()));
  }
}
