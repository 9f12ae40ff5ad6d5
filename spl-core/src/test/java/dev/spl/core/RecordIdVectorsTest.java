package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ids checked against values computed outside Java: each expected canonical string is what a JCS
 * implementation in ECMAScript gives (Node.js: {@code JSON.parse}, keys sorted at every depth,
 * {@code JSON.stringify} for each value) and its id is the output of {@code printf '%s' CANONICAL |
 * sha256sum} (for strings with non-ASCII text, Python's {@code
 * hashlib.sha256(canonical.encode("utf-8"))}).
 */
class RecordIdVectorsTest {
  private static final String THREAD = "th_" + "0123456789abcdef".repeat(4);

  private static void assertVector(String input, String canonical, String expectedId) {
    Record record = TestRecords.parse(input);

    assertThat(CanonicalJson.string(RecordIds.contentOf(record))).isEqualTo(canonical);
    assertThat(CanonicalJson.bytes(RecordIds.contentOf(record)))
        .isEqualTo(canonical.getBytes(StandardCharsets.UTF_8));
    assertThat(RecordIds.canonicalBytes(record))
        .isEqualTo(canonical.getBytes(StandardCharsets.UTF_8));
    assertThat(record.id()).isEqualTo(expectedId);
  }

  @Test
  void aPlainRecordWithDefaultsForClockAndParents() {
    assertVector(
        "{ \"thread\": \""
            + THREAD
            + "\", \"act\": \"INTEND\", \"actor\": \"did:sync:user:ana\",\n"
            + "  \"body\": { \"topic\": \"task\", \"title\": \"hello\" } }",
        "{\"act\":\"INTEND\",\"actor\":\"did:sync:user:ana\","
            + "\"body\":{\"title\":\"hello\",\"topic\":\"task\"},\"clock\":0,\"parents\":[],"
            + "\"thread\":\"th_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}",
        "6130ae342db2f99623ae34c3cab5938aa3212c88803a2997a838fdeaf46b6823");
  }

