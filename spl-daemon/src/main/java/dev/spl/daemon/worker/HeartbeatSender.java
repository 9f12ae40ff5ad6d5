package dev.spl.daemon.worker;

import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.fleet.HeartbeatBackoff;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.Daemon;
import dev.spl.daemon.DaemonContext;
import dev.spl.daemon.RecordClock;
import dev.spl.daemon.exec.Dispatcher;
import dev.spl.daemon.loop.RecordPoster;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports this worker to its coordinator every heartbeat interval. While the coordinator does not
 * answer, it retries with growing, jittered delays and registers again as soon as it answers.
 */
final class HeartbeatSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSender.class);

  private final DaemonContext ctx;
  private final Dispatcher dispatcher;
  private final RecordClock recordClock;
  private final RecordPoster poster;
  private final String coordinatorUrl;
  private final long intervalMillis;
  private final HeartbeatBackoff backoff;
  private final long startedAt;
  private final ScheduledExecutorService timer;
  private volatile Health health = Health.HEALTHY;
  private int failures;

  HeartbeatSender(DaemonContext ctx, Dispatcher dispatcher, RecordClock recordClock) {
    this.ctx = ctx;
    this.dispatcher = dispatcher;
    this.recordClock = recordClock;
    this.poster = new RecordPoster(ctx.config().token(), Duration.ofSeconds(5));
    this.coordinatorUrl = ctx.config().fleet().coordinatorUrl();
    this.intervalMillis = ctx.config().fleet().heartbeatInterval().toMillis();
    this.backoff = HeartbeatBackoff.forInterval(intervalMillis);
    this.startedAt = ctx.clock().millis();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(WorkerRuntime.daemonThread("spl-heartbeat"));
  }

  void start() {
    timer.execute(this::beat);
  }

  /** Tells the coordinator at once that this worker takes no new work. */
  void draining() {
    health = Health.DRAINING;
    sendQuietly();
  }

  private void beat() {
    long delay;
    if (send()) {
      if (failures > 0) {
        LOG.info("coordinator at {} answers again; registered", coordinatorUrl);
      }
      failures = 0;
      delay = intervalMillis;
    } else {
      failures++;
      delay = backoff.jitteredDelayMillis(failures, ThreadLocalRandom.current().nextDouble());
      if (failures == 1 || failures % 10 == 0) {
        LOG.warn(
            "coordinator at {} does not answer heartbeats ({} in a row); next try in {} ms",
            coordinatorUrl,
            failures,
            delay);
      }
    }
    if (!timer.isShutdown()) {
      timer.schedule(this::beat, delay, TimeUnit.MILLISECONDS);
    }
  }

  Heartbeat current() {
    long now = ctx.clock().millis();
    return new Heartbeat(
        ctx.did(),
        ctx.config().fleet().alias() == null ? "" : ctx.config().fleet().alias(),
        Role.WORKER,
        ctx.url(),
        Daemon.VERSION,
        startedAt,
        Math.max(0, (now - startedAt) / 1000),
        dispatcher.active(),
        dispatcher.slots(),
        health == Health.HEALTHY ? dispatcher.freeSlots() : 0,
        health,
        now,
        ctx.config().fleet().executor().core(),
        ctx.config().fleet().labels());
  }

  /** Synchronized: the timer and a closing thread may both send, over one connection. */
  private synchronized boolean send() {
    try {
      Record record = current().toRecord(recordClock.next());
      byte[] body = Json.MAPPER.writeValueAsBytes(RecordJson.toJson(record, record.id()));
      int status = poster.post(coordinatorUrl, body);
      if (status / 100 != 2) {
        LOG.debug("coordinator answered a heartbeat with HTTP {}", status);
      }
      return status / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void sendQuietly() {
    if (!send()) {
      LOG.debug("could not tell the coordinator this worker is {}", health.wire());
    }
  }

  /** Sends the last heartbeat of a clean stop and stops the timer. */
  @Override
  public void close() {
    timer.shutdownNow();
    health = Health.STOPPED;
    sendQuietly();
    poster.close();
  }
}
