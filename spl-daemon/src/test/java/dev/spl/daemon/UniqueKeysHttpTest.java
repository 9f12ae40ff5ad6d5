package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.daemon.config.DaemonConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One task per alias, decided by the daemon's store: the second writer gets 409 CONFLICT. */
class UniqueKeysHttpTest {
  private static final String T1 = Records.thread("one");
  private static final String T2 = Records.thread("two");

  @TempDir Path home;
  private Daemon daemon;
  private Http http;

  @BeforeEach
  void start() {
    daemon = Daemon.start(DaemonConfig.builder(home).port(0).build());
    http = new Http(daemon.url());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private static String task(String thread, String alias) {
    return "{\"thread\":\""
        + thread
        + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"INTEND\",\"body\":{\"topic\":\"task\","
        + "\"title\":\"t\",\"alias\":\""
        + alias
        + "\"}}";
  }

  @Test
  void aSecondTaskWithTheAliasIsAConflictNamingTheFirstAndASendAgainIsANoOp() {
    Http.Response first = http.post("/v1/records", task(T1, "docs"));
    assertThat(first.status()).isEqualTo(201);
    String firstId = first.json().path("id").asText();

    Http.Response second = http.post("/v1/records", task(T2, "docs"));

    assertThat(second.status()).as(second.text()).isEqualTo(409);
    JsonNode error = second.json();
    assertThat(error.path("type").asText()).isEqualTo("conflict");
    assertThat(error.path("code").asText()).isEqualTo("CONFLICT");
    assertThat(error.path("key").asText()).isEqualTo("alias:docs");
    assertThat(error.path("held_by").asText()).isEqualTo(firstId);
    assertThat(error.path("message").asText())
        .contains("the task alias 'docs' is already held by record " + firstId);
    assertThat(daemon.records().count()).isEqualTo(1);

    Http.Response again = http.post("/v1/records", task(T1, "docs"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("created").asBoolean()).isFalse();
  }

  private static String fanout(String thread, String replaces, int n) {
    return "{\"thread\":\""
        + thread
        + "\",\"actor\":\"did:sync:user:ana\",\"act\":\"INTEND\",\"clock\":"
        + n
        + ",\"parents\":[\""
        + "a".repeat(64)
        + "\"],\"body\":{\"topic\":\"fanout\",\"namespace\":\"default\",\"join\":\"all\","
        + "\"subtask_count\":1,\"chunks\":[\""
        + "a".repeat(64)
        + "\"],\"max_attempts\":3,"
        + (replaces == null ? "" : "\"replaces\":\"" + replaces + "\",")
        + "\"created_at\":"
        + n
        + "}}";
  }

  @Test
  void ofTwoConcurrentReplacementsOfAFanOutExactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int trial = 0; trial < 10; trial++) {
        String thread = Records.thread("replace-" + trial);
        Http.Response current = http.post("/v1/records", fanout(thread, null, 1));
        assertThat(current.status()).as(current.text()).isEqualTo(201);
        String currentId = current.json().path("id").asText();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Http.Response>> answers = new ArrayList<>();
        for (int writer = 0; writer < 2; writer++) {
          String body = fanout(thread, currentId, 10 + writer);
          answers.add(
              pool.submit(
                  () -> {
                    go.await();
                    return http.post("/v1/records", body);
                  }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Http.Response> answer : answers) {
          statuses.add(answer.get(30, TimeUnit.SECONDS).status());
        }
        assertThat(statuses).as("trial %d", trial).containsExactlyInAnyOrder(201, 409);
        // A replacement naming a fan-out that no longer holds the task is refused too.
        Http.Response stale = http.post("/v1/records", fanout(thread, currentId, 20));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().path("replaces").asText()).isEqualTo(currentId);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchWithAConflictStoresNothingAndNamesTheIndex() {
    http.post("/v1/records", task(T1, "docs"));

    Http.Response batch =
        http.post(
            "/v1/records",
            "[" + Records.json(T2, "LEARN", "note", 1) + "," + task(T2, "docs") + "]");

    assertThat(batch.status()).as(batch.text()).isEqualTo(409);
    assertThat(batch.json().path("message").asText()).startsWith("records[1]: ");
    assertThat(daemon.records().count()).isEqualTo(1);
  }
}
