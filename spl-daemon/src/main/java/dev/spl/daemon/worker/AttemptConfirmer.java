package dev.spl.daemon.worker;

import dev.spl.core.Json;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.tls.TlsTrust;
import dev.spl.core.worker.AttemptQuestion;
import dev.spl.core.worker.AttemptStanding;
import dev.spl.core.worker.WorkerAction;
import dev.spl.daemon.outbox.RecordPoster;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a worker's coordinators whether the attempts the fold wants confirmed may run ({@code POST
 * /v1/attempts/standing}), off the worker's thread, in requests of at most {@link
 * AttemptQuestion#MAX_ATTEMPTS}; hands back what each answered and which attempts got no answer.
 */
final class AttemptConfirmer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptConfirmer.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** What came back for one batch: a standing per attempt key, and keys left unanswered. */
  record Answers(Map<String, AttemptStanding> standings, List<String> unanswered) {}

  private final String worker;
  private final long workerStartedAt;
  private final String defaultCoordinator;
  private final RecordPoster client;
  private final ExecutorService asker;
  private final ConcurrentLinkedQueue<Question> queued = new ConcurrentLinkedQueue<>();
  private int failuresInARow;
  private final AtomicLong attemptsAsked = new AtomicLong();

  /** {@code trust}: whom an HTTPS coordinator is checked against ({@code --tls-ca}). */
  AttemptConfirmer(
      String worker,
      long workerStartedAt,
      String token,
      String defaultCoordinator,
      TlsTrust trust) {
    this.worker = worker;
    this.workerStartedAt = workerStartedAt;
    this.defaultCoordinator = defaultCoordinator;
    this.asker = Executors.newSingleThreadExecutor(WorkerRuntime.daemonThread("spl-attempt-fence"));
    // The outbox's pooled client, not the JDK's: every question is on the path from a child's
    // INTEND to its start, and the JDK client hands each request to its selector thread and back.
    this.client = new RecordPoster(token, TIMEOUT, trust);
  }

  /**
   * Asks about {@code confirms} and calls {@code onAnswers} (on the asking thread) with the result.
   */
  void ask(List<WorkerAction.Confirm> confirms, Consumer<Answers> onAnswers) {
    queued.add(new Question(List.copyOf(confirms), onAnswers));
    try {
      asker.execute(this::askQueued);
    } catch (RejectedExecutionException closing) {
      // The worker is stopping: its attempts are asked about again after its restart.
    }
  }

  /** Attempts to ask about, with whom to tell, waiting for the asking thread. */
  private record Question(List<WorkerAction.Confirm> confirms, Consumer<Answers> onAnswers) {}

  /**
   * Asks about everything queued since the last request in one request (per coordinator, split at
   * {@link AttemptQuestion#MAX_ATTEMPTS}), then tells each asker its own answers. A worker with few
   * slots asks about a handful of attempts each time some start; while one request is on its way
   * those questions queue here and go out together instead of one round trip each.
   */
  private void askQueued() {
    List<Question> questions = new ArrayList<>();
    for (Question question = queued.poll(); question != null; question = queued.poll()) {
      questions.add(question);
    }
    if (questions.isEmpty()) {
      return; // an earlier run took them
    }
    List<WorkerAction.Confirm> all = new ArrayList<>();
    questions.forEach(question -> all.addAll(question.confirms()));
    Answers answers = askNow(all);
    if (questions.size() == 1) {
      questions.get(0).onAnswers().accept(answers);
      return;
    }
    Set<String> unanswered = new HashSet<>(answers.unanswered());
    for (Question question : questions) {
      Map<String, AttemptStanding> standings = new HashMap<>();
      List<String> left = new ArrayList<>();
      for (WorkerAction.Confirm confirm : question.confirms()) {
        AttemptStanding standing = answers.standings().get(confirm.key());
        if (standing != null) {
          standings.put(confirm.key(), standing);
        } else if (unanswered.contains(confirm.key())) {
          left.add(confirm.key());
        }
      }
      question.onAnswers().accept(new Answers(standings, left));
    }
  }

  private Answers askNow(List<WorkerAction.Confirm> confirms) {
    Map<String, List<WorkerAction.Confirm>> byCoordinator = new LinkedHashMap<>();
    for (WorkerAction.Confirm confirm : confirms) {
      ChildIntent intent = confirm.intent();
      String coordinator = intent.coordinator() != null ? intent.coordinator() : defaultCoordinator;
      byCoordinator.computeIfAbsent(coordinator, c -> new ArrayList<>()).add(confirm);
    }
    Map<String, AttemptStanding> standings = new HashMap<>();
    List<String> unanswered = new ArrayList<>();
    for (var entry : byCoordinator.entrySet()) {
      List<WorkerAction.Confirm> all = entry.getValue();
      for (int from = 0; from < all.size(); from += AttemptQuestion.MAX_ATTEMPTS) {
        List<WorkerAction.Confirm> batch =
            all.subList(from, Math.min(all.size(), from + AttemptQuestion.MAX_ATTEMPTS));
        try {
          standings.putAll(askOne(entry.getKey(), batch));
          if (failuresInARow > 0) {
            LOG.info("coordinator at {} answers about attempts again", entry.getKey());
          }
          failuresInARow = 0;
        } catch (IOException | RuntimeException e) {
          failuresInARow++;
          if (failuresInARow == 1 || failuresInARow % 20 == 0) {
            LOG.warn(
                "could not ask {} whether {} attempt(s) may run ({} failure(s) in a row); they"
                    + " wait and are asked about again: {}",
                entry.getKey(),
                batch.size(),
                failuresInARow,
                e.getMessage());
          }
        }
        for (WorkerAction.Confirm confirm : batch) {
          if (!standings.containsKey(confirm.key())) {
            unanswered.add(confirm.key());
          }
        }
      }
    }
    return new Answers(standings, unanswered);
  }

  /** How many attempts this worker has asked its coordinators about, since it started. */
  long attemptsAsked() {
    return attemptsAsked.get();
  }

  private Map<String, AttemptStanding> askOne(String coordinator, List<WorkerAction.Confirm> batch)
      throws IOException {
    attemptsAsked.addAndGet(batch.size());
    Map<AttemptQuestion.Asked, String> keys = new HashMap<>();
    List<AttemptQuestion.Asked> asked = new ArrayList<>(batch.size());
    for (WorkerAction.Confirm confirm : batch) {
      ChildIntent intent = confirm.intent();
      AttemptQuestion.Asked one =
          new AttemptQuestion.Asked(intent.fanout(), intent.index(), intent.attempt());
      keys.put(one, confirm.key());
      asked.add(one);
    }
    byte[] body =
        Json.MAPPER.writeValueAsBytes(new AttemptQuestion(worker, workerStartedAt, asked).toJson());
    RecordPoster.Answer response = client.postJson(coordinator, "/v1/attempts/standing", body);
    if (response.status() != 200) {
      throw new IOException(
          "expected HTTP 200 but the coordinator answered "
              + response.status()
              + ": "
              + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    Map<String, AttemptStanding> standings = new HashMap<>();
    for (AttemptQuestion.Answer answer :
        AttemptQuestion.answersFrom(Json.MAPPER.readTree(response.body()))) {
      String key = keys.get(answer.asked());
      if (key != null) {
        standings.put(key, answer.standing());
      }
    }
    return standings;
  }

  @Override
  public void close() {
    asker.shutdownNow();
    client.close();
  }
}
