package dev.spl.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.cli.CliException;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Ports;
import dev.spl.core.home.FleetToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolutionTest {
  @TempDir Path temp;

  @Test
  void homeComesFromFlagThenEnvironmentThenUserHome() {
    Path flag = temp.resolve("flag");
    Map<String, String> env = Map.of("SPL_HOME", temp.resolve("env").toString());
    assertThat(Resolution.home(flag, env, "/users/ada")).isEqualTo(flag);
    assertThat(Resolution.home(null, env, "/users/ada")).isEqualTo(temp.resolve("env"));
    assertThat(Resolution.home(null, Map.of(), "/users/ada"))
        .isEqualTo(Path.of("/users/ada/.syncro"));
    assertThat(Resolution.home(null, Map.of("SPL_HOME", "  "), "/users/ada"))
        .isEqualTo(Path.of("/users/ada/.syncro"));
  }

  @Test
  void homeIsAbsoluteAndExpandsTildeInTheEnvironment() {
    assertThat(Resolution.home(Path.of("relative"), Map.of(), "/u")).isAbsolute();
    assertThat(Resolution.home(null, Map.of("SPL_HOME", "~/spl"), "/users/ada"))
        .isEqualTo(Path.of("/users/ada/spl"));
  }

  @Test
  void urlComesFromFlagThenEnvironmentThenEndpointFileThenDefault() throws IOException {
    Files.writeString(temp.resolve("endpoint"), "http://127.0.0.1:4444\n");
    Map<String, String> env = Map.of("SPL_URL", "http://127.0.0.1:3333/");

    assertThat(Resolution.endpoint("http://localhost:5555", env, temp))
        .isEqualTo(new Resolution.Endpoint("http://localhost:5555", "--url"));
    assertThat(Resolution.endpoint(null, env, temp))
        .isEqualTo(new Resolution.Endpoint("http://127.0.0.1:3333", "SPL_URL"));
    assertThat(Resolution.endpoint(null, Map.of(), temp).url()).isEqualTo("http://127.0.0.1:4444");
    assertThat(Resolution.endpoint(null, Map.of(), temp.resolve("empty-home")))
        .isEqualTo(new Resolution.Endpoint("http://127.0.0.1:9100", "default"));
  }

  @Test
  void endpointFileMayHoldJson() throws IOException {
    Files.writeString(temp.resolve("endpoint"), "{\"url\":\"http://127.0.0.1:4545\"}");
    assertThat(Resolution.endpoint(null, Map.of(), temp).url()).isEqualTo("http://127.0.0.1:4545");
  }

  @Test
  void emptyEndpointFileFallsBackToTheDefault() throws IOException {
    Files.writeString(temp.resolve("endpoint"), "  \n");
    assertThat(Resolution.endpoint(null, Map.of(), temp).source()).isEqualTo("default");
  }

  @Test
  void malformedUrlIsBadInputNamingItsSource() {
    assertThatThrownBy(() -> Resolution.endpoint(null, Map.of("SPL_URL", "localhost:9100"), temp))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.BAD_INPUT))
        .hasMessageContaining("SPL_URL")
        .hasMessageContaining("localhost:9100");
    assertThatThrownBy(() -> Resolution.endpoint("ftp://host", Map.of(), temp))
        .hasMessageContaining("--url");
  }

  private static final String FLAG_TOKEN = "from-the-flag-0123456789";
  private static final String ENV_TOKEN = "from-the-environment-0123";
  private static final String FILE_TOKEN = "from-a-file-0123456789ab";
  private static final String HOME_TOKEN = "from-the-home-0123456789";

  @Test
  void tokenComesFromFlagThenFileThenEnvironmentThenTheHome() throws IOException {
    Path home = temp.resolve("home");
    Path file = temp.resolve("given-token");
    FleetToken.write(file, FILE_TOKEN);
    Map<String, String> env = Map.of("SPL_TOKEN", ENV_TOKEN);

    assertThat(Resolution.token(FLAG_TOKEN, null, env, home).value()).isEqualTo(FLAG_TOKEN);
    Resolution.Token fromFile = Resolution.token(null, file, env, home);
    assertThat(fromFile.value()).isEqualTo(FILE_TOKEN);
    assertThat(fromFile.file()).isEqualTo(file);
    assertThat(Resolution.token(null, null, env, home).value()).isEqualTo(ENV_TOKEN);
    assertThat(Resolution.token(null, null, env, home).file()).isNull();
    assertThat(Resolution.token(null, null, Map.of(), home)).isNull();

    Files.createDirectories(home);
    FleetToken.write(home.resolve("token"), HOME_TOKEN);
    Resolution.Token fromHome = Resolution.token(null, null, Map.of(), home);
    assertThat(fromHome.value()).isEqualTo(HOME_TOKEN);
    assertThat(fromHome.file()).isEqualTo(home.resolve("token"));
    assertThat(Resolution.token(null, null, env, home).value()).isEqualTo(ENV_TOKEN);
  }

  @Test
  void aBadTokenIsRefusedWhereverItComesFrom() throws IOException {
    assertThatThrownBy(() -> Resolution.token("short", null, Map.of(), temp))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("--token: expected a token of at least 16 bytes but found 5 bytes")
        .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCodes.BAD_INPUT));
    assertThatThrownBy(
            () -> Resolution.token(null, null, Map.of("SPL_TOKEN", FLAG_TOKEN + "\r\nX: y"), temp))
        .hasMessageContaining("SPL_TOKEN: expected printable ASCII without spaces")
        .hasMessageContaining("carriage return");
    Path loose = temp.resolve("loose");
    Files.writeString(loose, FILE_TOKEN + "\n");
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> Resolution.token(null, loose, Map.of(), temp))
        .hasMessageContaining("chmod 600 " + loose);
    assertThatThrownBy(() -> Resolution.token(FLAG_TOKEN, loose, Map.of(), temp))
        .hasMessageContaining("--token and --token-file");
  }

  @Test
  void theCommandLineAppliesTheRulesToGlobalOptionsGivenBeforeOrAfterTheCommand()
      throws IOException {
    int closedPort = Ports.closedPort();
    Map<String, String> env = CliRun.cleanEnv();
    env.put("SPL_HOME", temp.resolve("from-env").toString());
    env.put("SPL_URL", "http://127.0.0.1:" + closedPort);

    CliRun after =
        CliRun.run(
            env, "daemon", "status", "--home", temp.resolve("flag").toString(), "-o", "json");
    assertThat(after.exitCode()).as(after.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(after.json().path("home").asText()).isEqualTo(temp.resolve("flag").toString());
    assertThat(after.json().path("url").asText()).isEqualTo("http://127.0.0.1:" + closedPort);

    CliRun before = CliRun.run(env, "--output", "json", "daemon", "status");
    assertThat(before.json().path("home").asText()).isEqualTo(temp.resolve("from-env").toString());
    assertThat(before.json().path("running").asBoolean(true)).isFalse();
  }
}
