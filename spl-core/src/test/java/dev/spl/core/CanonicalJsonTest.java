package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Canonical bytes compared byte for byte with RFC 8785 as implemented in ECMAScript: each expected
 * hex string is the UTF-8 of what Node.js 20 gives for the same input text ({@code JSON.parse},
 * keys sorted by UTF-16 code unit at every depth, {@code JSON.stringify} for each value).
 */
class CanonicalJsonTest {
  private static String canonicalHex(String json) {
    JsonNode node = Json.parse(json);
    CanonicalJson.requireCanonical(node, "$");
    return HexFormat.of().formatHex(CanonicalJson.bytes(node));
  }

  @Test
  void theExampleOfRfc8785Section322() {
    // Input and output of the RFC's example; the output is written out in its section 3.2.4.
    String input =
        "{\n"
            + "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
            + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
            + "  \"literals\": [null, true, false]\n"
            + "}";

    assertThat(canonicalHex(input))
        .isEqualTo(
            "7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a5b33"
                + "33333333333333332e333333333333332c31652b33302c342e352c302e3030322c31652d32375d"
                + "2c22737472696e67223a22e282ac245c75303030665c6e4127425c225c5c5c5c5c222f227d");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Keys in UTF-16 code unit order: the astral emoji (D83D) sorts before U+FB33 and U+FF21.
        "keys by UTF-16 code unit | {\"\\u20ac\": \"euro\", \"\\r\": \"cr\", \"\\ufb33\": \"dalet\","
            + " \"10\": \"ten\", \"9\": \"nine\", \"\\ud83d\\ude00\": \"grinning\", \"\\u0080\":"
            + " \"c1\", \"\\u00f6\": \"o-umlaut\", \"</script>\": \"tag\", \"\": \"empty\","
            + " \"\\uff21\": \"fullwidth A\", \"a\": \"small a\", \"A\": \"capital A\"}"
            + " | 7b22223a22656d707479222c225c72223a226372222c223130223a2274656e222c2239223a226e"
            + "696e65222c223c2f7363726970743e223a22746167222c2241223a226361706974616c2041222c226122"
            + "3a22736d616c6c2061222c22c280223a226331222c22c3b6223a226f2d756d6c617574222c22e282ac22"
            + "3a226575726f222c22f09f9880223a226772696e6e696e67222c22efacb3223a2264616c6574222c22ef"
            + "bca1223a2266756c6c77696474682041227d",
        "nested containers, sorted at every depth | [ 7, { \"z\": [ ], \"y\": { }, \"b\": {"
            + " \"d\": [ { \"q\": 2, \"p\": 1 } ], \"c\": null } }, [ [ ] ], \"x\" ]"
            + " | 5b372c7b2262223a7b2263223a6e756c6c2c2264223a5b7b2270223a312c2271223a327d5d7d2c22"
            + "79223a7b7d2c227a223a5b5d7d2c5b5b5d5d2c2278225d",
        "no locale collation | { \"c\\u00f4t\\u00e9\": 4, \"cote\": 1, \"c\\u00f4te\": 3,"
            + " \"cot\\u00e9\": 2 }"
            + " | 7b22636f7465223a312c22636f74c3a9223a322c2263c3b47465223a332c2263c3b474c3a9223a"
            + "347d",
        "no Unicode normalisation | { \"composed\": \"\\u00c5\", \"decomposed\": \"A\\u030a\" }"
            + " | 7b22636f6d706f736564223a22c385222c226465636f6d706f736564223a2241cc8a227d",
        "string escapes | { \"s\": \"\\u0000\\u0008\\u0009\\u000a\\u000c\\u000d\\u000f\\u001f"
            + " \\u0022 \\u005c \\/ \\u007f \\u2028 \\u00e9 \\ud834\\udd1e\" }"
            + " | 7b2273223a225c75303030305c625c745c6e5c665c725c75303030665c7530303166205c22205c5c"
            + "202f207f20e280a820c3a920f09d849e227d",
        "numbers | [ 1.0, -0.0, 0.1, 1e21, 1E-7, 123e-2, 5e-324, 1.7976931348623157e308, 12.50,"
            + " 100E-2, 4.35, 0.000001 ]"
            + " | 5b312c302c302e312c31652b32312c31652d372c312e32332c35652d3332342c312e3739373639"
            + "3331333438363233313537652b3330382c31322e352c312c342e33352c302e3030303030315d",
      })
  void canonicalBytesAreThoseOfEcmaScript(String name, String input, String hex) {
    assertThat(canonicalHex(input)).isEqualTo(hex);
  }

  @Test
  void numbersAreNormalisedToTheFormTheyReadBackAs() {
    JsonNode node = Json.parse("{\"a\":56.0,\"b\":333333333.33333329,\"c\":[1e30,-0.0]}");
    CanonicalJson.requireCanonical(node, "body");

    assertThat(node.get("a").isInt()).isTrue();
    assertThat(node.get("b").decimalValue()).isEqualTo(new BigDecimal("333333333.3333333"));
    assertThat(node).isEqualTo(Json.parse(CanonicalJson.string(node)));
  }

  @Test
  void decimalsOfMoneyAddUpWithoutBinaryNoise() {
    JsonNode costs = Json.parse("[0.1, 0.2, 0.0125]");
    BigDecimal total = BigDecimal.ZERO;
    for (JsonNode cost : costs) {
      total = total.add(CanonicalJson.decimal(cost));
    }

    assertThat(total.toPlainString()).isEqualTo("0.3125");
  }

  @Test
  void keysWithUnpairedSurrogatesAreRefusedNamingTheObject() {
    JsonNode node = Json.parse("{\"outer\":{\"a\\udc00\":1}}");

    assertThatThrownBy(() -> CanonicalJson.requireCanonical(node, "body"))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "body.outer: expected keys of valid Unicode text but the key \"a\\udc00\" has an"
                + " unpaired surrogate at index 1");
  }

  @Test
  void fieldsAreNamedByPathWithArrayIndicesAndQuotedKeys() {
    JsonNode node = Json.parse("{\"list\":[0,{\"odd key\":1e400}]}");

    assertThatThrownBy(() -> CanonicalJson.requireCanonical(node, "body"))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith(
            "body.list[1][\"odd key\"]: expected a number within the range of IEEE-754 doubles");
  }
}
