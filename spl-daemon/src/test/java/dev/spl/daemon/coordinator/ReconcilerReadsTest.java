package dev.spl.daemon.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.Daemon;
import dev.spl.daemon.StoreFactory;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.TestClock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerReadsTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock(1_700_000_000_000L);
  private Daemon coordinator;
  private Reconciler loop;

  @BeforeEach
  void startCoordinator() {
    coordinator =
        Daemon.start(DaemonConfig.builder(dir).port(0).build(), clock, StoreFactory.ROCKSDB);
    loop = coordinator.reconciler().orElseThrow();
  }

  @AfterEach
  void stopCoordinator() {
    coordinator.close();
  }

  @Test
  void aReadFirstIsAnsweredBeforeReadsQueuedAheadOfIt() throws Exception {
    List<String> answered = new CopyOnWriteArrayList<>();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // Holds the loop inside a read, so that the next two queue up behind it.
    CompletableFuture<Boolean> held =
        loop.read(
            fanouts -> {
              holding.countDown();
              try {
                return release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
    assertThat(holding.await(30, TimeUnit.SECONDS)).as("the loop runs the holding read").isTrue();

    CompletableFuture<Boolean> queuedFirst = loop.read(fanouts -> answered.add("read"));
    CompletableFuture<Boolean> readFirst = loop.readFirst(fanouts -> answered.add("read first"));
    release.countDown();

    assertThat(held.get(30, TimeUnit.SECONDS)).isTrue();
    assertThat(queuedFirst.get(30, TimeUnit.SECONDS)).isTrue();
    assertThat(readFirst.get(30, TimeUnit.SECONDS)).isTrue();
    assertThat(answered).containsExactly("read first", "read");
  }

  @Test
  void aReadFirstOnAnIdleLoopIsAnsweredWithTheFold() throws Exception {
    assertThat(loop.readFirst(fanouts -> fanouts.all().size()).get(30, TimeUnit.SECONDS)).isZero();
  }
}
