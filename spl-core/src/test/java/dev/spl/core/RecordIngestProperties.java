package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated input for record ingest: whatever comes in is either refused with the documented
 * exception or accepted, and an accepted record reads back from its canonical bytes as the same
 * record with the same id and the same bytes.
 */
class RecordIngestProperties {
  static final String THREAD = "th_" + "ab".repeat(32);

  /** JSON text with the shapes that matter: odd numbers, escapes, surrogates, repeated keys. */
  static Arbitrary<String> jsonValues() {
    return Arbitraries.recursive(RecordIngestProperties::scalars, RecordIngestProperties::nest, 3);
  }

  static Arbitrary<String> scalars() {
    return Arbitraries.oneOf(
        numbers(),
        strings().map(RecordIngestProperties::quoted),
        Arbitraries.of("true", "false", "null"));
  }

  private static Arbitrary<String> nest(Arbitrary<String> inner) {
    Arbitrary<String> arrays =
        inner.list().ofMaxSize(4).map(values -> "[" + String.join(",", values) + "]");
    Arbitrary<String> keys =
        Arbitraries.oneOf(Arbitraries.of("a", "b", "topic", "n", ""), strings())
            .map(RecordIngestProperties::quoted);
    Arbitrary<String> objects =
        Combinators.combine(keys, inner)
            .as((key, value) -> key + ":" + value)
            .list()
            .ofMaxSize(4)
            .map(fields -> "{" + String.join(",", fields) + "}");
    return Arbitraries.oneOf(inner, arrays, objects);
  }

  static Arbitrary<String> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "0",
            "-0",
            "-0.0",
            "1.0",
            "1e30",
            "1E-7",
            "333333333.33333329",
            "5e-324",
            "1e-400",
            "1e999999999",
            "9007199254740992",
            "9007199254740993",
            "-9007199254740993",
            "1e20",
            "1e21",
            "123456789012345678901234567890",
            "0.1",
            "4.50",
            "2e-3",
            "1.7976931348623157e308",
            "1.8e308"),
        Arbitraries.longs().map(n -> Long.toString(n)),
        Arbitraries.doubles().map(d -> Double.toString(d)),
        Arbitraries.bigDecimals().map(Object::toString));
  }

  /** Text including controls, astral characters and lone surrogates. */
  static Arbitrary<String> strings() {
    return Arbitraries.strings()
        .withCharRange('\u0000', '\u00ff')
        .withChars('\ud800', '\udbff', '\udc00', '\udfff', '\u2028', '\uffff')
        .ofMaxLength(12);
  }

  /** A JSON string literal with every character escaped, so lone surrogates get through. */
  static String quoted(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.append('"').toString();
  }

  @Provide
  Arbitrary<String> recordTexts() {
    Arbitrary<String> bodies = nest(jsonValues()).filter(text -> text.startsWith("{"));
    Arbitrary<String> acts = Arbitraries.of("INTEND", "DO", "KNOW", "LEARN", "CALL", "WISH");
    Arbitrary<String> clocks = Arbitraries.oneOf(numbers(), Arbitraries.of("0", "7"));
    return Combinators.combine(acts, bodies, clocks)
        .as(
            (act, body, clock) ->
                "{\"thread\":\""
                    + THREAD
                    + "\",\"actor\":\"did:sync:user:fuzz\",\"act\":\""
                    + act
                    + "\",\"clock\":"
                    + clock
                    + ",\"body\":"
                    + body
                    + "}");
  }

  /** Parses as the daemon does; null when refused the documented way. */
  static Record ingest(byte[] bytes) {
    JsonNode node;
    try {
      node = Json.parse(bytes);
    } catch (MalformedJsonException refused) {
      return null;
    }
    try {
      return RecordJson.parse(node);
    } catch (InvalidRecordException refused) {
      return null;
    }
  }

  private static void assertRoundTrips(Record record) {
    byte[] canonical = RecordIds.canonicalBytes(record);
    Record again = RecordJson.parse(Json.parse(canonical));

    assertThat(again.id()).isEqualTo(record.id());
    assertThat(again).isEqualTo(record);
    assertThat(RecordIds.canonicalBytes(again)).isEqualTo(canonical);
    assertThat(CanonicalJson.bytes(RecordIds.contentOf(record))).isEqualTo(canonical);
  }

  @Property(tries = 500)
  void generatedRecordsAreRefusedOrRoundTripToTheSameId(@ForAll("recordTexts") String text) {
    Record record = ingest(text.getBytes(StandardCharsets.UTF_8));
    if (record != null) {
      assertRoundTrips(record);
    }
    // Both outcomes must be exercised, or the property proves nothing.
    Statistics.label("outcome").collect(record == null ? "refused" : "accepted");
    Statistics.label("outcome")
        .coverage(
            coverage -> {
              coverage.check("accepted").percentage(p -> p > 10);
              coverage.check("refused").percentage(p -> p > 10);
            });
  }

  @Property(tries = 1000)
  void arbitraryBytesAreRefusedOrRoundTrip(@ForAll byte[] bytes) {
    Record record = ingest(bytes);
    if (record != null) {
      assertRoundTrips(record);
    }
  }

  @Property(tries = 300)
  void mangledRecordsAreRefusedOrRoundTrip(
      @ForAll("recordTexts") String text, @ForAll List<Integer> cuts) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int cut : cuts) {
      if (bytes.length > 0) {
        bytes[Math.floorMod(cut, bytes.length)] = (byte) (cut >> 8);
      }
    }
    Record record = ingest(bytes);
    if (record != null) {
      assertRoundTrips(record);
    }
  }

  @Property(tries = 2000)
  void everyFiniteDoubleIsWrittenInAFormThatReadsBackAsItself(@ForAll double value) {
    String text = EcmaScriptNumbers.format(value);

    assertThat(Double.parseDouble(text)).isEqualTo(value == 0 ? 0.0 : value);
    assertThat(text).doesNotContain("E").doesNotStartWith("+");
  }
}
