package dev.spl.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.cli.CliException;
import dev.spl.cli.CliRun;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  @Test
  void tokenComesFromFlagThenEnvironment() {
    assertThat(Resolution.token("a", Map.of("SPL_TOKEN", "b"))).isEqualTo("a");
    assertThat(Resolution.token(null, Map.of("SPL_TOKEN", "b"))).isEqualTo("b");
    assertThat(Resolution.token(null, Map.of())).isNull();
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
