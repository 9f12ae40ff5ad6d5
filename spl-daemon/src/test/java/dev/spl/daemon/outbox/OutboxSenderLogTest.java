package dev.spl.daemon.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spl.core.Act;
import dev.spl.core.InMemoryRecordStore;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.InstanceKey;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A failed delivery is logged at DEBUG; from the first retry that fails too, at WARN. */
class OutboxSenderLogTest {
  @TempDir Path dir;
  private final Logger logger = (Logger) LoggerFactory.getLogger(OutboxSender.class);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void release() {
    logger.detachAppender(events);
    logger.setLevel(levelBefore);
  }

  @Test
  void theFirstFailureIsDebugTheRetriesThatFailAreWarningsAndRecoveryIsSaid() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String receiverUrl = "http://127.0.0.1:" + port;
    // A store of its own, not a daemon's: a daemon's own outbox would deliver the record too.
    InMemoryRecordStore store = new InMemoryRecordStore(Clock.systemUTC());
    InstanceKey key = InstanceKey.generate();
    try (OutboxSender outbox = new OutboxSender(store, null, Clock.systemUTC(), key)) {
      var body = Json.MAPPER.createObjectNode().put("topic", "note");
      Record record =
          new Record(
              ThreadIds.derive("outbox-log"), "did:sync:user:tester", Act.DO, body, 1, List.of());
      store.appendAll(List.of(record), List.of(new OutboxEntry(receiverUrl, record.id())));

      outbox.start();

      Await.until("three failed attempts are logged", () -> lines().size() >= 3);
      assertThat(lines().subList(0, 3))
          .containsExactly(
              "DEBUG delivery to " + receiverUrl + " failed, retrying",
              "WARN delivery to " + receiverUrl + " failed 2 times in a row, retrying",
              "WARN delivery to " + receiverUrl + " failed 3 times in a row, retrying");
      try (Daemon receiver = Daemon.start(DaemonConfig.builder(dir).port(port).build())) {
        // The receiver takes signed records from daemons whose key it knows.
        receiver.trust().register(key.did(), key.publicKey());
        Await.until("the outbox is empty", () -> store.deliveryDestinations().isEmpty());
        Await.until(
            "the recovery is logged", () -> lines().get(lines().size() - 1).startsWith("INFO "));
      }
      List<String> lines = lines();
      int failed = lines.size() - 1;
      assertThat(lines.subList(1, failed)).allMatch(line -> line.startsWith("WARN "));
      assertThat(lines.get(failed))
          .isEqualTo(
              "INFO delivery to "
                  + receiverUrl
                  + " works again after "
                  + failed
                  + " failed attempts");
    }
  }

  @Test
  void warningsStartAtTheSecondFailureInARow() {
    assertThat(OutboxSender.warns(1)).isFalse();
    assertThat(OutboxSender.warns(2)).isTrue();
    assertThat(OutboxSender.warns(50)).isTrue();
  }

  /** Each event's level and message up to the delay, which is jittered. */
  private List<String> lines() {
    return List.copyOf(events.list).stream()
        .map(
            event ->
                event.getLevel()
                    + " "
                    + event.getFormattedMessage().replaceAll(" in \\d+ ms.*", ""))
        .toList();
  }
}
