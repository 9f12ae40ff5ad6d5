package dev.spl.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChildOutputTest {
  private static final String SHA = "ab".repeat(32);

  private static ChildDone done(ChildOutput output) {
    return new ChildDone(
        "ns",
        "f".repeat(64),
        3,
        2,
        "th_" + "1".repeat(64),
        "did:sync:instance:0000000000000001",
        Verdict.ACCEPT,
        BigDecimal.ZERO,
        0.5,
        "ok",
        1,
        2,
        null,
        0,
        null,
        output);
  }

  @Test
  void aResultAndItsReferencesTravelInTheResultBodyAndReadBack() {
    ChildOutput output =
        new ChildOutput(
            Json.parse("{\"count\": 4, \"tags\": [\"a\"]}"),
            List.of(new ChildOutput.Ref("did:sync:instance:0000000000000001", "a/b.txt", 9, SHA)));
    ObjectNode body = done(output).toBody();
    assertThat(body.path("result").toString()).isEqualTo("{\"count\":4,\"tags\":[\"a\"]}");
    assertThat(body.path("refs").get(0).path("path").asText()).isEqualTo("a/b.txt");
    ChildDone read = ChildDone.fromBody(body);
    assertThat(read.output()).isEqualTo(output);
    assertThat(ChildDone.fromBody(done(ChildOutput.NONE).toBody()).output())
        .isEqualTo(ChildOutput.NONE);
    assertThat(done(ChildOutput.NONE).toBody().has("result")).isFalse();
  }

  @Test
  void aResultOverTheLimitAndMalformedReferencesAreRefusedNamingTheField() {
    ObjectNode body = done(ChildOutput.NONE).toBody();
    body.put("result", "x".repeat(ChildOutput.MAX_RESULT_BYTES));
    assertThatThrownBy(() -> ChildDone.fromBody(body))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage("body.result: expected at most 65536 bytes of canonical JSON but found 65538");

    ObjectNode escaping = done(ChildOutput.NONE).toBody();
    escaping
        .putArray("refs")
        .addObject()
        .put("worker", "w")
        .put("path", "../etc/passwd")
        .put("size", 1)
        .put("sha256", SHA);
    assertThatThrownBy(() -> ChildDone.fromBody(escaping))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("body.refs[0].path: expected a relative path without empty, '.' or")
        .hasMessageContaining("'../etc/passwd'");

    ObjectNode badSha = done(ChildOutput.NONE).toBody();
    badSha
        .putArray("refs")
        .addObject()
        .put("worker", "w")
        .put("path", "a")
        .put("size", 1)
        .put("sha256", "XYZ");
    assertThatThrownBy(() -> ChildDone.fromBody(badSha))
        .hasMessage(
            "body.refs[0].sha256: expected 64 lowercase hex digits but found string \"XYZ\"");
  }
}
