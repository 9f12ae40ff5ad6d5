package dev.spl.daemon.exec;

import java.util.Locale;

/** The verdicts a worker reports for one child attempt. */
public enum Verdict {
  ACCEPT,
  REJECT,
  FAILED,
  TIMEOUT,
  CANCELLED,
  OVER_BUDGET;

  /** The lowercase form used in record bodies. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
