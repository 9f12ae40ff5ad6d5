package dev.spl.core.fanout;

/**
 * POSIX shell quoting of values placed into a {@code run} command: each value becomes one
 * single-quoted word, in which the shell expands nothing ({@code $}, backquotes, {@code \}, globs
 * and newlines are all literal). A single quote inside the value is written {@code '\''}: close the
 * quotes, an escaped quote, open them again.
 */
final class ShellWords {
  private ShellWords() {}

  static String quote(String value) {
    StringBuilder word = new StringBuilder(value.length() + 2);
    word.append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'') {
        word.append("'\\''");
      } else {
        word.append(c);
      }
    }
    return word.append('\'').toString();
  }
}
