package dev.spl.cli.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GlyphsTest {
  private static final String ALL = "✓ ◇ · → — ×";

  @Test
  void aUtf8LocaleAndAUtf8OutputShowTheGlyphs() {
    assertThat(Glyphs.unicode(Map.of("LANG", "C.UTF-8"), "UTF-8")).isTrue();
    assertThat(Glyphs.unicode(Map.of("LANG", "en_US.utf8"), "UTF-8")).isTrue();
    assertThat(Glyphs.unicode(Map.of("LANG", "de_DE.UTF-8@euro"), "utf8")).isTrue();
  }

  @Test
  void anotherLocaleOrAnotherOutputEncodingGetsAscii() {
    assertThat(Glyphs.unicode(Map.of("LANG", "C"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LANG", "POSIX"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LANG", "en_US"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LANG", "en_US.ISO-8859-1"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LANG", "C.UTF-8"), "ANSI_X3.4-1968")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LANG", "C.UTF-8"), "no-such-charset")).isFalse();
  }

  @Test
  void lcAllThenLcCtypeThenLangDecideAsForAnyPosixProgram() {
    assertThat(Glyphs.unicode(Map.of("LC_ALL", "C", "LANG", "C.UTF-8"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LC_CTYPE", "C", "LANG", "C.UTF-8"), "UTF-8")).isFalse();
    assertThat(Glyphs.unicode(Map.of("LC_ALL", "C.UTF-8", "LC_CTYPE", "C"), "UTF-8")).isTrue();
    assertThat(Glyphs.unicode(Map.of("LC_ALL", "", "LANG", "C.UTF-8"), "UTF-8")).isTrue();
  }

  @Test
  void noLocaleInTheEnvironmentLeavesItToTheOutputEncoding() {
    assertThat(Glyphs.unicode(Map.of(), "UTF-8")).isTrue();
    assertThat(Glyphs.unicode(Map.of(), "US-ASCII")).isFalse();
  }

  @Test
  void everyGlyphHasAnAsciiStandIn() {
    assertThat(Glyphs.ascii(ALL)).isEqualTo("OK * - -> -- x");
    assertThat(Glyphs.ascii("no glyph here")).isEqualTo("no glyph here");
    assertThat(Glyphs.ascii("")).isEmpty();
    for (String replacement : Glyphs.ASCII.values()) {
      assertThat(replacement).matches("\\p{ASCII}+");
    }
  }

  @Test
  void theAsciiStreamReplacesGlyphsWhateverMethodPrintsThem() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream target = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    PrintStream out = Glyphs.stream(target, false, "UTF-8");

    out.print("a ✓");
    out.print('→');
    out.print(new char[] {'·'});
    out.print((Object) "◇");
    out.println("—");
    out.println('×');
    out.println(new char[] {'✓'});
    out.println((Object) "→ é");
    out.printf("%s|", "✓");
    out.format(Locale.ROOT, "%.1f×|", 2.0);
    out.append("◇").append("x→y", 1, 3).append('·');
    out.println();
    out.flush();

    String n = System.lineSeparator();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("a OK->-*--" + n + "x" + n + "OK" + n + "-> é" + n + "OK|2.0x|*->y-" + n);
  }

  @Test
  void whereGlyphsCanBeShownTheStreamIsTheOneGiven() {
    PrintStream target = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    assertThat(Glyphs.stream(target, true, "UTF-8")).isSameAs(target);
  }
}
