package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecordJsonTest {
  private static final String THREAD = TestRecords.thread("json");
  private static final String GOOD_FIELDS =
      "\"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":{\"topic\":\"t\"}";

  private static String withThread(String extra) {
    return "{\"thread\":\"" + THREAD + "\"," + extra + "}";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "missing thread | {\"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":{}}"
            + " | thread: required but missing",
        "thread not a string | {\"thread\":7,\"actor\":\"did:sync:user:ana\",\"act\":\"DO\","
            + "\"body\":{}} | thread: expected a string but found a number (7)",
        "thread not th_ + 64 hex | {\"thread\":\"th_ABC\",\"actor\":\"did:sync:user:ana\","
            + "\"act\":\"DO\",\"body\":{}} | thread: expected 'th_' followed by 64 lowercase hex",
        "thread with uppercase hex | {\"thread\":\"th_"
            + "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\","
            + "\"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":{}}"
            + " | thread: expected 'th_' followed by 64 lowercase hex",
        "unknown reserved thread | {\"thread\":\"th_fleet\",\"actor\":\"did:sync:user:ana\","
            + "\"act\":\"DO\",\"body\":{}} | found 'th_fleet'",
      })
  void badThreadsAreNamed(String name, String json, String message) {
    assertThatThrownBy(() -> TestRecords.parse(json))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "missing actor | \"act\":\"DO\",\"body\":{} | actor: required but missing",
        "actor not a string | \"actor\":[1],\"act\":\"DO\",\"body\":{}"
            + " | actor: expected a string but found an array",
        "actor not a DID | \"actor\":\"ana\",\"act\":\"DO\",\"body\":{}"
            + " | actor: expected did:sync:instance:<16 hex> or did:sync:user:<name> but found 'ana'",
        "missing act | \"actor\":\"did:sync:user:ana\",\"body\":{} | act: required but missing",
        "unknown act | \"actor\":\"did:sync:user:ana\",\"act\":\"WISH\",\"body\":{}"
            + " | act: expected one of INTEND, DO, KNOW, LEARN, CALL but found 'WISH'",
        "lowercase act | \"actor\":\"did:sync:user:ana\",\"act\":\"do\",\"body\":{}"
            + " | act: expected one of INTEND, DO, KNOW, LEARN, CALL but found 'do'",
        "missing body | \"actor\":\"did:sync:user:ana\",\"act\":\"DO\""
            + " | body: expected a JSON object but found nothing",
        "body an array | \"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":[1]"
            + " | body: expected a JSON object but found an array ([1])",
        "body a string | \"actor\":\"did:sync:user:ana\",\"act\":\"DO\",\"body\":\"x\""
            + " | body: expected a JSON object but found a string",
        "clock negative | "
            + GOOD_FIELDS
            + ",\"clock\":-1"
            + " | clock: expected a non-negative integer of at most 9007199254740992 but found -1",
        "clock fractional | "
            + GOOD_FIELDS
            + ",\"clock\":1.5"
            + " | clock: expected a non-negative integer of at most 9007199254740992 but found a number (1.5)",
        "clock a string | "
            + GOOD_FIELDS
            + ",\"clock\":\"1\""
            + " | clock: expected a non-negative integer of at most 9007199254740992 but found a string",
        "clock beyond long | "
            + GOOD_FIELDS
            + ",\"clock\":99999999999999999999"
            + " | clock: expected a non-negative integer",
        "parents an object | "
            + GOOD_FIELDS
            + ",\"parents\":{}"
            + " | parents: expected an array of record ids but found an object",
        "parent a number | "
            + GOOD_FIELDS
            + ",\"parents\":[1]"
            + " | parents: expected record id strings but found a number",
        "parent not an id | "
            + GOOD_FIELDS
            + ",\"parents\":[\"abc\"]"
            + " | parents: expected a record id of 64 lowercase hex digits but found 'abc'",
        "unknown field | " + GOOD_FIELDS + ",\"seq\":1 | record: unknown field 'seq'",
        "id that does not match | "
            + GOOD_FIELDS
            + ",\"id\":\""
            + "0000000000"
            + "\""
            + " | id: the record's content hashes to",
      })
  void badFieldsAreNamed(String name, String fields, String message) {
    assertThatThrownBy(() -> TestRecords.parse(withThread(fields)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aRecordThatIsNotAnObjectIsRefused() throws Exception {
    assertThatThrownBy(() -> RecordJson.parse(Json.MAPPER.readTree("[1,2]")))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("record: expected a JSON object but found an array");
    assertThatThrownBy(() -> RecordJson.parse(null))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("record: expected a JSON object but found nothing");
  }

  @Test
  void aMatchingIdIsAccepted() {
    Record record = TestRecords.parse(withThread(GOOD_FIELDS));

    Record again = TestRecords.parse(withThread(GOOD_FIELDS + ",\"id\":\"" + record.id() + "\""));

    assertThat(again).isEqualTo(record);
  }

  @Test
  void aRecordParsedHashedCarriesItsCanonicalBytesAndIdAndIsCheckedAsParseChecksIt()
      throws Exception {
    Record record = TestRecords.parse(withThread(GOOD_FIELDS + ",\"clock\":3"));

    HashedRecord hashed =
        RecordJson.parseHashed(
            Json.MAPPER.readTree(
                withThread(GOOD_FIELDS + ",\"clock\":3,\"id\":\"" + record.id() + "\"")));

    assertThat(hashed.record()).isEqualTo(record);
    assertThat(hashed.id()).isEqualTo(record.id());
    assertThat(hashed.idBytes()).isEqualTo(Hex.parse(record.id()));
    assertThat(hashed.canonical()).isEqualTo(RecordIds.canonicalBytes(record));
    var wrongId =
        Json.MAPPER.readTree(withThread(GOOD_FIELDS + ",\"id\":\"" + "0".repeat(64) + "\""));
    assertThatThrownBy(() -> RecordJson.parseHashed(wrongId))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("id: the record's content hashes to ");
    var badBody =
        Json.MAPPER.readTree(
            withThread(GOOD_FIELDS.replace("{\"topic\":\"t\"}", "{\"n\":1152921504606846976}")));
    assertThatThrownBy(() -> RecordJson.parseHashed(badBody))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.n: expected an integer of magnitude at most");
  }

  @Test
  void theStoredFormRoundTrips() {
    Record record = TestRecords.parse(withThread(GOOD_FIELDS + ",\"clock\":3"));
    StoredRecord stored = new StoredRecord(record.id(), record, 12, 1_700_000_000_123L);

    var json = RecordJson.toJson(stored);

    assertThat(json.get("seq").asLong()).isEqualTo(12);
    assertThat(json.get("received_at").asText())
        .isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L).toString());
    assertThat(RecordJson.parseStored(json)).isEqualTo(stored);
  }

  @Test
  void aStoredRecordIsReadAsStoredWhileNewInputIsChecked() throws Exception {
    var node =
        Json.MAPPER.readTree(
            withThread(GOOD_FIELDS.replace("{\"topic\":\"t\"}", "{\"n\":1152921504606846976}")));

    assertThatThrownBy(() -> RecordJson.parse(node))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageStartingWith("body.n: expected an integer of magnitude at most");
    assertThat(RecordJson.readStored(node).body().get("n").longValue())
        .isEqualTo(1152921504606846976L);
  }
}
