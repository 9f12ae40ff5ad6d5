package dev.spl.core.control;

import java.util.Locale;

/** How hard a freeze stops a namespace. */
public enum FreezeLevel {
  /** New INTEND, DO and CALL records are refused; in-flight work drains. */
  SOFT,
  /** As soft, and in-flight work is stopped once the grace window has passed. */
  HARD;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code soft} or {@code hard}; returns null for anything else so callers can word it. */
  static FreezeLevel parseOrNull(String value) {
    for (FreezeLevel level : values()) {
      if (level.wire().equals(value)) {
        return level;
      }
    }
    return null;
  }
}
