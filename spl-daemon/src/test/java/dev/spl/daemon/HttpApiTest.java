package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Act;
import dev.spl.core.StoredRecord;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.records.WriteGate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpApiTest {
  private static final String T1 = Records.thread("one");
  private static final String T2 = Records.thread("two");

  @TempDir Path home;
  private Daemon daemon;
  private Http http;

  @BeforeEach
  void start() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).maxRequestBytes(4096).build());
    http = new Http(daemon.url());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  @Test
  void postsOneRecordAndAnswersTheStoredForm() {
    Http.Response response = http.post("/v1/records", Records.json(T1, "INTEND", "task", 1));

    assertThat(response.status()).isEqualTo(201);
    JsonNode body = response.json();
    assertThat(body.path("object").asText()).isEqualTo("record");
    assertThat(body.path("id").asText()).matches("[0-9a-f]{64}");
    assertThat(body.path("seq").asLong()).isEqualTo(1);
    assertThat(body.path("received_at").asText()).endsWith("Z");
    assertThat(body.path("created").asBoolean()).isTrue();
    assertThat(body.path("thread").asText()).isEqualTo(T1);
    assertThat(body.path("body").path("topic").asText()).isEqualTo("task");
    assertThat(daemon.records().count()).isEqualTo(1);
  }

  @Test
  void aDuplicateIsAnsweredWith200AndTheExistingRecord() {
    String record = Records.json(T1, "INTEND", "task", 1);
    JsonNode first = http.post("/v1/records", record).json();

    Http.Response again = http.post("/v1/records", record);

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("created").asBoolean()).isFalse();
    assertThat(again.json().path("id").asText()).isEqualTo(first.path("id").asText());
    assertThat(again.json().path("seq").asLong()).isEqualTo(first.path("seq").asLong());
    assertThat(daemon.records().count()).isEqualTo(1);
  }

  @Test
  void postsABatchAsAnArrayOrAsRecordsObject() {
    Http.Response array =
        http.post(
            "/v1/records",
            "[" + Records.json(T1, "INTEND", "a", 1) + "," + Records.json(T1, "DO", "b", 2) + "]");
    Http.Response wrapped =
        http.post(
            "/v1/records",
            "{\"records\":["
                + Records.json(T1, "DO", "b", 2)
                + ","
                + Records.json(T2, "KNOW", "c", 3)
                + "]}");

    assertThat(array.status()).isEqualTo(201);
    assertThat(array.json().path("object").asText()).isEqualTo("list");
    assertThat(array.json().path("data")).hasSize(2);
    assertThat(wrapped.status()).isEqualTo(201);
    JsonNode data = wrapped.json().path("data");
    assertThat(data.get(0).path("created").asBoolean()).isFalse();
    assertThat(data.get(1).path("created").asBoolean()).isTrue();
    assertThat(data.get(1).path("seq").asLong()).isEqualTo(3);
    assertThat(daemon.records().count()).isEqualTo(3);
  }

  @Test
  void aMinimalAnswerCountsCreatedAndExistingRecordsWithoutEchoingThem() {
    String a = Records.json(T1, "INTEND", "a", 1);
    String b = Records.json(T1, "DO", "b", 2);
    http.post("/v1/records", a);

    Http.Response batch =
        http.post(
            "/v1/records", "[" + a + "," + b + "]", "Prefer", "respond-async, return=minimal");
    Http.Response again = http.post("/v1/records", b, "Prefer", "return=minimal");

    assertThat(batch.status()).isEqualTo(201);
    assertThat(batch.json().path("object").asText()).isEqualTo("append_summary");
    assertThat(batch.json().path("created").asInt()).isEqualTo(1);
    assertThat(batch.json().path("existing").asInt()).isEqualTo(1);
    assertThat(batch.json().has("data")).isFalse();
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("created").asInt()).isZero();
    assertThat(again.json().path("existing").asInt()).isEqualTo(1);
    assertThat(daemon.records().count()).isEqualTo(2);
  }

  @Test
  void getsARecordByIdAndAnswers404ForAnUnknownId() {
    String id =
        http.post("/v1/records", Records.json(T1, "INTEND", "a", 1)).json().path("id").asText();

    Http.Response found = http.get("/v1/records/" + id);
    Http.Response unknown = http.get("/v1/records/" + "0".repeat(64));
    Http.Response malformed = http.get("/v1/records/nope");

    assertThat(found.status()).isEqualTo(200);
    assertThat(found.json().path("id").asText()).isEqualTo(id);
    assertThat(found.json().path("seq").asLong()).isEqualTo(1);
    assertError(unknown, 404, "RECORD_NOT_FOUND", "0".repeat(64));
    assertError(malformed, 404, "RECORD_NOT_FOUND", "64 lowercase hex");
  }

  @Test
  void listsRecordsWithFiltersAndACursor() {
    http.post(
        "/v1/records",
        "["
            + Records.json(T1, "INTEND", "a", 1)
            + ","
            + Records.json(T2, "DO", "b", 2)
            + ","
            + Records.json(T1, "KNOW", "b", 3)
            + ","
            + Records.json(T1, "DO", "a", 4)
            + "]");

    JsonNode all = http.get("/v1/records").json();
    JsonNode byThread = http.get("/v1/records?thread=" + T1).json();
    JsonNode byTopic = http.get("/v1/records?topic=b").json();
    JsonNode byAct = http.get("/v1/records?act=DO").json();
    JsonNode firstPage = http.get("/v1/records?limit=2").json();
    JsonNode secondPage =
        http.get("/v1/records?limit=2&after=" + firstPage.path("next_after").asLong()).json();
    JsonNode empty = http.get("/v1/records?after=4").json();

    assertThat(all.path("object").asText()).isEqualTo("list");
    assertThat(seqs(all)).containsExactly(1L, 2L, 3L, 4L);
    assertThat(all.path("next_after").asLong()).isEqualTo(4);
    assertThat(seqs(byThread)).containsExactly(1L, 3L, 4L);
    assertThat(seqs(byTopic)).containsExactly(2L, 3L);
    assertThat(seqs(byAct)).containsExactly(2L, 4L);
    assertThat(seqs(firstPage)).containsExactly(1L, 2L);
    assertThat(firstPage.path("next_after").asLong()).isEqualTo(2);
    assertThat(seqs(secondPage)).containsExactly(3L, 4L);
    assertThat(seqs(empty)).isEmpty();
    assertThat(empty.path("next_after").asLong()).isEqualTo(4);
  }

  @Test
  void listsAThreadInAppendOrder() {
    http.post("/v1/records", Records.json(T1, "INTEND", "a", 1));
    http.post("/v1/records", Records.json(T2, "INTEND", "a", 1));
    http.post("/v1/records", Records.json(T1, "DO", "a", 2));

    Http.Response thread = http.get("/v1/threads/" + T1);
    Http.Response reserved = http.get("/v1/threads/th_fleet_control");

    assertThat(thread.status()).isEqualTo(200);
    assertThat(thread.json().path("thread").asText()).isEqualTo(T1);
    assertThat(seqs(thread.json())).containsExactly(1L, 3L);
    assertError(reserved, 404, "THREAD_NOT_FOUND", "th_fleet_control");
    assertError(http.get("/v1/threads/th_nothex"), 400, "INVALID_THREAD", "th_nothex");
  }

  @Test
  void findsATaskByAliasOrThreadWithoutItsThread() {
    http.post("/v1/records", Records.json(T1, "LEARN", "note", 1));
    http.post("/v1/records", task(T1, "nightly", 2));
    http.post("/v1/records", Records.json(T1, "DO", "task", 3));
    http.post("/v1/records", task(T2, null, 1));
    http.post("/v1/records", Records.json(T2, "INTEND", "other", 2));

    Http.Response byAlias = http.get("/v1/tasks/nightly");
    Http.Response byThread = http.get("/v1/tasks/" + T1);
    Http.Response withoutAlias = http.get("/v1/tasks/" + T2);

    assertThat(byAlias.status()).isEqualTo(200);
    assertThat(byAlias.json().path("object").asText()).isEqualTo("record");
    assertThat(byAlias.json().path("seq").asLong()).isEqualTo(2);
    assertThat(byAlias.json().path("body").path("alias").asText()).isEqualTo("nightly");
    assertThat(byThread.json().path("seq").asLong()).isEqualTo(2);
    assertThat(withoutAlias.json().path("seq").asLong()).isEqualTo(4);
    assertThat(withoutAlias.json().path("thread").asText()).isEqualTo(T2);
    assertError(http.get("/v1/tasks/weekly"), 404, "TASK_NOT_FOUND", "weekly");
    assertError(http.get("/v1/tasks/" + Records.thread("three")), 404, "TASK_NOT_FOUND", "th_");
    assertError(http.get("/v1/tasks/th_nothex"), 400, "INVALID_THREAD", "th_nothex");
    assertError(http.get("/v1/tasks/nightly?limit=1"), 400, "INVALID_PARAMETER", "limit");
  }

  private static String task(String thread, String alias, int clock) {
    return "{\"thread\":\""
        + thread
        + "\",\"actor\":\""
        + Records.ACTOR
        + "\",\"act\":\"INTEND\",\"body\":{\"topic\":\"task\",\"goal\":\"g\""
        + (alias == null ? "" : ",\"alias\":\"" + alias + "\"")
        + "},\"clock\":"
        + clock
        + "}";
  }

  @Test
  void healthReportsDidVersionUptimeAndCount() {
    http.post("/v1/records", Records.json(T1, "INTEND", "a", 1));

    Http.Response health = http.get("/health");

    assertThat(health.status()).isEqualTo(200);
    JsonNode body = health.json();
    assertThat(body.path("status").asText()).isEqualTo("ok");
    assertThat(body.path("did").asText())
        .isEqualTo(daemon.did())
        .matches("did:sync:instance:[0-9a-f]{16}");
    assertThat(body.path("version").asText()).isEqualTo(Daemon.VERSION).isNotEqualTo("unknown");
    assertThat(body.path("uptime_secs").isIntegralNumber()).isTrue();
    assertThat(body.path("records").asLong()).isEqualTo(1);
  }

  @Test
  void unknownRoutesAndMethodsGetTheEnvelope() {
    assertError(http.get("/v1/nothing"), 404, "ROUTE_NOT_FOUND", "/v1/nothing");
    assertError(http.method("DELETE", "/v1/records"), 405, "METHOD_NOT_ALLOWED", "DELETE");
  }

  static Stream<Arguments> badRecords() {
    String good = Records.json(T1, "INTEND", "a", 1);
    return Stream.of(
        Arguments.of("malformed JSON", "{\"thread\":", "MALFORMED_JSON", "not valid JSON"),
        Arguments.of("trailing garbage", good + " x", "MALFORMED_JSON", "not valid JSON"),
        Arguments.of("empty request", "", "MALFORMED_JSON", "empty"),
        Arguments.of(
            "huge exponent",
            good.replace("\"n\":1}", "\"n\":1234567e901234567890}"),
            "MALFORMED_JSON",
            "number out of range: expected a number whose exponent is within +-2147483647 but"
                + " found 1234567e901234567890"),
        Arguments.of(
            "huge negative exponent in a batch",
            "[" + good.replace("\"n\":1}", "\"n\":-1.5e-2147483649}") + "]",
            "MALFORMED_JSON",
            "number out of range"),
        Arguments.of(
            "exponent beyond a double",
            good.replace("\"n\":1}", "\"n\":1e999999999}"),
            "INVALID_RECORD",
            "within the range of IEEE-754 doubles"),
        Arguments.of("request is a string", "\"hello\"", "INVALID_REQUEST", "a string"),
        Arguments.of("records is not an array", "{\"records\":3}", "INVALID_REQUEST", "records"),
        Arguments.of("empty batch", "[]", "INVALID_REQUEST", "empty"),
        Arguments.of(
            "missing thread",
            good.replace("\"thread\":\"" + T1 + "\",", ""),
            "INVALID_RECORD",
            "thread: required"),
        Arguments.of(
            "missing actor",
            good.replace("\"actor\":\"" + Records.ACTOR + "\",", ""),
            "INVALID_RECORD",
            "actor: required"),
        Arguments.of(
            "missing body", good.replaceAll(",\"body\":\\{[^}]*\\}", ""), "INVALID_RECORD", "body"),
        Arguments.of(
            "mistyped clock",
            good.replace("\"clock\":1", "\"clock\":\"one\""),
            "INVALID_RECORD",
            "clock"),
        Arguments.of(
            "negative clock",
            good.replace("\"clock\":1", "\"clock\":-1"),
            "INVALID_RECORD",
            "clock"),
        Arguments.of("mistyped act", good.replace("\"INTEND\"", "7"), "INVALID_RECORD", "act"),
        Arguments.of("unknown act", good.replace("INTEND", "WISH"), "INVALID_RECORD", "'WISH'"),
        Arguments.of(
            "bad thread id",
            good.replace(T1, "th_1234"),
            "INVALID_RECORD",
            "thread: expected 'th_'"),
        Arguments.of(
            "uppercase thread id", good.replace(T1, T1.toUpperCase()), "INVALID_RECORD", "thread"),
        Arguments.of(
            "bad actor", good.replace(Records.ACTOR, "bob"), "INVALID_RECORD", "actor: expected"),
        Arguments.of(
            "body is an array",
            good.replaceAll("\"body\":\\{[^}]*\\}", "\"body\":[1]"),
            "INVALID_RECORD",
            "body: expected a JSON object"),
        Arguments.of(
            "body is a string",
            good.replaceAll("\"body\":\\{[^}]*\\}", "\"body\":\"x\""),
            "INVALID_RECORD",
            "body: expected a JSON object"),
        Arguments.of(
            "parents not ids",
            good.replace("\"clock\":1", "\"clock\":1,\"parents\":[\"x\"]"),
            "INVALID_RECORD",
            "parents"),
        Arguments.of(
            "unknown field",
            good.replace("\"clock\":1", "\"clock\":1,\"colour\":1"),
            "INVALID_RECORD",
            "colour"),
        Arguments.of(
            "wrong id",
            good.replace("\"clock\":1", "\"clock\":1,\"id\":\"" + "a".repeat(64) + "\""),
            "INVALID_RECORD",
            "id"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRecords")
  void refusesBadInputAndStoresNothing(String name, String body, String code, String named) {
    Http.Response response = http.post("/v1/records", body);

    assertError(response, 400, code, named);
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aBatchWithOneBadRecordStoresNoneAndNamesItsIndex() {
    String batch =
        "["
            + Records.json(T1, "INTEND", "a", 1)
            + ","
            + Records.json(T1, "DO", "a", 2)
            + ","
            + Records.json(T1, "WISH", "a", 3)
            + "]";

    Http.Response response = http.post("/v1/records", batch);

    assertError(response, 400, "INVALID_RECORD", "records[2]");
    assertThat(response.json().path("message").asText()).contains("WISH");
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aRefusalByTheWriteGateStoresNoneOfTheBatch() {
    daemon
        .records()
        .writeGate(
            record ->
                record.act() == Act.DO
                    ? Optional.of(
                        new WriteGate.Refusal(403, "NAMESPACE_FROZEN", "namespace x is frozen"))
                    : Optional.empty());

    Http.Response response =
        http.post(
            "/v1/records",
            "[" + Records.json(T1, "INTEND", "a", 1) + "," + Records.json(T1, "DO", "a", 2) + "]");

    assertError(response, 403, "NAMESPACE_FROZEN", "records[1]: namespace x is frozen");
    assertThat(response.json().path("type").asText()).isEqualTo("forbidden");
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void aFailingGateIsA500WithoutInternals() {
    daemon
        .records()
        .writeGate(
            record -> {
              throw new IllegalStateException("secret internal detail");
            });

    Http.Response response = http.post("/v1/records", Records.json(T1, "INTEND", "a", 1));

    assertError(response, 500, "INTERNAL", "daemon log");
    assertThat(response.text()).doesNotContain("secret").doesNotContain("IllegalStateException");
    assertThat(daemon.records().count()).isZero();
  }

  @Test
  void anOversizedRequestIs413AndStoresNothing() {
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 40; i++) {
      batch.append(i == 0 ? "" : ",").append(Records.json(T1, "DO", "a", i));
    }
    String body = batch.append("]").toString();
    assertThat(body.length()).isGreaterThan(4096);

    assertError(http.post("/v1/records", body), 413, "REQUEST_TOO_LARGE", "4096 bytes");
    assertError(http.postChunked("/v1/records", body), 413, "REQUEST_TOO_LARGE", "4096 bytes");
    assertThat(daemon.records().count()).isZero();
    assertThat(http.post("/v1/records", Records.json(T1, "DO", "a", 1)).status()).isEqualTo(201);
  }

  static Stream<Arguments> badQueries() {
    return Stream.of(
        Arguments.of("/v1/records?limit=0", "limit"),
        Arguments.of("/v1/records?limit=10001", "limit"),
        Arguments.of("/v1/records?limit=ten", "limit"),
        Arguments.of("/v1/records?after=-1", "after"),
        Arguments.of("/v1/records?after=x", "after"),
        Arguments.of("/v1/records?act=WISH", "WISH"),
        Arguments.of("/v1/records?thread=th_1", "th_1"),
        Arguments.of("/v1/records?topic=", "topic"),
        Arguments.of("/v1/records?colour=red", "colour"),
        Arguments.of("/v1/records?limit=1&limit=2", "limit"),
        Arguments.of("/v1/threads/" + T1 + "?limit=0", "limit"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badQueries")
  void refusesBadQueryParameters(String path, String named) {
    assertError(http.get(path), 400, "INVALID_PARAMETER", named);
  }

  @Test
  void listenersHearOfCreatedRecordsOnly() {
    List<Long> heard = new ArrayList<>();
    Runnable unsubscribe =
        daemon
            .records()
            .subscribe(created -> created.stream().map(StoredRecord::seq).forEach(heard::add));
    String record = Records.json(T1, "INTEND", "a", 1);

    http.post("/v1/records", record);
    http.post("/v1/records", "[" + record + "," + Records.json(T1, "DO", "a", 2) + "]");
    http.post("/v1/records", Records.json(T1, "WISH", "a", 3));
    unsubscribe.run();
    http.post("/v1/records", Records.json(T1, "DO", "a", 4));

    assertThat(heard).containsExactly(1L, 2L);
  }

  static void assertError(Http.Response response, int status, String code, String named) {
    assertThat(response.status()).as(response.text()).isEqualTo(status);
    JsonNode body = response.json();
    assertThat(body.path("object").asText()).isEqualTo("error");
    assertThat(body.path("type").asText()).isNotEmpty();
    assertThat(body.path("code").asText()).isEqualTo(code);
    assertThat(body.path("message").asText()).contains(named);
  }

  private static List<Long> seqs(JsonNode list) {
    List<Long> out = new ArrayList<>();
    list.path("data").forEach(r -> out.add(r.path("seq").asLong()));
    return out;
  }
}
