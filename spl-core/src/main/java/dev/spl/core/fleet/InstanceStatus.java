package dev.spl.core.fleet;

import dev.spl.core.InvalidRecordException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where an instance stands, derived from the age of its last heartbeat (see {@link
 * FleetThresholds}). An archived instance only comes back by heartbeating again, so it never turns
 * stale directly.
 */
public enum InstanceStatus {
  LIVE("live"),
  STALE("stale"),
  ARCHIVED("archived");

  private final String wire;

  InstanceStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The statuses this one may change into. */
  public Set<InstanceStatus> allowedNext() {
    return switch (this) {
      case LIVE -> EnumSet.of(STALE, ARCHIVED);
      case STALE -> EnumSet.of(LIVE, ARCHIVED);
      case ARCHIVED -> EnumSet.of(LIVE);
    };
  }

  public boolean canChangeTo(InstanceStatus next) {
    return allowedNext().contains(next);
  }

  public static InstanceStatus parse(String field, String value) {
    for (InstanceStatus status : values()) {
      if (status.wire.equals(value)) {
        return status;
      }
    }
    throw new InvalidRecordException(
        field + ": expected 'live', 'stale' or 'archived' but found '" + value + "'");
  }
}
