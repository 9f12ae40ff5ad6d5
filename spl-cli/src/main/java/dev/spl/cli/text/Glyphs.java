package dev.spl.cli.text;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.Map;

/**
 * The few non-ASCII characters of the text output (✓ ◇ · → — ×) and their ASCII stand-ins. Where
 * the output is not UTF-8 (e.g. {@code LANG=C}) the JVM would print {@code ?} for each; the streams
 * commands write to replace them instead ({@link #stream}), so no command has to know.
 */
public final class Glyphs {
  /** Each glyph and what replaces it. */
  static final Map<Character, String> ASCII =
      Map.of(
          '✓', "OK",
          '◇', "*",
          '·', "-",
          '→', "->",
          '—', "--",
          '×', "x");

  private static final String[] LOCALE_VARIABLES = {"LC_ALL", "LC_CTYPE", "LANG"};

  private Glyphs() {}

  /**
   * Whether the glyphs can be shown: the JVM writes standard output in UTF-8, and the locale of the
   * environment (the first of LC_ALL, LC_CTYPE and LANG that is set, as for any POSIX program) is a
   * UTF-8 one. An environment that names no locale leaves it to the JVM's encoding, which the JVM
   * took from the same locale.
   */
  public static boolean unicode(Map<String, String> env, String outputEncoding) {
    String locale = locale(env);
    return isUtf8(outputEncoding) && (locale == null || localeIsUtf8(locale));
  }

  /** {@code text} with each glyph replaced by its ASCII stand-in. */
  public static String ascii(String text) {
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      String replacement = ASCII.get(text.charAt(i));
      if (replacement != null && sb == null) {
        sb = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (sb != null) {
        if (replacement != null) {
          sb.append(replacement);
        } else {
          sb.append(text.charAt(i));
        }
      }
    }
    return sb == null ? text : sb.toString();
  }

  /**
   * {@code out} itself where the glyphs can be shown, else a stream in {@code encoding} that
   * replaces them with ASCII before writing to it.
   */
  public static PrintStream stream(PrintStream out, boolean unicode, String encoding) {
    return unicode ? out : new AsciiStream(out, charset(encoding));
  }

  private static String locale(Map<String, String> env) {
    for (String name : LOCALE_VARIABLES) {
      String value = env.get(name);
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return null;
  }

  /** {@code C.UTF-8}, {@code en_US.utf8}: the codeset after the dot, before any {@code @}. */
  private static boolean localeIsUtf8(String locale) {
    int dot = locale.indexOf('.');
    if (dot < 0) {
      return false;
    }
    String codeset = locale.substring(dot + 1);
    int at = codeset.indexOf('@');
    if (at >= 0) {
      codeset = codeset.substring(0, at);
    }
    String normalized = codeset.toLowerCase(Locale.ROOT).replace("-", "");
    return normalized.equals("utf8");
  }

  private static boolean isUtf8(String encoding) {
    return StandardCharsets.UTF_8.equals(charsetOrNull(encoding));
  }

  private static Charset charset(String encoding) {
    Charset charset = charsetOrNull(encoding);
    return charset != null ? charset : Charset.defaultCharset();
  }

  private static Charset charsetOrNull(String encoding) {
    if (encoding == null || encoding.isBlank()) {
      return null;
    }
    try {
      return Charset.forName(encoding);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return null;
    }
  }

  /**
   * Replaces the glyphs in everything printed as characters; bytes written as bytes pass as they
   * are. Every character-printing method is overridden, not only {@code print(String)}, because
   * PrintStream does not promise to route them through it.
   */
  private static final class AsciiStream extends PrintStream {
    AsciiStream(PrintStream out, Charset charset) {
      super(out, true, charset);
    }

    @Override
    public void print(String s) {
      super.print(ascii(String.valueOf(s)));
    }

    @Override
    public void print(Object obj) {
      print(String.valueOf(obj));
    }

    @Override
    public void print(char c) {
      print(String.valueOf(c));
    }

    @Override
    public void print(char[] s) {
      print(new String(s));
    }

    @Override
    public void println(String x) {
      synchronized (this) {
        print(x);
        println();
      }
    }

    @Override
    public void println(Object x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(char x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(char[] x) {
      println(new String(x));
    }

    @Override
    public PrintStream append(CharSequence csq) {
      print(String.valueOf(csq));
      return this;
    }

    @Override
    public PrintStream append(CharSequence csq, int start, int end) {
      print(String.valueOf(csq == null ? "null" : csq).substring(start, end));
      return this;
    }

    @Override
    public PrintStream append(char c) {
      print(c);
      return this;
    }

    @Override
    public PrintStream format(String format, Object... args) {
      print(String.format(format, args));
      return this;
    }

    @Override
    public PrintStream format(Locale locale, String format, Object... args) {
      print(String.format(locale, format, args));
      return this;
    }
  }
}
