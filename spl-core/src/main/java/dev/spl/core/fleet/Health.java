package dev.spl.core.fleet;

import dev.spl.core.InvalidRecordException;

/** What an instance says about itself in its heartbeat. */
public enum Health {
  /** Accepting work. */
  HEALTHY("healthy"),
  /** Shutting down: finishing what it has, accepting nothing new. */
  DRAINING("draining"),
  /** The last heartbeat of a clean stop. */
  STOPPED("stopped");

  private final String wire;

  Health(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Health parse(String field, String value) {
    for (Health health : values()) {
      if (health.wire.equals(value)) {
        return health;
      }
    }
    throw new InvalidRecordException(
        field + ": expected 'healthy', 'draining' or 'stopped' but found '" + value + "'");
  }
}
