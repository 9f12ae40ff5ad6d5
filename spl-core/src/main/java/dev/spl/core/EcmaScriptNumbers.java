package dev.spl.core;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;

/**
 * ECMAScript's {@code Number.prototype.toString} for finite doubles: the number form of RFC 8785
 * (section 3.2.2.3).
 *
 * <p>The digits come from Jackson's Schubfach formatter (the algorithm of {@code Double.toString}
 * since JDK 19; JDK 17's own {@code Double.toString} is not always shortest): the shortest decimal
 * that reads back as the same double, the closest one when several are that short. The one
 * difference from ECMAScript is when a single digit is enough: Java then prefers a closer two-digit
 * decimal ({@code 4.9E-324}), ECMAScript the single digit ({@code 5e-324}); {@link #format} picks
 * the single digit. The layout (plain up to 21 integer digits, down to 6 leading zeros after the
 * point, else {@code d.ddde+n}) follows ECMAScript 2019, section 7.1.12.1.
 */
final class EcmaScriptNumbers {
  /** 2^53: every integer of at most this magnitude is exact as a double. */
  static final long MAX_EXACT_INTEGER = 1L << 53;

  private EcmaScriptNumbers() {}

  static String format(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("no ECMAScript number form for " + value);
    }
    if (value == 0) {
      return "0";
    }
    if (Math.abs(value) < MAX_EXACT_INTEGER && value == Math.rint(value)) {
      return Long.toString((long) value);
    }
    String java = NumberOutput.toString(Math.abs(value), true);
    // Split Java's form ("123.45", "0.00123" or "1.2345E-7") into significant digits and the
    // position n of the decimal point: value = 0.DIGITS * 10^n.
    char[] digits = new char[java.length()];
    int count = 0;
    int point = -1;
    int exponent = 0;
    for (int i = 0; i < java.length(); i++) {
      char c = java.charAt(i);
      if (c == '.') {
        point = count;
      } else if (c == 'E') {
        exponent = Integer.parseInt(java, i + 1, java.length(), 10);
        break;
      } else {
        digits[count++] = c;
      }
    }
    int n = (point < 0 ? count : point) + exponent;
    int first = 0;
    while (first < count - 1 && digits[first] == '0') {
      first++;
      n--;
    }
    int end = count;
    while (end > first + 1 && digits[end - 1] == '0') {
      end--;
    }
    String significant = new String(digits, first, end - first);
    if (significant.length() == 2) {
      String single = singleDigit(Math.abs(value), significant, n);
      if (single != null) {
        significant = single.substring(0, 1);
        n = single.length() > 1 ? n + 1 : n;
      }
    }
    StringBuilder out = new StringBuilder(significant.length() + 8);
    if (value < 0) {
      out.append('-');
    }
    layout(significant, n, out);
    return out.toString();
  }

  /**
   * When one digit also reads back as {@code value}: that digit (or "10" when rounding up carries),
   * the one closest to {@code value} when both neighbours do; else null.
   */
  private static String singleDigit(double value, String twoDigits, int n) {
    int lower = twoDigits.charAt(0) - '0';
    int upper = lower + 1;
    boolean lowerFits = Double.parseDouble(lower + "e" + (n - 1)) == value;
    boolean upperFits = Double.parseDouble(upper + "e" + (n - 1)) == value;
    if (!lowerFits && !upperFits) {
      return null;
    }
    int chosen;
    if (lowerFits && upperFits) {
      BigDecimal exact = new BigDecimal(value);
      BigDecimal below = exact.subtract(new BigDecimal(lower + "e" + (n - 1))).abs();
      BigDecimal above = new BigDecimal(upper + "e" + (n - 1)).subtract(exact).abs();
      int compare = below.compareTo(above);
      chosen = compare < 0 || (compare == 0 && lower % 2 == 0) ? lower : upper;
    } else {
      chosen = lowerFits ? lower : upper;
    }
    return Integer.toString(chosen);
  }

  /** Lays out digits {@code s} (k of them, no leading or trailing zero) times 10^(n-k). */
  private static void layout(String s, int n, StringBuilder out) {
    int k = s.length();
    if (k <= n && n <= 21) {
      out.append(s);
      for (int i = k; i < n; i++) {
        out.append('0');
      }
    } else if (0 < n && n <= 21) {
      out.append(s, 0, n).append('.').append(s, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.");
      for (int i = n; i < 0; i++) {
        out.append('0');
      }
      out.append(s);
    } else {
      out.append(s.charAt(0));
      if (k > 1) {
        out.append('.').append(s, 1, k);
      }
      int e = n - 1;
      out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
  }
}
