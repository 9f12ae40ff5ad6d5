package dev.spl.cli.text;

import java.io.Console;
import java.lang.reflect.Method;
import java.nio.charset.Charset;

/** What this process writes to: whether it is a terminal, and the encoding of standard output. */
public final class Terminal {
  /** {@code Console.isTerminal()}, which Java 22 added; null on older runtimes. */
  private static final Method IS_TERMINAL = isTerminalMethod();

  private Terminal() {}

  /**
   * Whether standard input and output are an interactive terminal, so output may redraw in place.
   * Up to Java 21 {@link System#console()} exists only then; from Java 22 it may exist with the
   * streams redirected, and {@code Console.isTerminal()} tells.
   */
  public static boolean interactive() {
    return interactive(System.console(), IS_TERMINAL);
  }

  /** The decision above, for a console (null when there is none) and the method, if any. */
  static boolean interactive(Console console, Method isTerminal) {
    if (console == null) {
      return false;
    }
    if (isTerminal == null) {
      return true;
    }
    try {
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Whether this runtime has {@code Console.isTerminal()} (Java 22 and newer). */
  static boolean hasIsTerminal() {
    return IS_TERMINAL != null;
  }

  /**
   * The encoding the JVM writes standard output in: {@code stdout.encoding} (Java 19 and newer),
   * else {@code sun.stdout.encoding} (set for a console on some platforms), else the default
   * charset, which is what {@code System.out} uses on Java 17.
   */
  public static String outputEncoding() {
    for (String property : new String[] {"stdout.encoding", "sun.stdout.encoding"}) {
      String value = System.getProperty(property);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return Charset.defaultCharset().name();
  }

  private static Method isTerminalMethod() {
    try {
      return Console.class.getMethod("isTerminal");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }
}
