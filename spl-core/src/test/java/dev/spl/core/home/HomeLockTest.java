package dev.spl.core.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HomeLockTest {
  @TempDir Path home;

  @Test
  void aHomeWithoutALockFileIsFree() {
    assertThat(HomeLock.probe(home)).isInstanceOf(HomeLock.Free.class);
    assertThat(HomeLock.probe(home.resolve("missing"))).isInstanceOf(HomeLock.Free.class);
  }

  @Test
  void aLockFileNobodyHoldsIsFreeWhateverPidItNames() throws Exception {
    Files.writeString(home.resolve(HomeLock.FILE_NAME), ProcessHandle.current().pid() + "\n");
    assertThat(HomeLock.probe(home)).isInstanceOf(HomeLock.Free.class);
  }

  @Test
  void theHolderIsSeenWithItsPidUntilItReleases() throws Exception {
    HomeLock.State state;
    try (HomeLock lock = HomeLock.acquire(home)) {
      assertThat(lock.isHeld()).isTrue();
      state = HomeLock.probe(home);
      assertThat(state).isInstanceOf(HomeLock.Held.class);
      HomeLock.Held held = (HomeLock.Held) state;
      assertThat(held.thisProcess()).isTrue();
      assertThat(held.pid()).hasValue(ProcessHandle.current().pid());
      assertThat(Files.readString(home.resolve(HomeLock.FILE_NAME)).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
      assertThatThrownBy(() -> HomeLock.acquire(home))
          .isInstanceOf(HomeLock.HeldException.class)
          .hasMessageContaining("is held by another daemon (pid " + ProcessHandle.current().pid());
      // The probe above and the refused acquire left the lock in place.
      assertThat(lock.isHeld()).isTrue();
    }
    assertThat(HomeLock.probe(home)).isInstanceOf(HomeLock.Free.class);
    try (HomeLock again = HomeLock.acquire(home)) {
      assertThat(again.isHeld()).isTrue();
    }
  }
}
