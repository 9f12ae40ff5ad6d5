package dev.spl.daemon.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.InstanceStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.fleet.Role;
import dev.spl.daemon.component.DaemonComponent;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.outbox.RecordPoster;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's check that it can reach each worker at the endpoint the worker reports ({@code
 * --advertise}, else its bound URL): {@code GET /health} there, with the fleet token, must answer
 * with that worker's DID. A worker whose heartbeats arrive but whose endpoint cannot be reached (a
 * wrong {@code --advertise}, a firewall, a certificate the coordinator does not trust) is noted in
 * the registry, which then shows it as unreachable and sends it no children, instead of it looking
 * live while every delivery to it fails.
 *
 * <p>A new endpoint is checked at once; a known one again every {@link #recheckMillis}.
 */
public final class EndpointProbe implements DaemonComponent {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointProbe.class);
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final DaemonContext ctx;
  private final FleetRegistry fleet;
  private final RecordPoster poster;
  private final long tickMillis;
  private final long recheckMillis;
  private final Map<String, Long> checkedAt = new HashMap<>(); // key: did + " " + endpoint
  private final Set<String> unreachable = new HashSet<>();
  private final Thread thread;
  private volatile boolean running = true;

  public EndpointProbe(DaemonContext ctx, FleetRegistry fleet) {
    this.ctx = ctx;
    this.fleet = fleet;
    this.poster = new RecordPoster(ctx.config().token(), TIMEOUT, ctx.tlsTrust());
    long interval = ctx.config().fleet().heartbeatInterval().toMillis();
    this.tickMillis = Math.max(50, Math.min(interval, 1_000));
    this.recheckMillis = Math.max(5_000, interval * 5);
    this.thread = new Thread(this::loop, "spl-endpoint-probe");
    this.thread.setDaemon(true);
  }

  @Override
  public void start() {
    thread.start();
  }

  private void loop() {
    while (running) {
      try {
        checkDue();
      } catch (RuntimeException e) {
        LOG.warn("checking the workers' endpoints failed", e);
      }
      try {
        Thread.sleep(tickMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Checks every worker endpoint that is new or was last checked a recheck period ago. */
  void checkDue() {
    long now = ctx.clock().millis();
    for (InstanceView view : fleet.instances()) {
      if (!running) {
        return;
      }
      if (view.role() != Role.WORKER
          || view.status() == InstanceStatus.ARCHIVED
          || view.health() == Health.STOPPED) {
        continue;
      }
      String key = view.did() + " " + view.endpoint();
      Long last = checkedAt.get(key);
      if (last != null && now - last < recheckMillis) {
        continue;
      }
      String reason = problem(view);
      checkedAt.put(key, now);
      fleet.noteReachability(view.did(), view.endpoint(), reason);
      String name = view.alias().isEmpty() ? view.did() : view.alias();
      if (reason != null && unreachable.add(key)) {
        LOG.warn(
            "worker {} heartbeats, but its endpoint {} cannot be reached: {}; it gets no children"
                + " until it can (check its --advertise URL)",
            name,
            view.endpoint(),
            reason);
      } else if (reason == null && unreachable.remove(key)) {
        LOG.info("worker {} is reachable again at {}", name, view.endpoint());
      }
    }
  }

  /** Why {@code view}'s endpoint does not answer as that worker, or null when it does. */
  private String problem(InstanceView view) {
    RecordPoster.Answer answer;
    try {
      answer = poster.get(view.endpoint(), "/health");
    } catch (SSLException e) {
      return e.getMessage();
    } catch (ConnectException e) {
      return "connection refused (" + e.getMessage() + ")";
    } catch (UnknownHostException e) {
      return "unknown host " + e.getMessage();
    } catch (InterruptedIOException e) {
      return "no answer within " + TIMEOUT.toSeconds() + " s";
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    } catch (IllegalArgumentException e) {
      return "not a URL the coordinator can call: " + e.getMessage();
    }
    if (answer.status() == 401) {
      return "GET /health answered HTTP 401: it does not take the coordinator's token";
    }
    if (answer.status() / 100 != 2) {
      return "GET /health answered HTTP " + answer.status();
    }
    String did;
    try {
      JsonNode health = Json.MAPPER.readTree(answer.body());
      did = health == null ? "" : health.path("did").asText("");
    } catch (IOException e) {
      return "GET /health answered something other than a spl daemon's JSON";
    }
    if (!did.equals(view.did())) {
      return "another daemon answers there (" + (did.isEmpty() ? "no DID" : did) + ")";
    }
    return null;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    poster.close();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
