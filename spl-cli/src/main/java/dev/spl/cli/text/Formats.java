package dev.spl.cli.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** How durations and amounts read in the task commands' text output. */
public final class Formats {
  private Formats() {}

  /** {@code 0.5s}, {@code 12.3s} under a minute; {@code 2m05s}, {@code 1h07m} above. */
  public static String seconds(double secs) {
    if (secs < 60) {
      return BigDecimal.valueOf(secs).setScale(1, RoundingMode.HALF_UP).toPlainString() + "s";
    }
    long whole = Math.round(secs);
    if (whole < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", whole / 60, whole % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", whole / 3600, (whole % 3600) / 60);
  }

  /** {@code $0.42}: two decimals, rounded half up. */
  public static String usd(BigDecimal amount) {
    return "$" + (amount == null ? BigDecimal.ZERO : amount).setScale(2, RoundingMode.HALF_UP);
  }

  /** {@code $0.4200}: four decimals, for totals that add up many small costs. */
  public static String usd4(BigDecimal amount) {
    return "$" + (amount == null ? BigDecimal.ZERO : amount).setScale(4, RoundingMode.HALF_UP);
  }

  /** {@code 2.00×}. */
  public static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2f×", value);
  }

  public static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
