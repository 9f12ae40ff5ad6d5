package dev.spl.daemon.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Json;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChildResultBytesTest {
  private final ChildResultBytes located = new ChildResultBytes();

  private static byte[] canonical(String body) throws Exception {
    return RecordIds.canonicalBytes(
        RecordJson.parse(
            Json.MAPPER.readTree(
                "{\"thread\":\"th_"
                    + "ab".repeat(32)
                    + "\",\"actor\":\"did:sync:instance:0123456789abcdef\",\"act\":\"KNOW\","
                    + "\"clock\":1,\"body\":"
                    + body
                    + "}")));
  }

  /** The record's bytes in the middle of a larger array, as a store's value holds them. */
  private static byte[] padded(byte[] record, int before) {
    byte[] value = new byte[before + record.length + 7];
    System.arraycopy(record, 0, value, before, record.length);
    return value;
  }

  private String written() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = Json.MAPPER.getFactory().createGenerator(out)) {
      generator.writeStartObject();
      generator.writeFieldName("result");
      generator.writeRawValue(located);
      generator.writeNumberField("after", 1);
      generator.writeEndObject();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theResultIsTheCanonicalJsonOfTheStoredResultWhereverTheRecordStartsInTheArray()
      throws Exception {
    String result =
        "{\"z\":[1,2.5,\"caf\\u00e9 \\u2603\",null,true],\"a\":{\"nested\":{\"deep\":1e30}},"
            + "\"s\":\"quote \\\" and \\\\ backslash\"}";
    byte[] record =
        canonical(
            "{\"topic\":\"fanout_child_done\",\"result\":"
                + result
                + ",\"refs\":[{\"worker\":\"did:sync:instance:0123456789abcdef\",\"path\":\"a.txt\","
                + "\"size\":3,\"sha256\":\""
                + "0".repeat(64)
                + "\"}],\"summary\":\"ok\"}");
    JsonNode expected = Json.MAPPER.readTree(result);

    for (int before : new int[] {0, 46, 1000}) {
      assertThat(located.locate(padded(record, before), before, record.length)).isTrue();
      assertThat(located.hasResult()).isTrue();
      assertThat(located.getValue()).isEqualTo(CanonicalJson.string(expected));
      assertThat(Json.MAPPER.readTree(written()).path("result")).isEqualTo(expected);
      assertThat(Json.MAPPER.readTree(written()).path("after").asInt()).isEqualTo(1);
      assertThat(located.hasRefs()).isTrue();
      JsonNode refs = Json.MAPPER.readTree(located.refsParser());
      assertThat(refs.get(0).path("path").asText()).isEqualTo("a.txt");
      assertThat(refs.get(0).path("size").asInt()).isEqualTo(3);
    }
  }

  @Test
  void scalarResultsAreFoundWholeAndARecordWithoutOneHasNone() throws Exception {
    for (String scalar : new String[] {"\"text with } and ]\"", "-12.75", "true", "42"}) {
      byte[] record = canonical("{\"topic\":\"fanout_child_done\",\"result\":" + scalar + "}");
      assertThat(located.locate(padded(record, 5), 5, record.length)).isTrue();
      assertThat(located.getValue()).isEqualTo(CanonicalJson.string(Json.MAPPER.readTree(scalar)));
      assertThat(located.hasRefs()).isFalse();
    }

    byte[] none = canonical("{\"topic\":\"fanout_child_done\",\"summary\":\"no result\"}");
    assertThat(located.locate(none, 0, none.length)).isTrue();
    assertThat(located.hasResult()).isFalse();
    assertThat(located.hasRefs()).isFalse();

    byte[] notAnObject = "[1,2]".getBytes(StandardCharsets.UTF_8);
    assertThat(located.locate(notAnObject, 0, notAnObject.length)).isFalse();
    assertThat(located.hasResult()).isFalse();
  }
}
