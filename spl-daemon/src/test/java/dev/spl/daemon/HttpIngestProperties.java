package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.RecordIds;
import dev.spl.core.RecordJson;
import dev.spl.daemon.config.DaemonConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated requests to {@code POST /v1/records} of one in-process daemon: never a 500; a refusal
 * stores nothing; an accepted record reads back with the id of its canonical form, and posting that
 * canonical form again finds the same record.
 */
class HttpIngestProperties {
  private static Path home;
  private static Daemon daemon;
  private static Http http;

  @BeforeContainer
  static void start() throws IOException {
    home = Files.createTempDirectory("http-ingest");
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).maxRequestBytes(8192).build());
    http = new Http(daemon.url());
  }

  @AfterContainer
  static void stop() throws IOException {
    daemon.close();
    try (Stream<Path> files = Files.walk(home)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  private static Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "0",
            "-0.0",
            "56.0",
            "1e30",
            "333333333.33333329",
            "5e-324",
            "1e-400",
            "1e999999999",
            "9007199254740993",
            "1e20",
            "\"a\\ud800\"",
            "\"\\ud83d\\ude00\"",
            "\"x\"",
            "null",
            "true",
            "[1,[2]]",
            "{\"k\":1,\"k\":2}",
            "{\"k\":{\"j\":0.1}}",
            "\"\\u0000\""),
        Arbitraries.integers().map(n -> Integer.toString(n)),
        Arbitraries.doubles().map(d -> Double.toString(d)));
  }

  @Provide
  Arbitrary<String> requests() {
    Arbitrary<String> threads =
        Arbitraries.of(
            Records.thread("fuzz"),
            "th_fleet_control",
            "th_instance_registry",
            "th_engine_config",
            "th_nope");
    Arbitrary<String> acts = Arbitraries.of("INTEND", "DO", "KNOW", "LEARN", "CALL", "SHOUT");
    Arbitrary<String> topics =
        Arbitraries.of("task", "freeze", "heartbeat", "permission_rule", "emergency_stop", "x");
    Arbitrary<String> keys = Arbitraries.of("a", "b", "level", "namespace", "name", "active");
    Arbitrary<List<String>> bodies =
        Combinators.combine(keys, values())
            .as((key, value) -> "\"" + key + "\":" + value)
            .list()
            .ofMaxSize(4);
    Arbitrary<String> clocks = Arbitraries.of("0", "1", "-1", "1.5", "9007199254740993");
    Arbitrary<String> records =
        Combinators.combine(threads, acts, topics, bodies, clocks)
            .as(
                (thread, act, topic, fields, clock) ->
                    "{\"thread\":\""
                        + thread
                        + "\",\"actor\":\"did:sync:user:fuzz\",\"act\":\""
                        + act
                        + "\",\"clock\":"
                        + clock
                        + ",\"body\":{\"topic\":\""
                        + topic
                        + "\""
                        + (fields.isEmpty() ? "" : "," + String.join(",", fields))
                        + "}}");
    Arbitrary<String> batches =
        records.list().ofMinSize(1).ofMaxSize(3).map(list -> "[" + String.join(",", list) + "]");
    return Arbitraries.oneOf(records, batches);
  }

  private static void assertHandled(Http.Response response, long countBefore) {
    assertThat(response.status()).as(response.text()).isIn(200, 201, 400, 413);
    JsonNode answer = response.json();
    if (response.status() >= 400) {
      assertThat(answer.path("object").asText()).isEqualTo("error");
      assertThat(daemon.records().count()).as("a refusal stores nothing").isEqualTo(countBefore);
      return;
    }
    List<JsonNode> stored =
        answer.path("object").asText().equals("list")
            ? Stream.of(answer.path("data")).flatMap(data -> data.valueStream()).toList()
            : List.of(answer);
    for (JsonNode record : stored) {
      String id = record.path("id").asText();
      JsonNode fetched = http.get("/v1/records/" + id).json();
      assertThat(fetched.path("id").asText()).isEqualTo(id);
      ObjectNode copy = fetched.deepCopy();
      copy.remove("object");
      var parsed = RecordJson.parseStored(copy);
      assertThat(parsed.record().id()).isEqualTo(id);
      String canonical = CanonicalJson.string(RecordIds.contentOf(parsed.record()));
      Http.Response again = http.post("/v1/records", canonical);
      assertThat(again.status()).as(again.text()).isEqualTo(200);
      assertThat(again.json().path("id").asText()).isEqualTo(id);
    }
  }

  @Property(tries = 150)
  void generatedRecordsNeverFailTheDaemon(@ForAll("requests") String body) {
    long before = daemon.records().count();
    assertHandled(http.post("/v1/records", body), before);
  }

  @Property(tries = 150)
  void arbitraryBytesNeverFailTheDaemon(@ForAll byte[] body) {
    long before = daemon.records().count();
    assertHandled(http.post("/v1/records", body), before);
  }

  @Property(tries = 100)
  void mangledRecordsNeverFailTheDaemon(
      @ForAll("requests") String body, @ForAll List<Integer> changes) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int change : changes) {
      bytes[Math.floorMod(change, bytes.length)] = (byte) (change >> 8);
    }
    long before = daemon.records().count();
    assertHandled(http.post("/v1/records", bytes), before);
  }
}