  @Test
  void nestedObjectsAreSortedAtEveryDepthAndParentsSorted() {
    assertVector(
        "{\"body\":{\"z\":{\"b\":1,\"a\":{\"d\":[3,{\"y\":1,\"x\":2}],\"c\":null}},"
            + "\"_\":false,\"A\":true},\"parents\":[\""
            + "e".repeat(64)
            + "\",\""
            + "1".repeat(64)
            + "\"],\"clock\":42,\"act\":\"LEARN\",\"actor\":\"did:sync:instance:00112233aabbccdd\","
            + "\"thread\":\"th_fleet_control\"}",
        "{\"act\":\"LEARN\",\"actor\":\"did:sync:instance:00112233aabbccdd\","
            + "\"body\":{\"A\":true,\"_\":false,\"z\":{\"a\":{\"c\":null,\"d\":[3,{\"x\":2,\"y\":1}]},"
            + "\"b\":1}},\"clock\":42,\"parents\":"
            + "[\"1111111111111111111111111111111111111111111111111111111111111111\","
            + "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"],"
            + "\"thread\":\"th_fleet_control\"}",
        "261c09ab2be61e718e950e3bbf8216439b8bd26743ec9991f6ea69df8d7721f1");
  }

  @Test
  void unicodeIsUtf8WithOnlyQuoteBackslashAndControlsEscapedAndKeysInUtf16Order() {
    // Input escapes: e-acute, an astral emoji as a surrogate pair, U+0001, tab, quote, backslash,
    // an escaped slash, DEL and U+2028. Keys: 's', Cyrillic, the emoji (D83D..) and fullwidth A
    // (FF21): UTF-16 order puts the emoji before FF21 although its code point is higher.
    assertVector(
        "{\"thread\":\""
            + THREAD
            + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"KNOW\",\"clock\":1,\"body\":{"
            + "\"\\uff21\":2,\"\\ud83d\\ude00\":1,"
            + "\"\u043a\u043b\u044e\u0447\":\"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435\","
            + "\"s\":\"\\u00e9\ud83d\ude00 \\u0001\\t\\\"\\\\\\/\u007f\\u2028\"}}",
        "{\"act\":\"KNOW\",\"actor\":\"did:sync:user:ana\",\"body\":{"
            + "\"s\":\"\u00e9\ud83d\ude00 \\u0001\\t\\\"\\\\/\u007f\u2028\","
            + "\"\u043a\u043b\u044e\u0447\":\"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435\","
            + "\"\ud83d\ude00\":1,\"\uff21\":2},\"clock\":1,\"parents\":[],"
            + "\"thread\":\"th_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}",
        "6395b5f92ecc52a74562db62ac2543f1f55e45ba00676b8ae1d2282ab7a20fe6");
  }

  @Test
  void numbersAreDoublesInEcmaScriptForm() {
    assertVector(
        "{\"thread\":\""
            + THREAD
            + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"clock\":9007199254740992,"
            + "\"body\":{\"l\":9007199254740992,\"k\":-9007199254740992,\"j\":-12.340,"
            + "\"i\":2.5e-3,\"h\":1E-7,\"g\":-0.0,\"f\":0.000001,\"e\":1e21,\"d\":1e3,\"c\":-0,"
            + "\"b\":1.50,\"a\":1.0,\"m\":333333333.33333329,\"n\":1E30,\"o\":5e-324,\"p\":0.1}}",
        "{\"act\":\"DO\",\"actor\":\"did:sync:user:ana\",\"body\":{\"a\":1,\"b\":1.5,\"c\":0,"
            + "\"d\":1000,\"e\":1e+21,\"f\":0.000001,\"g\":0,\"h\":1e-7,\"i\":0.0025,\"j\":-12.34,"
            + "\"k\":-9007199254740992,\"l\":9007199254740992,\"m\":333333333.3333333,\"n\":1e+30,"
            + "\"o\":5e-324,\"p\":0.1},\"clock\":9007199254740992,\"parents\":[],"
            + "\"thread\":\"th_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}",
        "0cab0bd36a65118dbf947ca2e9854bdaa6cd6d4aa3805584e82a6814aec6164e");
  }

  @Test
  void numbersBuiltInCodeHashLikeTheSameNumbersParsed() {
    var body = Json.MAPPER.createObjectNode();
    body.put("b", new java.math.BigDecimal("1.50"));
    body.put("a", 1L);
    body.put("c", 1000.0);
    Record built = new Record(THREAD, "did:sync:user:ana", Act.DO, body, 0, java.util.List.of());
    Record parsed =
        TestRecords.parse(
            "{\"thread\":\""
                + THREAD
                + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"DO\","
                + "\"body\":{\"a\":1,\"b\":1.5,\"c\":1e3}}");

    assertThat(built.id()).isEqualTo(parsed.id());
    assertThat(built).isEqualTo(parsed).hasSameHashCodeAs(parsed);
  }

  @Test
  void recordsWithDifferentContentAreNotEqual() {
    Record one = TestRecords.record(THREAD, Act.DO, "work", 1);

    assertThat(one).isNotEqualTo(TestRecords.record(THREAD, Act.DO, "work", 2));
    assertThat(one).isNotEqualTo(TestRecords.record(THREAD, Act.KNOW, "work", 1));
    assertThat(one).isNotEqualTo(TestRecords.record(THREAD, Act.DO, "other", 1));
  }

  @Test
  void aLoneSurrogateIsRefusedNamingTheField() {
    assertThatThrownBy(
            () ->
                TestRecords.parse(
                    "{\"thread\":\""
                        + THREAD
                        + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"DO\","
                        + "\"body\":{\"n\":{\"s\":\"a\\ud800b\"}}}"))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage(
            "body.n.s: expected valid Unicode text but found an unpaired surrogate \\ud800 at"
                + " index 1 of the string");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1e999999999 | body.x: expected a number within the range of IEEE-754 doubles",
        "-1e309 | body.x: expected a number within the range of IEEE-754 doubles",
        "1e-999999999 | body.x: expected zero or a number of magnitude at least 5e-324",
        "9007199254740993 | body.x: expected an integer of magnitude at most 9007199254740992",
        "-9007199254740993 | body.x: expected an integer of magnitude at most 9007199254740992",
        "123456789012345678901234567890 | body.x: expected an integer of magnitude at most",
        "1e20 | body.x: expected an integer of magnitude at most 9007199254740992",
      })
  void numbersWithoutACanonicalFormAreRefusedNamingTheField(String number, String message) {
    assertThatThrownBy(
            () ->
                TestRecords.parse(
                    "{\"thread\":\""
                        + THREAD
                        + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":{\"x\":"
                        + number
                        + "}}"))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void aRecordBuiltInCodeWithoutACanonicalFormHasNoId() {
    var body = Json.MAPPER.createObjectNode();
    body.put("x", Long.MAX_VALUE);
    Record record = new Record(THREAD, "did:sync:user:ana", Act.DO, body, 0, java.util.List.of());

    assertThatThrownBy(record::id)
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("expected an integer of magnitude at most 9007199254740992");
  }
}
