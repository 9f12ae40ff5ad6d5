package dev.spl.core.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FleetTokenTest {
  private static final String TOKEN = "0123456789abcdef-fleet";

  @TempDir Path dir;

  @Test
  void aGeneratedTokenIs32RandomBytesInBase64Url() {
    String one = FleetToken.generate();
    String two = FleetToken.generate();

    assertThat(one).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(two);
    FleetToken.check(one, "token");
  }

  @Test
  void aTokenShorterThan16BytesIsRefusedWithoutShowingIt() {
    assertThatThrownBy(() -> FleetToken.check("s3cret", "--token"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--token: expected a token of at least 16 bytes but found 6 bytes")
        .hasMessageNotContaining("s3cret");
    FleetToken.check("0123456789abcdef", "--token");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\r", "\n", "\r\n", " ", "\t", "\u0000", "\u007f", "é"})
  void aTokenWithControlCharactersOrSpacesIsRefused(String bad) {
    String token = "0123456789" + bad + "abcdefgh";

    assertThatThrownBy(() -> FleetToken.check(token, "SPL_TOKEN"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SPL_TOKEN: expected printable ASCII without spaces")
        .hasMessageContaining("at position 11");
  }

  @Test
  void aTokenFileIsWritten0600AndReadBackWithoutItsLineBreak() throws Exception {
    Path file = dir.resolve("token");
    FleetToken.write(file, TOKEN);

    assertThat(Files.readString(file)).isEqualTo(TOKEN + "\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(FleetToken.read(file)).isEqualTo(TOKEN);
    assertThat(FleetToken.readIfPresent(dir)).contains(TOKEN);
    assertThat(FleetToken.readIfPresent(dir.resolve("elsewhere"))).isEmpty();
  }

  @Test
  void aTokenFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path file = dir.resolve("loose");
    Files.writeString(file, TOKEN + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> FleetToken.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rw-r--r--")
        .hasMessageContaining("chmod 600 " + file)
        .hasMessageNotContaining(TOKEN);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));
    assertThatThrownBy(() -> FleetToken.read(file)).hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    assertThat(FleetToken.read(file)).isEqualTo(TOKEN);
  }

  @Test
  void aTokenFileWithTwoLinesOrAShortTokenIsRefused() throws Exception {
    Path file = dir.resolve("token");
    FleetToken.write(file, TOKEN);
    Files.writeString(file, TOKEN + "\nsecond line\n");

    assertThatThrownBy(() -> FleetToken.read(file))
        .hasMessageContaining("token file " + file)
        .hasMessageContaining("line feed");
    Files.writeString(file, "short\n");
    assertThatThrownBy(() -> FleetToken.read(file)).hasMessageContaining("at least 16 bytes");
    assertThatThrownBy(() -> FleetToken.read(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void scrubbingRemovesTheTokenVariableAndEveryVariableHoldingTheToken() {
    Map<String, String> env = new HashMap<>();
    env.put("SPL_TOKEN", "anything");
    env.put("COPIED", TOKEN);
    env.put("HEADER", "Authorization: Bearer " + TOKEN);
    env.put("PATH", "/usr/bin:/bin");
    env.put("SPL_HOME", "/home/me/.spl");

    FleetToken.scrub(env, TOKEN);

    assertThat(env).containsOnlyKeys("PATH", "SPL_HOME");
  }

  @Test
  void withoutATokenScrubbingRemovesOnlyTheVariable() {
    Map<String, String> env = new HashMap<>();
    env.put("SPL_TOKEN", "anything");
    env.put("PATH", "/usr/bin:/bin");

    FleetToken.scrub(env, null);

    assertThat(env).containsOnlyKeys("PATH");
  }
}
