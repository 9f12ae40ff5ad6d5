package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void aKeyGivenTwiceIsRefusedNamingTheKeyAndTheObject() {
    assertThatThrownBy(
            () -> Json.parse("{\"body\":{\"act\":\"INTEND\",\n\"act\":\"KNOW\"}}".getBytes()))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("not valid JSON at line 2, column ")
        .hasMessageEndingWith(": the key 'act' is given twice in /body");
    assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":1}"))
        .hasMessageEndingWith("the key 'a' is given twice in the top-level object");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "1234567e901234567890",
        "{\"a\":1234567e901234567890}",
        "[1, 1e-901234567890]",
        "1.5e2147483648",
        "-1e-2147483649",
        "0.1e-99999999999"
      })
  void aNumberWithAnExponentOutOfRangeIsMalformedJsonNamingWhereAndWhat(String json) {
    String number = json.replaceAll("^.*?(-?[0-9.]+e[-0-9]+).*$", "$1");
    int column = json.indexOf(number) + 1;
    for (var parse :
        java.util.List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
            () -> Json.parse(json), () -> Json.parse(json.getBytes(StandardCharsets.UTF_8)))) {
      assertThatThrownBy(parse)
          .isInstanceOf(MalformedJsonException.class)
          .hasMessage(
              "not valid JSON at line 1, column "
                  + column
                  + ": number out of range: expected a number whose exponent is within"
                  + " +-2147483647 but found "
                  + number);
    }
  }

  @Test
  void aLongNumberOutOfRangeIsShownShortened() {
    String number = "1" + "2".repeat(200) + "e99999999999";

    assertThatThrownBy(() -> Json.parse("\n  [" + number + "]"))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("not valid JSON at line 2, column 4: number out of range: ")
        .hasMessageEndingWith(
            "but found 1"
                + "2".repeat(29)
                + "..."
                + "2".repeat(18)
                + "e99999999999 ("
                + number.length()
                + " characters)");
  }

  @Test
  void numbersWithTooManyDigitsAreMalformedJsonToo() {
    assertThatThrownBy(() -> Json.parse("1" + "0".repeat(1200)))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("Number value length (1201) exceeds the maximum allowed (1000");
    assertThatThrownBy(() -> Json.parse("[0." + "5".repeat(1200) + "]"))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("exceeds the maximum allowed (1000");
  }

  @Test
  void aLargeExponentWithinRangeStillParsesAndNothingButWhitespaceIsMissing() {
    assertThat(Json.parse("[1e999999999]").get(0).decimalValue())
        .isEqualTo(new java.math.BigDecimal("1e999999999"));
    assertThat(Json.parse("  \n").isMissingNode()).isTrue();
    assertThat(Json.parse("null").isNull()).isTrue();
    assertThatThrownBy(() -> Json.parse("1 2"))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("Trailing token");
  }

  @Test
  void theSharedMapperRefusesDuplicateKeysToo() {
    assertThatThrownBy(() -> Json.MAPPER.readTree("[{\"x\":1,\"x\":2}]"))
        .hasMessageContaining("Duplicate field 'x'");
  }

  @Test
  void anOverlongEncodingIsRefusedWithItsOffset() {
    // C0 AF is an overlong '/': lenient decoders read {"a":"/"}.
    byte[] body = bytes('{', '"', 'a', '"', ':', '"', 0xC0, 0xAF, '"', '}');

    assertThatThrownBy(() -> Json.parse(body))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith(
            "expected UTF-8 but found the invalid byte sequence C0 at byte offset 6");
  }

  @Test
  void encodedSurrogatesAndTruncatedSequencesAreRefused() {
    assertThatThrownBy(() -> Json.parse(bytes('"', 0xED, 0xA0, 0x80, '"')))
        .hasMessageContaining("byte offset 1");
    assertThatThrownBy(() -> Json.parse(bytes('"', 'a', 0xE2, 0x82)))
        .hasMessageContaining("byte offset 2");
  }

  @Test
  void utf16AndUtf32BodiesAreRefused() {
    for (Charset charset :
        new Charset[] {
          StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32")
        }) {
      assertThatThrownBy(() -> Json.parse("{\"a\":1}".getBytes(charset)))
          .as(charset.name())
          .isInstanceOf(MalformedJsonException.class)
          .hasMessageContaining("expected UTF-8 but found a zero byte");
    }
    assertThatThrownBy(() -> Json.parse("{\"a\":1}".getBytes(StandardCharsets.UTF_16)))
        .hasMessageContaining("byte order mark");
    assertThatThrownBy(() -> Json.parse(bytes(0xEF, 0xBB, 0xBF, '{', '}')))
        .hasMessageContaining("UTF-8 byte order mark");
  }

  @Test
  void validUtf8IsReadAsIs() {
    assertThat(Json.parse("{\"s\":\"é😀\"}".getBytes(StandardCharsets.UTF_8)).get("s").textValue())
        .isEqualTo("é😀");
    assertThat(Json.parse(new byte[0]).isMissingNode()).isTrue();
  }

  @Test
  void trailingContentIsRefused() {
    assertThatThrownBy(() -> Json.parse("{} {}")).isInstanceOf(MalformedJsonException.class);
  }
}
