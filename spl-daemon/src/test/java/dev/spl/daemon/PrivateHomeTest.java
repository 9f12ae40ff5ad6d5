package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another user of the machine can read nothing of a home: folders 0700, files 0600. */
class PrivateHomeTest {
  @TempDir Path dir;

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void aNewHomeIsPrivateToItsOwner() throws Exception {
    Path home = dir.resolve("parent/home");
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      new Http(daemon.url()).post("/v1/records", Records.json(Records.thread("p"), "DO", "a", 1));

      assertThat(mode(home)).isEqualTo("rwx------");
      assertThat(mode(dir.resolve("parent"))).isEqualTo("rwx------");
      for (String file : new String[] {"instance.json", "endpoint", "port", "daemon.lock"}) {
        assertThat(mode(home.resolve(file))).as(file).isEqualTo("rw-------");
      }
      assertThat(mode(home.resolve("store"))).isEqualTo("rwx------");
    }
  }

  @Test
  void anExistingLooseHomeIsMadePrivate() throws Exception {
    Path home = dir.resolve("home");
    Daemon.start(DaemonConfig.builder(home).port(0).build()).close();
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        home.resolve("store"), PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String file : new String[] {"instance.json", "daemon.lock", "port"}) {
      Files.setPosixFilePermissions(
          home.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
    }

    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      assertThat(mode(home)).isEqualTo("rwx------");
      assertThat(mode(home.resolve("store"))).isEqualTo("rwx------");
      for (String file : new String[] {"instance.json", "daemon.lock", "port", "endpoint"}) {
        assertThat(mode(home.resolve(file))).as(file).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void noFileOrFolderOfAHomeIsOpenToOthers() throws Exception {
    Path home = dir.resolve("home");
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      new Http(daemon.url()).post("/v1/records", Records.json(Records.thread("p"), "DO", "a", 1));
      // RocksDB's own files may carry the umask's bits; the 0700 store folder keeps others out.
      try (Stream<Path> top = Files.list(home)) {
        for (Path path : top.toList()) {
          String mode = mode(path);
          assertThat(mode.substring(3)).as(path + " " + mode).isEqualTo("------");
        }
      }
    }
  }
}
