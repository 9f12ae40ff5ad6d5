package dev.spl.daemon.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.OutboxEntry;
import dev.spl.core.Record;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.AuthRule;
import dev.spl.core.auth.Envelope;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxSenderTest {
  @TempDir Path dir;

  private static Record record(int n) {
    var body = Json.MAPPER.createObjectNode().put("topic", "note").put("n", n);
    return new Record(
        ThreadIds.derive("outbox-test"), "did:sync:user:tester", Act.DO, body, n, List.of());
  }

  private static DaemonConfig config(Path home, int port) {
    return DaemonConfig.builder(home).port(port).build();
  }

  @Test
  void deliversEverythingPendingInBatchesAndEmptiesTheOutbox() {
    try (Daemon sender = Daemon.start(config(dir.resolve("a"), 0));
        Daemon receiver = Daemon.start(config(dir.resolve("b"), 0));
        OutboxSender outbox =
            new OutboxSender(
                sender.records().store(), null, sender.clock(), sender.trust().key())) {
      // The receiver takes signed records from daemons whose key it knows.
      receiver.trust().register(sender.did(), sender.trust().key().publicKey());
      List<Record> records = new ArrayList<>();
      List<OutboxEntry> deliveries = new ArrayList<>();
      for (int i = 0; i < 2500; i++) {
        Record record = record(i);
        records.add(record);
        deliveries.add(new OutboxEntry(receiver.url(), record.id()));
      }
      sender.records().appendAll(records, deliveries);

      outbox.start();

      Await.until(
          "all 2500 records reached the receiver", () -> receiver.records().count() == 2500);
      Await.until(
          "the outbox is empty", () -> sender.records().store().deliveryDestinations().isEmpty());
      assertThat(receiver.records().get(records.get(1234).id())).isPresent();
      // Each record is kept with the envelope it came in, signed by the sender.
      StoredEnvelope stored =
          receiver.records().store().envelopeOf(records.get(1234).id()).orElseThrow();
      Envelope envelope = Envelope.fromJson(Json.parse(stored.json()));
      assertThat(envelope.signer()).isEqualTo(sender.did());
      assertThat(envelope.ids()).contains(records.get(1234).id());
      assertThat(envelope.isSignedBy(sender.trust().key().publicKey())).isTrue();
    }
  }

  @Test
  void aReceiverThatDoesNotKnowTheSenderStoresNothingAndCountsTheRefusal() {
    try (Daemon sender = Daemon.start(config(dir.resolve("a"), 0));
        Daemon receiver = Daemon.start(config(dir.resolve("b"), 0));
        OutboxSender outbox =
            new OutboxSender(
                sender.records().store(), null, sender.clock(), sender.trust().key())) {
      Record record = record(7);
      sender
          .records()
          .appendAll(List.of(record), List.of(new OutboxEntry(receiver.url(), record.id())));
      outbox.start();
      Await.until(
          "the receiver refused the unknown signer",
          () -> receiver.trust().refusals().of(AuthRule.UNKNOWN_SIGNER) > 0);
      assertThat(receiver.records().get(record.id())).isEmpty();
      assertThat(sender.records().store().pendingDeliveries(receiver.url(), 10)).hasSize(1);
    }
  }

  @Test
  void keepsRecordsWhileTheReceiverIsDownAndDeliversWhenItComesBack() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String receiverUrl = "http://127.0.0.1:" + port;
    try (Daemon sender = Daemon.start(config(dir.resolve("a"), 0));
        OutboxSender outbox =
            new OutboxSender(
                sender.records().store(), null, sender.clock(), sender.trust().key())) {
      Record record = record(1);
      sender
          .records()
          .appendAll(List.of(record), List.of(new OutboxEntry(receiverUrl, record.id())));
      outbox.start();
      outbox.wake();
      assertThat(sender.records().store().pendingDeliveries(receiverUrl, 10)).hasSize(1);

      try (Daemon receiver = Daemon.start(config(dir.resolve("b"), port))) {
        receiver.trust().register(sender.did(), sender.trust().key().publicKey());
        Await.until("the record arrived", () -> receiver.records().get(record.id()).isPresent());
      }
    }
  }

  @Test
  void aReceiverSlowToAnswerDoesNotHoldBackTheDeliveriesToAnother() throws Exception {
    try (ServerSocket first = new ServerSocket(0);
        ServerSocket second = new ServerSocket(0);
        Daemon sender = Daemon.start(config(dir.resolve("a"), 0));
        OutboxSender outbox =
            new OutboxSender(
                sender.records().store(), null, sender.clock(), sender.trust().key())) {
      // Two receivers that take a request and never answer it: only deliveries sent side by side
      // reach both while the other one is still waiting.
      List<AtomicBoolean> received = new ArrayList<>();
      List<Socket> held = Collections.synchronizedList(new ArrayList<>());
      List<String> urls = new ArrayList<>();
      for (ServerSocket server : List.of(first, second)) {
        var got = new AtomicBoolean();
        received.add(got);
        urls.add("http://127.0.0.1:" + server.getLocalPort());
        Thread acceptor =
            new Thread(
                () -> {
                  try {
                    Socket socket = server.accept();
                    held.add(socket);
                    if (socket.getInputStream().read() >= 0) {
                      got.set(true);
                    }
                  } catch (IOException closed) {
                    // The test is over.
                  }
                });
        acceptor.setDaemon(true);
        acceptor.start();
      }
      List<Record> records = List.of(record(1), record(2));
      sender
          .records()
          .appendAll(
              records,
              List.of(
                  new OutboxEntry(urls.get(0), records.get(0).id()),
                  new OutboxEntry(urls.get(1), records.get(1).id())));

      outbox.start();

      Await.until(
          "both receivers got their request while neither answered",
          () -> received.get(0).get() && received.get(1).get());
      for (Socket socket : held) {
        socket.close();
      }
    }
  }
}
