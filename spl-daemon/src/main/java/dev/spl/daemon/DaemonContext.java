package dev.spl.daemon;

import dev.spl.core.control.ControlSnapshot;
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
 * @param recordClock the {@code clock} field of records the daemon writes, strictly increasing
 */
public record DaemonContext(
    DaemonConfig config,
    String did,
    String url,
    RecordService records,
    Clock clock,
    Supplier<ControlSnapshot> control,
    RecordClock recordClock) {

  /** A context whose record clock starts fresh from {@code clock}. */
  public DaemonContext(
      DaemonConfig config,
      String did,
      String url,
      RecordService records,
      Clock clock,
      Supplier<ControlSnapshot> control) {
    this(config, did, url, records, clock, control, new RecordClock(clock));
  }
}
