package dev.spl.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ClientJson must give the trees and the text that the shared mapper gives. */
class ClientJsonTest {
  private static final List<String> DOCUMENTS =
      List.of(
          "{}",
          "[]",
          "null",
          "true",
          "\"text\"",
          "0",
          "-1",
          "2147483647",
          "2147483648",
          "-9223372036854775808",
          "9223372036854775808",
          "123456789012345678901234567890",
          "1.5",
          "1.50",
          "100.000",
          "0.0",
          "-0.0",
          "1e3",
          "1E-7",
          "2.5e+10",
          "0.1000000000000000055511151231257827",
          "{\"b\":1,\"a\":[1,2,{\"c\":null}],\"d\":{}}",
          "{\"unicode\":\"h\\u00e9llo \\ud83d\\ude00 \u00fc\",\"esc\":\"a\\\"b\\\\c\\n\\t\\u0001\"}",
          "[[[[1]]],[],{},\"\",false]",
          " {\"spaced\" : [ 1 , 2 ] } ",
          "{\"object\":\"list\",\"data\":[{\"seq\":1,\"id\":\"ab\",\"act\":\"DO\",\"body\":"
              + "{\"topic\":\"t\",\"n\":1.25},\"clock\":0,\"parents\":[]}],\"next_after\":1}");

  @Test
  void readsTheTreesTheMapperReads() throws IOException {
    for (String document : DOCUMENTS) {
      JsonNode expected = Json.MAPPER.readTree(document);
      JsonNode actual = ClientJson.read(document.getBytes(StandardCharsets.UTF_8));
      assertThat(actual).as(document).isEqualTo(expected);
      assertThat(actual.getNodeType()).as(document).isEqualTo(expected.getNodeType());
      if (expected.isNumber()) {
        assertThat(actual.numberType()).as(document).isEqualTo(expected.numberType());
        assertThat(actual.asText()).as(document).isEqualTo(expected.asText());
      }
    }
  }

  @Test
  void writesTheTextTheMapperWrites() throws IOException {
    for (String document : DOCUMENTS) {
      JsonNode tree = Json.MAPPER.readTree(document);
      assertThat(ClientJson.pretty(tree))
          .as(document)
          .isEqualTo(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
      assertThat(ClientJson.bytes(tree))
          .as(document)
          .isEqualTo(Json.MAPPER.writeValueAsBytes(tree));
    }
  }

  @Test
  void aKeyGivenTwiceIsRefusedAsByTheMapper() {
    String document = "{\"k\":1,\"j\":{\"k\":2,\"k\":3}}";

    assertThatThrownBy(() -> Json.MAPPER.readTree(document)).hasMessageContaining("'k'");
    assertThatThrownBy(() -> ClientJson.read(document.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Duplicate field 'k'");
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAF, '"'};

    assertThatThrownBy(() -> ClientJson.read(overlong))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected UTF-8 but found the invalid byte sequence C0");
    assertThatThrownBy(() -> ClientJson.read("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE)))
        .hasMessageContaining("expected UTF-8 but found a zero byte");
  }

  @Test
  void emptyInputIsAMissingNodeAsWithTheMapper() throws IOException {
    assertThat(ClientJson.read(new byte[0]).isMissingNode()).isTrue();
    assertThat(ClientJson.read(" \n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(Json.MAPPER.readTree(" \n"));
  }

  @Test
  void refusesWhatTheMapperRefuses() {
    for (String bad :
        List.of(
            "{\"a\":1} x",
            "{\"a\":1}{}",
            "[1,2",
            "{\"a\":}",
            "nope",
            "[".repeat(70) + "]".repeat(70))) {
      assertThatThrownBy(() -> Json.MAPPER.readTree(bad)).as(bad).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> ClientJson.read(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void streamArrayHandsOverEachElementAsTheTreeReadGivesAndReturnsTheOtherFields()
      throws IOException {
    String answer =
        "{\"object\":\"list\",\"data\":[{\"index\":0,\"result\":1.50},{\"index\":1},[2]],"
            + "\"next_after\":1,\"has_more\":false}";
    List<JsonNode> elements = new java.util.ArrayList<>();

    JsonNode rest =
        ClientJson.streamArray(
            new java.io.ByteArrayInputStream(answer.getBytes(StandardCharsets.UTF_8)),
            "data",
            elements::add);

    assertThat(elements)
        .containsExactly(
            ClientJson.read("{\"index\":0,\"result\":1.50}".getBytes(StandardCharsets.UTF_8)),
            ClientJson.read("{\"index\":1}".getBytes(StandardCharsets.UTF_8)),
            ClientJson.read("[2]".getBytes(StandardCharsets.UTF_8)));
    assertThat(rest.toString())
        .isEqualTo("{\"object\":\"list\",\"next_after\":1,\"has_more\":false}");
  }

  @Test
  void streamArrayRefusesAKeyGivenTwiceInAnElementAndTrailingText() {
    assertThatThrownBy(
            () ->
                ClientJson.streamArray(
                    new java.io.ByteArrayInputStream(
                        "{\"data\":[{\"a\":1,\"a\":2}]}".getBytes(StandardCharsets.UTF_8)),
                    "data",
                    element -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Duplicate field 'a'");
    assertThatThrownBy(
            () ->
                ClientJson.streamArray(
                    new java.io.ByteArrayInputStream(
                        "{\"data\":[]} {}".getBytes(StandardCharsets.UTF_8)),
                    "data",
                    element -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("trailing");
  }
}
