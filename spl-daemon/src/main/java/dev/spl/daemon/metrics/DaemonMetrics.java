package dev.spl.daemon.metrics;

import dev.spl.core.Act;
import dev.spl.core.RecordStore;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.JoinCounters;
import dev.spl.core.fanout.Spawned;
import dev.spl.core.fleet.InstanceView;
import dev.spl.daemon.component.DaemonContext;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.daemon.fleet.FleetRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's metrics, on Micrometer's Prometheus registry, served as the text exposition format at
 * {@code GET /metrics} (docs/metrics.md). What the append path updates is allocated once: a counter
 * per act and a timer whose histogram buckets exist from the start. Everything that is state
 * (fan-outs open, children by state, heartbeat ages, outbox depth, reconciler lag, freezes) is read
 * when the metrics are scraped, never on the hot path.
 */
public final class DaemonMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonMetrics.class);

  /** Outbox depth is counted up to this many deliveries per destination at each scrape. */
  public static final int OUTBOX_DEPTH_CAP = 1_000;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Act, Counter> appended = new EnumMap<>(Act.class);
  private final Timer appendLatency;
  private final Timer fsyncLatency;
  private final Timer spawnToDone;
  private final Map<String, Counter> deliveryFailures = new ConcurrentHashMap<>();
  private final Map<String, Long> spawnedAt = new ConcurrentHashMap<>();
  private final MultiGauge heartbeatAge;
  private final MultiGauge outboxDepth;
  private final MultiGauge children;
  private final AtomicLong openFanouts = new AtomicLong();
  private final AtomicLong reconcilerLag = new AtomicLong();
  private volatile Supplier<List<InstanceView>> instances = List::of;
  private volatile RecordStore store;
  private volatile Reconciler reconciler;

  public DaemonMetrics() {
    for (Act act : Act.values()) {
      appended.put(
          act,
          Counter.builder("spl_records_appended")
              .description("Records appended to this daemon's log (duplicates not counted)")
              .tag("act", act.name())
              .register(registry));
    }
    appendLatency =
        histogram("spl_append_latency", "Time to append one batch of records to the store");
    fsyncLatency =
        histogram("spl_fsync_latency", "Time of one synced write of the store (group commit)");
    spawnToDone =
        histogram(
            "spl_child_spawn_to_done",
            "From a child's spawn to its completion, as the coordinator received them");
    heartbeatAge =
        MultiGauge.builder("spl_heartbeat_age_seconds")
            .description("Seconds since the coordinator last heard from each instance")
            .register(registry);
    outboxDepth =
        MultiGauge.builder("spl_outbox_depth")
            .description(
                "Deliveries waiting in the outbox per destination (counted up to "
                    + OUTBOX_DEPTH_CAP
                    + ")")
            .register(registry);
    children =
        MultiGauge.builder("spl_fanout_children")
            .description("Children of the open fan-outs by state")
            .register(registry);
    Gauge.builder("spl_fanouts_open", openFanouts, AtomicLong::get)
        .description("Fan-outs whose join has not completed")
        .register(registry);
    Gauge.builder("spl_reconciler_lag_records", reconcilerLag, AtomicLong::get)
        .description("Records appended but not yet folded by the reconciler")
        .register(registry);
  }

  private Timer histogram(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /** Reads the state gauges from {@code ctx}'s daemon: its store and control state. */
  public void attach(DaemonContext ctx, RecordStore daemonStore) {
    this.store = daemonStore;
    Gauge.builder("spl_freezes_active", ctx, c -> c.control().get().freezes().size())
        .description("Namespaces frozen now")
        .register(registry);
    Gauge.builder(
            "spl_emergency_stop_active", ctx, c -> c.control().get().emergency().active() ? 1 : 0)
        .description("1 while an emergency stop is in force")
        .register(registry);
    ctx.records().subscribe(this::appended);
  }

  /** On a coordinator: the registry and the fan-out loop the state gauges read. */
  public void attachCoordinator(FleetRegistry fleet, Reconciler loop) {
    this.instances = fleet::instances;
    this.reconciler = loop;
  }

  /** The store's append timing, in nanoseconds. */
  public void appendTook(long nanos) {
    appendLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One synced write of the store, in nanoseconds. */
  public void fsyncTook(long nanos) {
    fsyncLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A delivery to {@code destination} failed (no answer, or not a success). */
  public void deliveryFailed(String destination) {
    deliveryFailures
        .computeIfAbsent(
            destination,
            d ->
                Counter.builder("spl_outbox_delivery_failures")
                    .description("Outbox deliveries that failed, per destination")
                    .tag("destination", d)
                    .register(registry))
        .increment();
  }

  /** Called with every batch of records the log took. */
  private void appended(List<StoredRecord> records) {
    for (StoredRecord stored : records) {
      appended.get(stored.record().act()).increment();
      if (reconciler != null) {
        String topic = stored.record().body().path("topic").asText("");
        if (topic.equals(FanoutRecords.SPAWNED)) {
          noteSpawns(stored);
        } else if (topic.equals(FanoutRecords.CHILD_DONE)) {
          noteDone(stored);
        }
      }
    }
  }

  private void noteSpawns(StoredRecord stored) {
    try {
      for (Spawned.Entry entry : Spawned.fromBody(stored.record().body()).spawns()) {
        spawnedAt.put(entry.childThread() + "#" + entry.attempt(), stored.receivedAtMillis());
      }
    } catch (RuntimeException malformed) {
      // The reconciler says what is wrong with it; a metric just skips it.
    }
  }

  private void noteDone(StoredRecord stored) {
    try {
      ChildDone done = ChildDone.fromBody(stored.record().body());
      Long at = spawnedAt.remove(done.childThread() + "#" + done.attempt());
      if (at != null) {
        spawnToDone.record(Math.max(0, stored.receivedAtMillis() - at), TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException malformed) {
      // As above.
    }
  }

  /** The metrics now, in the Prometheus text format. */
  public String scrape() {
    refresh();
    return registry.scrape();
  }

  /** Content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  private void refresh() {
    List<MultiGauge.Row<?>> ages = new ArrayList<>();
    for (InstanceView view : instances.get()) {
      ages.add(
          MultiGauge.Row.of(
              Tags.of("instance", view.did(), "alias", view.alias(), "role", view.role().wire()),
              view.lastHeartbeatAgeMillis() / 1000.0));
    }
    heartbeatAge.register(ages, true);
    RecordStore current = store;
    if (current != null) {
      List<MultiGauge.Row<?>> depths = new ArrayList<>();
      for (String destination : current.deliveryDestinations()) {
        depths.add(
            MultiGauge.Row.of(
                Tags.of("destination", destination),
                current.pendingDeliveries(destination, OUTBOX_DEPTH_CAP).size()));
      }
      outboxDepth.register(depths, true);
    }
    Reconciler loop = reconciler;
    if (loop != null) {
      try {
        long[] counts =
            loop.read(
                    fanouts -> {
                      long[] sums = new long[6];
                      fanouts
                          .open()
                          .forEach(
                              state -> {
                                JoinCounters c = state.counters();
                                sums[0]++;
                                sums[1] += c.pending();
                                sums[2] += c.active();
                                sums[3] += c.accepted();
                                sums[4] += c.failed();
                                sums[5] += c.completed() - c.accepted() - c.failed();
                              });
                      return sums;
                    })
                .get(2, TimeUnit.SECONDS);
        openFanouts.set(counts[0]);
        String[] states = {"pending", "active", "accepted", "failed", "other_verdict"};
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
          rows.add(MultiGauge.Row.of(Tags.of("state", states[i]), counts[i + 1]));
        }
        children.register(rows, true);
        if (current != null) {
          reconcilerLag.set(Math.max(0, current.lastSeq() - loop.foldedSeq()));
        }
      } catch (Exception e) {
        LOG.debug("reading the fan-out fold for metrics failed: {}", e.toString());
      }
    }
  }
}
