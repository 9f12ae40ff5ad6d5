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
