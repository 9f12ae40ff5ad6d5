package dev.spl.daemon.worker;

import dev.spl.core.fleet.Backoff;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.daemon.auth.SignedHeartbeats;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.exec.Dispatcher;
import dev.spl.daemon.outbox.RecordPoster;
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
  private final RecordPoster poster;
  private final String coordinatorUrl;
  private final long intervalMillis;
  private final Backoff backoff;
  private final Backoff firstBackoff;
  // Whether the coordinator has answered a heartbeat of this daemon's life yet.
  private boolean answered;
  private final ScheduledExecutorService timer;
  private volatile Health health = Health.HEALTHY;
  private int failures;

  HeartbeatSender(DaemonContext ctx, Dispatcher dispatcher) {
    this.ctx = ctx;
    this.dispatcher = dispatcher;
    this.poster = new RecordPoster(ctx.config().token(), Duration.ofSeconds(5));
    this.coordinatorUrl = ctx.config().fleet().coordinatorUrl();
    this.intervalMillis = ctx.config().fleet().heartbeatInterval().toMillis();
    this.backoff = Backoff.forHeartbeats(intervalMillis);
    this.firstBackoff = Backoff.forFirstHeartbeat(intervalMillis);
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
      answered = true;
      failures = 0;
      delay = intervalMillis;
    } else {
      failures++;
      delay =
          (answered ? backoff : firstBackoff)
              .jitteredDelayMillis(failures, ThreadLocalRandom.current());
      if (!answered && failures == 1) {
        // A coordinator started beside this worker often listens a moment later.
        LOG.info("coordinator at {} does not answer yet; next try in {} ms", coordinatorUrl, delay);
      } else if ((answered && failures == 1) || failures % 10 == 0) {
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

  /** This worker's heartbeat now: its load, and no free slots unless it takes new work. */
  private Heartbeat current() {
    return ctx.heartbeat(
        health,
        dispatcher.active(),
        dispatcher.slots(),
        health == Health.HEALTHY ? dispatcher.freeSlots() : 0);
  }

  /** Synchronized: the timer and a closing thread may both send, over one connection. */
  private synchronized boolean send() {
    try {
      byte[] body = SignedHeartbeats.request(current(), ctx.trust());
      RecordPoster.Answer answer = poster.post(coordinatorUrl, body, true);
      int status = answer.status();
      if (status / 100 != 2) {
        LOG.debug("coordinator answered a heartbeat with HTTP {}", status);
        return false;
      }
      // The coordinator's key comes with the answer; a worker runs no child before it has it.
      SignedHeartbeats.learnCoordinator(answer.body(), ctx.trust(), coordinatorUrl);
      return true;
    } catch (IOException e) {
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
