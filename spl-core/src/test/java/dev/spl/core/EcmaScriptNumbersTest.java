package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The number form of RFC 8785 against ECMAScript itself. {@link #sample()} is a fixed list of
 * doubles: edge cases (every subnormal multiple up to 2000, powers of two and ten with their
 * neighbours, the 2^53 and 10^21 boundaries) and seeded random values (uniform over the bit
 * patterns, and short decimals such as prices). The expected hash is of the lines {@code <hex
 * bits>,<Number.prototype.toString>\n} as Node.js 20 (V8) printed them for that list.
 */
class EcmaScriptNumbersTest {
  static final String V8_SHA256 =
      "61ed18fc546fa07a7149acc54a9be6eff58af84688c5257e4cbbfc9f472fb6ed";

  static List<Double> sample() {
    List<Double> values = new ArrayList<>();
    values.add(0.0);
    values.add(-0.0);
    for (int k = 1; k <= 2000; k++) {
      values.add(Double.MIN_VALUE * k);
    }
    for (double boundary :
        new double[] {Double.MIN_NORMAL, Double.MAX_VALUE, 9007199254740992.0, 1e21, 1e-6, 1e-7}) {
      values.add(boundary);
      values.add(Math.nextUp(boundary));
      values.add(Math.nextDown(boundary));
    }
    for (int e = -1074; e <= 1023; e++) {
      values.add(Math.scalb(1.0, e));
    }
    for (int e = -323; e <= 308; e++) {
      double power = Double.parseDouble("1e" + e);
      values.add(power);
      values.add(Math.nextUp(power));
      values.add(Math.nextDown(power));
    }
    SplittableRandom random = new SplittableRandom(8785);
    while (values.size() < 400_000) {
      double value = Double.longBitsToDouble(random.nextLong());
      if (Double.isFinite(value)) {
        values.add(value);
      }
    }
    while (values.size() < 600_000) {
      long units = random.nextLong(-10_000_000_000L, 10_000_000_000L);
      values.add(units / Math.pow(10, random.nextInt(0, 12)));
    }
    values.removeIf(value -> !Double.isFinite(value));
    return values;
  }

  static String lines(List<Double> values) {
    StringBuilder out = new StringBuilder(values.size() * 32);
    for (double value : values) {
      out.append(Long.toHexString(Double.doubleToRawLongBits(value)))
          .append(',')
          .append(EcmaScriptNumbers.format(value))
          .append('\n');
    }
    return out.toString();
  }

  @Test
  void everyNumberOfTheSampleIsWrittenAsEcmaScriptWritesIt() throws NoSuchAlgorithmException {
    byte[] text = lines(sample()).getBytes(StandardCharsets.US_ASCII);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));

    assertThat(hash).isEqualTo(V8_SHA256);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0x1p-1074, 5e-324",
    "1e30, 1e+30",
    "333333333.33333329, 333333333.3333333",
    "4.50, 4.5",
    "2e-3, 0.002",
    "0.000000000000000000000000001, 1e-27",
    "1e21, 1e+21",
    "999999999999999900000, 999999999999999900000",
    "1e-6, 0.000001",
    "1e-7, 1e-7",
    "-1.5, -1.5",
    "0.1, 0.1",
    "100, 100",
    "1e23, 1e+23",
    "9007199254740994, 9007199254740994",
    "1.7976931348623157e308, 1.7976931348623157e+308",
    "-0.0, 0",
  })
  void knownForms(String input, String expected) {
    assertThat(EcmaScriptNumbers.format(Double.parseDouble(input))).isEqualTo(expected);
  }

  /** Writes the sample's bit patterns, one per line, for the ECMAScript side of the check. */
  public static void main(String[] args) throws Exception {
    StringBuilder out = new StringBuilder();
    for (double value : sample()) {
      out.append(Long.toHexString(Double.doubleToRawLongBits(value))).append('\n');
    }
    java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), out);
  }
}
