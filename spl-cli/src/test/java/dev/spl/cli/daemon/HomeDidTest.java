package dev.spl.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HomeDidTest {
  @TempDir Path home;

  @Test
  void theDidIsReadFromTheHomesInstanceFile() throws IOException {
    Files.writeString(
        home.resolve("instance.json"),
        "{\n  \"did\" : \"did:sync:instance:0123456789abcdef\",\n  \"created_at\" : 1\n}\n");

    assertThat(DaemonProcesses.homeDid(home)).isEqualTo("did:sync:instance:0123456789abcdef");
  }

  @Test
  void aMissingOrUnreadableInstanceFileNamesNoDid() throws IOException {
    assertThat(DaemonProcesses.homeDid(home)).isNull();

    Files.writeString(home.resolve("instance.json"), "{\"did\": ");
    assertThat(DaemonProcesses.homeDid(home)).isNull();

    Files.writeString(home.resolve("instance.json"), "{\"created_at\": 1}");
    assertThat(DaemonProcesses.homeDid(home)).isNull();
  }
}
