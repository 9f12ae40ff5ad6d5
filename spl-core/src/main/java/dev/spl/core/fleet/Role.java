package dev.spl.core.fleet;

import dev.spl.core.InvalidRecordException;

/** The role of an instance. The distinction is configuration: the same daemon runs either. */
public enum Role {
  COORDINATOR("coordinator"),
  WORKER("worker");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  /** The name as written in record bodies. */
  public String wire() {
    return wire;
  }

  public static Role parse(String field, String value) {
    for (Role role : values()) {
      if (role.wire.equals(value)) {
        return role;
      }
    }
    throw new InvalidRecordException(
        field + ": expected 'coordinator' or 'worker' but found '" + value + "'");
  }
}
