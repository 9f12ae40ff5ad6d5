package dev.spl.cli.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Terminal detection and the glyph fallback in real JVMs: this one (Java 17 in the build, where a
 * console exists only on a terminal) and, where one is installed, a Java 22 or newer, which has
 * {@code Console.isTerminal()}. A terminal is a pseudo-terminal made by {@code script(1)}.
 */
class TerminalProcessTest {
  private static final String GLYPHS = "glyphs: ✓ ◇ · → — ×";

  static Stream<String> javas() {
    Map<String, String> javas = new LinkedHashMap<>();
    Path current = Path.of(System.getProperty("java.home"), "bin", "java");
    javas.put(realPath(current), current.toString());
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> homes = Files.list(jvms)) {
        homes
            .sorted()
            .filter(home -> majorVersion(home) >= 22)
            .map(home -> home.resolve("bin/java"))
            .filter(Files::isExecutable)
            .findFirst()
            .ifPresent(java -> javas.putIfAbsent(realPath(java), java.toString()));
      } catch (IOException e) {
        // No other JVM to try.
      }
    }
    return javas.values().stream();
  }

  @ParameterizedTest
  @MethodSource("javas")
  void redirectedStreamsAreNoTerminalAndAUtf8LocaleKeepsTheGlyphs(String java) throws Exception {
    List<String> out = probe(java, "C.UTF-8", false);

    assertThat(out).contains("interactive=false", GLYPHS);
  }

  @ParameterizedTest
  @MethodSource("javas")
  void theCLocalePrintsAsciiInsteadOfTheGlyphs(String java) throws Exception {
    List<String> out = probe(java, "C", false);

    assertThat(out).contains("interactive=false", "glyphs: OK * - -> -- x");
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aPseudoTerminalIsATerminal(String java) throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script")),
        "script(1) from util-linux makes the pseudo-terminal; not installed here");

    List<String> out = probe(java, "C.UTF-8", true);

    assertThat(out).contains("interactive=true", GLYPHS);
    boolean modern = majorVersion(Path.of(java).getParent().getParent()) >= 22;
    assertThat(out).contains("is-terminal-method=" + modern);
  }

  /** The probe's lines, run by {@code java} with LANG={@code lang}, on a terminal or not. */
  private static List<String> probe(String java, String lang, boolean terminal) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                TextProbe.class.getName()));
    if (terminal) {
      command = List.of("/usr/bin/script", "-qec", shellQuote(command), "/dev/null");
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("LC_ALL");
    builder.environment().remove("LC_CTYPE");
    builder.environment().put("LANG", lang);
    builder.environment().put("TERM", "dumb");
    Process process = builder.start();
    byte[] bytes;
    try {
      // script(1) forwards its standard input to the terminal: kept open until the probe ends.
      bytes = process.getInputStream().readAllBytes();
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the probe finished").isTrue();
    } finally {
      process.getOutputStream().close();
      process.destroyForcibly();
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(text).isZero();
    List<String> lines = new ArrayList<>();
    text.lines().map(String::strip).forEach(lines::add);
    return lines;
  }

  private static String shellQuote(List<String> words) {
    StringBuilder sb = new StringBuilder();
    for (String word : words) {
      sb.append('\'').append(word.replace("'", "'\\''")).append("' ");
    }
    return sb.toString().strip();
  }

  /** The Java feature version of a JDK home, from its {@code release} file; 0 when unknown. */
  private static int majorVersion(Path home) {
    try {
      for (String line : Files.readAllLines(home.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          String major = version.split("[.+-]")[0];
          return Integer.parseInt(major.equals("1") ? version.split("\\.")[1] : major);
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  private static String realPath(Path path) {
    try {
      return path.toRealPath().toString();
    } catch (IOException e) {
      return path.toString();
    }
  }
}
