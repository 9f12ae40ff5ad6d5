package dev.spl.core.fanout;

import java.math.BigDecimal;

/**
 * When a running child is started once more on another worker ({@code --hedge-after}): once it has
 * run longer than the p95 of its accepted siblings' run times ({@code p95}), or than a fixed number
 * of seconds.
 *
 * @param p95 whether the threshold is the siblings' p95
 * @param millis the fixed threshold in milliseconds (0 with {@code p95})
 */
public record HedgeAfter(boolean p95, long millis) {
  public static final String P95 = "p95";

  /**
   * The p95 is used once at least this many siblings were accepted (fewer when the fan-out is
   * narrower: all its other children).
   */
  public static final int P95_MIN_SAMPLES = 5;

  /** The longest fixed threshold: 30 days. */
  public static final long MAX_MILLIS = 30L * 24 * 3600 * 1000;

  public HedgeAfter {
    if (p95 ? millis != 0 : millis <= 0 || millis > MAX_MILLIS) {
      throw new InvalidFanoutException(
          -1,
          "--hedge-after",
          "expected p95 or a number of seconds above 0 and at most "
              + MAX_MILLIS / 1000
              + " but found "
              + millis / 1000.0);
    }
  }

  public static final HedgeAfter AT_P95 = new HedgeAfter(true, 0);

  /** Reads {@code p95} or a number of seconds above 0 ({@code 30}, {@code 2.5}). */
  public static HedgeAfter parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.equals(P95)) {
      return AT_P95;
    }
    BigDecimal seconds;
    try {
      seconds = new BigDecimal(trimmed);
    } catch (NumberFormatException e) {
      throw new InvalidFanoutException(
          -1,
          "--hedge-after",
          "expected p95 or a number of seconds above 0 but found '" + trimmed + "'");
    }
    if (seconds.signum() <= 0
        || seconds.compareTo(BigDecimal.valueOf(MAX_MILLIS / 1000)) > 0
        || seconds.movePointRight(3).stripTrailingZeros().scale() > 0) {
      throw new InvalidFanoutException(
          -1,
          "--hedge-after",
          "expected p95 or a number of seconds above 0 and at most "
              + MAX_MILLIS / 1000
              + " (whole milliseconds) but found "
              + trimmed);
    }
    return new HedgeAfter(false, seconds.movePointRight(3).longValueExact());
  }

  /** As the parent INTEND keeps it: {@code "p95"}, or the seconds as a number. */
  public Object wire() {
    return p95 ? P95 : BigDecimal.valueOf(millis, 3).stripTrailingZeros();
  }

  @Override
  public String toString() {
    return p95 ? P95 : BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
  }
}
