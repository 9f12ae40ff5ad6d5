package dev.spl.core.fleet;

/**
 * When an instance counts as live, stale or archived, by the age of its last heartbeat as received
 * by the coordinator. The coordinator's own receive time is used, not the sender's {@code sent_at},
 * so clocks of other hosts do not matter.
 *
 * @param heartbeatIntervalMillis how often instances heartbeat
 * @param liveForMillis live while the last heartbeat is at most this old
 * @param archiveAfterMillis archived once the last heartbeat is older than this; stale in between
 */
public record FleetThresholds(
    long heartbeatIntervalMillis, long liveForMillis, long archiveAfterMillis) {

  public static final long DEFAULT_HEARTBEAT_INTERVAL_MILLIS = 5_000;

  /** Missed beats tolerated before an instance turns stale: one late packet is not an outage. */
  public static final int LIVE_INTERVALS = 3;

  /** Stale instances are archived after a minute without a heartbeat. */
  public static final long DEFAULT_ARCHIVE_AFTER_MILLIS = 60_000;

  public static final FleetThresholds DEFAULT = forInterval(DEFAULT_HEARTBEAT_INTERVAL_MILLIS);

  public FleetThresholds {
    if (heartbeatIntervalMillis <= 0) {
      throw new IllegalArgumentException(
          "heartbeat interval: expected a positive number of milliseconds but found "
              + heartbeatIntervalMillis);
    }
    if (liveForMillis < heartbeatIntervalMillis) {
      throw new IllegalArgumentException(
          "live window: expected at least one heartbeat interval ("
              + heartbeatIntervalMillis
              + " ms) but found "
              + liveForMillis
              + " ms");
    }
    if (archiveAfterMillis <= liveForMillis) {
      throw new IllegalArgumentException(
          "archive threshold: expected more than the live window ("
              + liveForMillis
              + " ms) but found "
              + archiveAfterMillis
              + " ms");
    }
  }

  /**
   * Thresholds for a heartbeat interval: live for {@link #LIVE_INTERVALS} intervals, archived after
   * {@link #DEFAULT_ARCHIVE_AFTER_MILLIS} or after twelve intervals when the interval is long.
   */
  public static FleetThresholds forInterval(long heartbeatIntervalMillis) {
    long live = heartbeatIntervalMillis * LIVE_INTERVALS;
    long archive = Math.max(DEFAULT_ARCHIVE_AFTER_MILLIS, heartbeatIntervalMillis * 12);
    return new FleetThresholds(heartbeatIntervalMillis, live, archive);
  }

  /**
   * The status of an instance whose last heartbeat is {@code ageMillis} old and says {@code
   * health}.
   */
  public InstanceStatus statusOf(long ageMillis, Health health) {
    if (health == Health.STOPPED) {
      return InstanceStatus.ARCHIVED;
    }
    if (ageMillis <= liveForMillis) {
      return InstanceStatus.LIVE;
    }
    if (ageMillis <= archiveAfterMillis) {
      return InstanceStatus.STALE;
    }
    return InstanceStatus.ARCHIVED;
  }
}
