package dev.spl.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spl.core.Json;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.tls.TlsTrust;
import dev.spl.core.worker.AttemptQuestion;
import dev.spl.core.worker.AttemptStanding;
import dev.spl.core.worker.WorkerAction;
import dev.spl.testing.Await;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The attempt fence's questions against a stand-in coordinator that answers every one current. */
class AttemptConfirmerTest {
  private static final String FANOUT = "f".repeat(64);

  private static WorkerAction.Confirm confirm(int index) {
    ChildIntent intent =
        new ChildIntent(
            "default",
            FANOUT,
            "th_parent",
            null,
            "did:sync:instance:worker",
            index,
            1,
            "goal " + index,
            null,
            null,
            null,
            List.of(),
            null);
    return new WorkerAction.Confirm("key-" + index, intent);
  }

  @Test
  void questionsAskedWhileARequestIsOnItsWayGoOutTogetherAndEachAskerHearsItsOwnAnswers()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> requestSizes = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/attempts/standing",
        exchange -> {
          AttemptQuestion question =
              AttemptQuestion.fromJson(Json.MAPPER.readTree(exchange.getRequestBody()));
          requestSizes.add(question.attempts().size());
          try {
            release.await(20, TimeUnit.SECONDS); // the first request waits until all are asked
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          List<AttemptQuestion.Answer> answers = new ArrayList<>();
          question
              .attempts()
              .forEach(
                  asked -> answers.add(new AttemptQuestion.Answer(asked, AttemptStanding.CURRENT)));
          byte[] body =
              Json.MAPPER
                  .writeValueAsString(AttemptQuestion.answerJson(answers))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    Map<String, AttemptStanding> heard = new ConcurrentHashMap<>();
    Map<Integer, List<String>> heardBy = new ConcurrentHashMap<>();
    try (AttemptConfirmer confirmer =
        new AttemptConfirmer("did:sync:instance:worker", 1L, null, url, TlsTrust.system())) {
      confirmer.ask(List.of(confirm(0)), answers -> record(0, answers, heard, heardBy));
      Await.until("the first question reached the coordinator", () -> requestSizes.size() == 1);
      confirmer.ask(List.of(confirm(1), confirm(2)), answers -> record(1, answers, heard, heardBy));
      confirmer.ask(List.of(confirm(3)), answers -> record(2, answers, heard, heardBy));
      release.countDown();

      Await.until("every attempt was answered", () -> heard.size() == 4);
      assertThat(requestSizes).containsExactly(1, 3);
      assertThat(heard).containsOnlyKeys("key-0", "key-1", "key-2", "key-3");
      assertThat(heard.values()).containsOnly(AttemptStanding.CURRENT);
      assertThat(heardBy.get(0)).containsExactly("key-0");
      assertThat(heardBy.get(1)).containsExactlyInAnyOrder("key-1", "key-2");
      assertThat(heardBy.get(2)).containsExactly("key-3");
    } finally {
      server.stop(0);
    }
  }

  private static void record(
      int asker,
      AttemptConfirmer.Answers answers,
      Map<String, AttemptStanding> heard,
      Map<Integer, List<String>> heardBy) {
    assertThat(answers.unanswered()).isEmpty();
    heardBy.put(asker, new ArrayList<>(answers.standings().keySet()));
    heard.putAll(answers.standings());
  }
}
