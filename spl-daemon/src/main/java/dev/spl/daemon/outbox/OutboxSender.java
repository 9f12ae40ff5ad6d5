package dev.spl.daemon.outbox;

import dev.spl.core.Json;
import dev.spl.core.PendingDelivery;
import dev.spl.core.RecordJson;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.InstanceKey;
import dev.spl.core.fleet.Backoff;
import dev.spl.core.tls.TlsTrust;
import dev.spl.daemon.component.DaemonComponent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the durable outbox to other daemons until each record is acknowledged. Everything
 * pending for one destination goes in one request (up to a size budget), so a wide fan-out costs
 * tens of requests. Records are content-addressed, so a delivery repeated after a crash or a lost
 * acknowledgement is a no-op at the receiver.
 */
public final class OutboxSender implements DaemonComponent {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxSender.class);
  static final int BATCH_RECORDS = 2000;
  static final int MAX_PARALLEL_DESTINATIONS = 8;
  static final int BATCH_BYTES = 768 * 1024;
  static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
  private static final byte[] RECORDS_OPEN = "{\"records\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SIGNATURE_OPEN = ",\"signature\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CONFIRMED_OPEN =
      (",\"" + DeliveryConfirmation.FIELD + "\":").getBytes(StandardCharsets.UTF_8);
  // The envelope names each record by its id (67 bytes with quotes and comma), plus the rest.
  private static final int ID_ROOM = 67;
  private static final int ENVELOPE_ROOM = 512;

  private final RecordStore store;
  private final Clock clock;
  private final RecordPoster poster;
  private final InstanceKey key;
  private final Semaphore wake = new Semaphore(0);
  // Sends to several destinations at once; idle threads end after a while.
  private final ThreadPoolExecutor parallel =
      new ThreadPoolExecutor(
          MAX_PARALLEL_DESTINATIONS,
          MAX_PARALLEL_DESTINATIONS,
          30,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          runnable -> {
            Thread thread = new Thread(runnable, "spl-outbox-send");
            thread.setDaemon(true);
            return thread;
          });
  private final Map<String, Long> retryAt = new HashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Consumer<String> onFailure = destination -> {};
  private volatile DeliveryConfirmations confirmations = DeliveryConfirmations.NONE;

  /**
   * {@code clock} decides when a failed destination is due again; the sender waits on real time.
   */
  public OutboxSender(RecordStore store, String token, Clock clock, InstanceKey key) {
    this(store, token, clock, key, TlsTrust.system());
  }

  /** {@code trust}: whom deliveries over HTTPS trust. */
  public OutboxSender(
      RecordStore store, String token, Clock clock, InstanceKey key, TlsTrust trust) {
    this.store = store;
    this.key = key;
    this.clock = clock;
    this.poster = new RecordPoster(token, READ_TIMEOUT, trust);
    this.thread = new Thread(this::loop, "spl-outbox");
    this.thread.setDaemon(true);
  }

  {
    parallel.allowCoreThreadTimeOut(true);
  }

  /** Tells {@code listener} the destination of every delivery that fails (for metrics). */
  public void onDeliveryFailure(Consumer<String> listener) {
    onFailure = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Sends what {@code source} confirms beside each batch (a coordinator: its child INTENDs'
   * attempts), so that the receiving worker starts them without asking the attempt fence.
   */
  public void confirmWith(DeliveryConfirmations source) {
    confirmations = Objects.requireNonNull(source, "source");
  }

  @Override
  public void start() {
    thread.start();
  }

  /** Tells the sender that new deliveries are pending. */
  public void wake() {
    wake.release();
  }

  private void loop() {
    while (running) {
      boolean sentSomething = false;
      long now = clock.millis();
      List<String> due = new ArrayList<>();
      for (String destination : store.deliveryDestinations()) {
        if (retryAt.getOrDefault(destination, 0L) <= now) {
          due.add(destination);
        }
      }
      Map<String, Future<Boolean>> inParallel = sendInParallel(due);
      for (String destination : due) {
        try {
          sentSomething |= outcome(destination, inParallel.get(destination));
          Integer failedBefore = failures.remove(destination);
          retryAt.remove(destination);
          if (failedBefore != null && warns(failedBefore)) {
            LOG.info(
                "delivery to {} works again after {} failed attempts", destination, failedBefore);
          }
        } catch (IOException | DeliveryRefused e) {
          int failed = failures.merge(destination, 1, Integer::sum);
          onFailure.accept(destination);
          long delay = Backoff.DELIVERIES.jitteredDelayMillis(failed, ThreadLocalRandom.current());
          retryAt.put(destination, now + delay);
          if (warns(failed)) {
            LOG.warn(
                "delivery to {} failed {} times in a row, retrying in {} ms: {}",
                destination,
                failed,
                delay,
                e.getMessage());
          } else {
            LOG.debug(
                "delivery to {} failed, retrying in {} ms: {}", destination, delay, e.getMessage());
          }
        }
      }
      if (!sentSomething) {
        try {
          wake.tryAcquire(nextWaitMillis(), TimeUnit.MILLISECONDS);
          wake.drainPermits();
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * With more than one destination due, each batch goes out on a thread of its own, so that one
   * receiver's append (its fsync) does not hold back the next: a fan-out's spawns reach all its
   * workers at once. One destination is sent on the sender's own thread (no hand-off). Returns the
   * batches in flight by destination; empty when there is at most one.
   */
  private Map<String, Future<Boolean>> sendInParallel(List<String> due) {
    if (due.size() < 2) {
      return Map.of();
    }
    Map<String, Future<Boolean>> futures = new HashMap<>();
    for (String destination : due) {
      futures.put(destination, parallel.submit(() -> deliver(destination)));
    }
    return futures;
  }

  /** The result of a destination's batch: sent now, or awaited from its thread. */
  private boolean outcome(String destination, Future<Boolean> inFlight)
      throws IOException, DeliveryRefused {
    if (inFlight == null) {
      return deliver(destination);
    }
    try {
      return inFlight.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while delivering to " + destination, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof DeliveryRefused refused) {
        throw refused;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(cause);
    }
  }

  /**
   * Whether the {@code consecutiveFailures}-th failure in a row is worth an operator's attention:
   * from the first retry on. A single failure is routine (a receiver restarting) and stays at
   * DEBUG.
   */
  static boolean warns(int consecutiveFailures) {
    return consecutiveFailures >= 2;
  }

  private long nextWaitMillis() {
    long now = clock.millis();
    long wait = 1000;
    for (long at : retryAt.values()) {
      wait = Math.min(wait, Math.max(10, at - now));
    }
    return wait;
  }

  /** Sends one batch; true when something was acknowledged. */
  private boolean deliver(String destination) throws IOException, DeliveryRefused {
    List<PendingDelivery> pending = store.pendingDeliveries(destination, BATCH_RECORDS);
    if (pending.isEmpty()) {
      return false;
    }
    List<PendingDelivery> batch = new ArrayList<>();
    // Each record is serialised once: its bytes both count against the size budget and go out.
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
    body.write(RECORDS_OPEN);
    for (PendingDelivery delivery : pending) {
      byte[] json =
          Json.MAPPER.writeValueAsBytes(
              RecordJson.toJson(delivery.record().record(), delivery.record().id()));
      long envelope = (batch.size() + 1L) * ID_ROOM + ENVELOPE_ROOM;
      if (!batch.isEmpty() && body.size() + json.length + envelope > BATCH_BYTES) {
        break;
      }
      if (!batch.isEmpty()) {
        body.write(',');
      }
      body.write(json);
      batch.add(delivery);
    }
    body.write(']');
    writeSignature(body, batch.stream().map(delivery -> delivery.record().id()).toList());
    writeConfirmation(body, batch);
    body.write('}');
    int status = post(destination, body.toByteArray());
    if (status / 100 == 2) {
      store.acknowledgeDeliveries(batch.stream().map(PendingDelivery::key).toList());
      return true;
    }
    if (batch.size() > 1) {
      // One record the receiver refuses must not hold back the others: send them one by one.
      boolean any = false;
      for (PendingDelivery delivery : batch) {
        any |= deliverOne(destination, delivery);
      }
      return any;
    }
    return deliverOne(destination, batch.get(0));
  }

  private boolean deliverOne(String destination, PendingDelivery delivery)
      throws IOException, DeliveryRefused {
    ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
    body.write(RECORDS_OPEN);
    body.write(
        Json.MAPPER.writeValueAsBytes(
            RecordJson.toJson(delivery.record().record(), delivery.record().id())));
    body.write(']');
    writeSignature(body, List.of(delivery.record().id()));
    body.write('}');
    int status = post(destination, body.toByteArray());
    if (status / 100 == 2) {
      store.acknowledgeDeliveries(List.of(delivery.key()));
      return true;
    }
    if (status == 400 || status == 413) {
      // The receiver will never accept this record; keeping it would block the queue forever.
      LOG.error(
          "{} refused record {} for good (HTTP {}); dropping it from the outbox",
          destination,
          delivery.record().id(),
          status);
      store.acknowledgeDeliveries(List.of(delivery.key()));
      return true;
    }
    throw new DeliveryRefused(destination + " answered HTTP " + status);
  }

  /**
   * Follows {@code {"records":[...]} with this daemon's signature over {@code ids}: one signature
   * per request, beside the records (see {@link dev.spl.core.auth.Envelope}).
   */
  private void writeSignature(ByteArrayOutputStream body, List<String> ids) throws IOException {
    body.write(SIGNATURE_OPEN);
    body.write(Json.MAPPER.writeValueAsBytes(key.sign(ids).toJson()));
  }

  /** Adds what {@link #confirmWith} confirms of the batch, if anything. */
  private void writeConfirmation(ByteArrayOutputStream body, List<PendingDelivery> batch)
      throws IOException {
    DeliveryConfirmations source = confirmations;
    if (source == DeliveryConfirmations.NONE) {
      return;
    }
    List<StoredRecord> records = new ArrayList<>(batch.size());
    for (PendingDelivery delivery : batch) {
      records.add(delivery.record());
    }
    DeliveryConfirmation confirmation;
    try {
      confirmation = source.confirm(records);
    } catch (RuntimeException e) {
      // The worker asks the fence instead: a confirmation is a shortcut, never a condition.
      LOG.debug("no delivery confirmation for {} records: {}", records.size(), e.toString());
      return;
    }
    if (confirmation != null) {
      body.write(CONFIRMED_OPEN);
      body.write(Json.MAPPER.writeValueAsBytes(confirmation.toJson()));
    }
  }

  private int post(String destination, byte[] body) throws IOException {
    return poster.post(destination, body);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    parallel.shutdownNow();
    // A blocking read does not notice the interrupt; closing the client ends it.
    poster.close();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The receiver answered, but not with success: try again later. */
  static final class DeliveryRefused extends Exception {
    private static final long serialVersionUID = 1L;

    DeliveryRefused(String message) {
      super(message);
    }
  }
}
