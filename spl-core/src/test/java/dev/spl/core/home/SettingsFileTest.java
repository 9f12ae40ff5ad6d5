package dev.spl.core.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.fleet.InstanceSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsFileTest {
  @TempDir Path home;

  @Test
  void aHomeWithoutTheFileHasNoSettingsAndWrittenOnesReadBackPrivate() throws Exception {
    assertThat(SettingsFile.read(home)).isEmpty();

    SettingsFile.write(home, InstanceSettings.defaults());

    assertThat(SettingsFile.read(home)).contains(InstanceSettings.defaults());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(SettingsFile.of(home))))
        .isEqualTo("rw-------");
  }

  @Test
  void aBrokenFileIsNamedWithTheField() throws Exception {
    Files.writeString(SettingsFile.of(home), "{\"role\":\"captain\"}");
    assertThatThrownBy(() -> SettingsFile.read(home))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SettingsFile.of(home).toString())
        .hasMessageContaining("role: expected 'coordinator' or 'worker' but found 'captain'");
    Files.writeString(SettingsFile.of(home), "{\"role\":");
    assertThatThrownBy(() -> SettingsFile.read(home))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SettingsFile.of(home).toString());
  }
}
