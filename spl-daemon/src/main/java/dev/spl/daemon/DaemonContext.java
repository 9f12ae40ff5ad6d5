package dev.spl.daemon;

import dev.spl.core.control.ControlSnapshot;
import dev.spl.core.fanout.SpawnPolicy;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What a daemon's components share.
 *
 * @param config how the daemon was started
 * @param did the instance DID, the actor of every record the daemon writes itself
 * @param url the URL other daemons reach this one at (the advertised URL, else the bound one)
 * @param records the one way into the log
 * @param clock the daemon's clock; components read time only through it
 * @param control the current freezes and emergency stop, as the write gate sees them
 * @param spawnPolicy the write gate's check of a child INTEND, as this daemon would write it: what
 *     the coordinator's reconciler and the worker hold
 * @param recordClock the {@code clock} field of records the daemon writes, strictly increasing
 */
public record DaemonContext(
    DaemonConfig config,
    String did,
    String url,
    RecordService records,
    Clock clock,
    Supplier<ControlSnapshot> control,
    SpawnPolicy spawnPolicy,
    RecordClock recordClock) {

  /** A context whose record clock starts fresh from {@code clock}. */
  public DaemonContext(
      DaemonConfig config,
      String did,
      String url,
      RecordService records,
      Clock clock,
      Supplier<ControlSnapshot> control,
      SpawnPolicy spawnPolicy) {
    this(config, did, url, records, clock, control, spawnPolicy, new RecordClock(clock));
  }
}
