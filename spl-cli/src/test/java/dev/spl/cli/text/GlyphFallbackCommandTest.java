package dev.spl.cli.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.cli.CliRun;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands print their glyphs in a UTF-8 locale and ASCII stand-ins in the C locale. */
class GlyphFallbackCommandTest {
  @TempDir Path home;
  private Daemon daemon;

  @BeforeEach
  void startDaemon() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
  }

  @AfterEach
  void stopDaemon() {
    daemon.close();
  }

  @Test
  void aUtf8LocaleGetsTheGlyphs() {
    Map<String, String> env = env("C.UTF-8");

    assertThat(ok(env, "task", "add", "Write → docs", "--alias", "G-1").out())
        .startsWith("◇ Task created: Write → docs");
    assertThat(ok(env, "kill", "--namespace", "docs", "--reason", "r").out())
        .startsWith("✓ soft freeze of 'docs' recorded");
  }

  @Test
  void theCLocaleGetsAscii() {
    Map<String, String> env = env("C");

    assertThat(ok(env, "task", "add", "Write → docs", "--alias", "G-1").out())
        .startsWith("* Task created: Write -> docs")
        .matches("\\p{ASCII}*");
    assertThat(ok(env, "kill", "--namespace", "docs", "--reason", "r").out())
        .startsWith("OK soft freeze of 'docs' recorded");
  }

  @Test
  void jsonInTheCLocaleEscapesWhatIsNotAsciiAndReadsBackTheSame() {
    String record =
        ok(env("C.UTF-8"), "-o", "json", "task", "add", "Write → docs", "--alias", "G-1")
            .json()
            .get("record")
            .asText();

    CliRun ascii = ok(env("C"), "-o", "json", "records", "get", record);
    CliRun utf8 = ok(env("C.UTF-8"), "-o", "json", "records", "get", record);

    assertThat(ascii.out()).matches("\\p{ASCII}*").contains("Write \\u2192 docs");
    assertThat(utf8.out()).contains("Write → docs");
    assertThat(ascii.json()).isEqualTo(utf8.json());
    assertThat(ascii.json().at("/body/title").asText()).isEqualTo("Write → docs");
  }

  private Map<String, String> env(String lang) {
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", home.toString());
    env.put("LANG", lang);
    return env;
  }

  private static CliRun ok(Map<String, String> env, String... args) {
    CliRun run = CliRun.run(env, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run;
  }
}
