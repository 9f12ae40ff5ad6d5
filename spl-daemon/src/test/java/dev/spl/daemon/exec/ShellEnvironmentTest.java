package dev.spl.daemon.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShellEnvironmentTest {
  private static final String TOKEN = "fleet-token-0123456789abcdef";

  @Test
  void theTokenVariableAndEveryVariableHoldingTheTokenAreRemoved() {
    Map<String, String> env = new HashMap<>();
    env.put("SPL_TOKEN", "anything");
    env.put("COPIED", TOKEN);
    env.put("HEADER", "Authorization: Bearer " + TOKEN);
    env.put("PATH", "/usr/bin:/bin");
    env.put("SPL_HOME", "/home/me/.spl");

    ShellExecutor.scrub(env, TOKEN);

    assertThat(env).containsOnlyKeys("PATH", "SPL_HOME");
  }

  @Test
  void withoutATokenOnlyTheTokenVariableGoes() {
    Map<String, String> env = new HashMap<>();
    env.put("SPL_TOKEN", "anything");
    env.put("PATH", "/usr/bin:/bin");

    ShellExecutor.scrub(env, null);

    assertThat(env).containsOnlyKeys("PATH");
  }
}
