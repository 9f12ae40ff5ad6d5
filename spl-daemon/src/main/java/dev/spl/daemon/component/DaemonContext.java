package dev.spl.daemon.component;

import dev.spl.core.auth.InstanceKey;
import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.fanout.SpawnPolicy;
import dev.spl.core.fleet.Health;
import dev.spl.core.fleet.Heartbeat;
import dev.spl.core.tls.TlsTrust;
import dev.spl.daemon.auth.Trust;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.records.RecordClock;
import dev.spl.daemon.records.RecordService;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What a daemon's components share.
 *
 * @param config how the daemon was started
 * @param did the instance DID, the actor of every record the daemon writes itself
 * @param url the URL other daemons reach this one at (the advertised URL, else the bound one)
 * @param version the version of spl the daemon runs, as its heartbeats report it
 * @param startedAtMillis when the daemon started, by {@code clock}
 * @param records the one way into the log
 * @param clock the daemon's clock; components read time only through it (they may wait on real
 *     time, e.g. between ticks, but what they decide and record uses this clock)
 * @param control the current freezes and emergency stop, as the write gate sees them
 * @param spawnPolicy the write gate's check of a child INTEND, as this daemon would write it: what
 *     the coordinator's reconciler and the worker hold
 * @param recordClock the {@code clock} field of records the daemon writes, strictly increasing
 * @param trust the daemon's key and the keys it knows: what its senders sign with
 * @param tlsTrust whom the daemon's own HTTPS requests to other daemons trust ({@code --tls-ca})
 */
public record DaemonContext(
    DaemonConfig config,
    String did,
    String url,
    String version,
    long startedAtMillis,
    RecordService records,
    Clock clock,
    Supplier<ControlSnapshot> control,
    SpawnPolicy spawnPolicy,
    RecordClock recordClock,
    Trust trust,
    TlsTrust tlsTrust) {

  /** A context whose HTTPS requests to other daemons trust the system trust store. */
  public DaemonContext(
      DaemonConfig config,
      String did,
      String url,
      String version,
      long startedAtMillis,
      RecordService records,
      Clock clock,
      Supplier<ControlSnapshot> control,
      SpawnPolicy spawnPolicy,
      RecordClock recordClock,
      Trust trust) {
    this(
        config,
        did,
        url,
        version,
        startedAtMillis,
        records,
        clock,
        control,
        spawnPolicy,
        recordClock,
        trust,
        TlsTrust.system());
  }

  /**
   * A context built outside a daemon (a component run on its own in a test): it signs with a key
   * made for {@code did} now and kept in memory only.
   */
  public DaemonContext(
      DaemonConfig config,
      String did,
      String url,
      String version,
      long startedAtMillis,
      RecordService records,
      Clock clock,
      Supplier<ControlSnapshot> control,
      SpawnPolicy spawnPolicy,
      RecordClock recordClock) {
    this(
        config,
        did,
        url,
        version,
        startedAtMillis,
        records,
        clock,
        control,
        spawnPolicy,
        recordClock,
        Trust.inMemory(InstanceKey.generateFor(did)));
  }

  /**
   * This daemon's heartbeat as of now, in the role it was started with: the one place a daemon
   * describes itself to the registry. Its {@code sent_at} comes from the record clock's heartbeat
   * time ({@link RecordClock#nextHeartbeat}), so two beats of one daemon never carry the same time,
   * the later one is never taken for a late delivery, and none runs ahead of the wall clock.
   */
  public Heartbeat heartbeat(Health health, int active, int slots, int freeSlots) {
    long now = clock.millis();
    String alias = config.fleet().alias();
    return new Heartbeat(
        did,
        alias == null ? "" : alias,
        config.fleet().role(),
        url,
        version,
        startedAtMillis,
        Math.max(0, (now - startedAtMillis) / 1000),
        active,
        slots,
        freeSlots,
        health,
        recordClock.nextHeartbeat(),
        config.fleet().executor().core(),
        config.fleet().labels());
  }
}
