package dev.spl.daemon;

import static dev.spl.daemon.FleetTestSupport.coordinatorConfig;
import static dev.spl.daemon.FleetTestSupport.fanOut;
import static dev.spl.daemon.FleetTestSupport.onParentThread;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.core.Act;
import dev.spl.core.Record;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.ChildDone;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.fanout.RetrySubtask;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hint of {@code spl task retry --hint} reaches the executor of the new attempt: a coordinator
 * and a real worker in one JVM, a child that finished once, retried with a hint.
 */
class RetryHintTest {
  private static final String HINT = "use the newer API";

  @TempDir Path dir;
  private final List<Daemon> daemons = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  private Daemon worker(Daemon coordinator, FleetSettings.ExecutorKind executor) {
    return start(
        DaemonConfig.builder(dir.resolve("worker-a"))
            .port(0)
            .durability(Durability.FAST)
            .fleet(
                FleetSettings.builder()
                    .worker("worker-a", coordinator.url())
                    .heartbeatInterval(FleetTestSupport.INTERVAL)
                    .executor(executor)
                    .echoDelay(Duration.ZERO)
                    .build())
            .build());
  }

  private static void awaitLiveWorker(Daemon coordinator) {
    FleetTestSupport.awaitLiveWorkers(coordinator, 1);
  }

  private static Optional<ChildDone> result(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int index, int attempt) {
    return onParentThread(coordinator, fanout, FanoutRecords.CHILD_DONE).stream()
        .map(stored -> ChildDone.fromBody(stored.record().body()))
        .filter(done -> done.index() == index && done.attempt() == attempt)
        .findFirst();
  }

  private static ChildDone awaitResult(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int index, int attempt) {
    Await.until(
        "attempt " + attempt + " of subtask " + index + " reported",
        () -> result(coordinator, fanout, index, attempt).isPresent());
    return result(coordinator, fanout, index, attempt).orElseThrow();
  }

  /**
   * Runs subtask 0 once, retries it with {@link #HINT} and returns both results. Subtask 1 targets
   * a worker that never comes, so the join stays open and the retry is allowed.
   */
  private List<ChildDone> runAndRetryWithHint(Daemon coordinator, Daemon worker) {
    awaitLiveWorker(coordinator);
    FleetTestSupport.FanoutHandle fanout =
        fanOut(
            coordinator,
            "docs",
            "all",
            List.of(
                "{\"goal\":\"say the hint\",\"run\":\"echo hint=${SPL_HINT-none}\"}",
                "{\"goal\":\"wait\",\"target\":\"worker-elsewhere\"}"));
    ChildDone first = awaitResult(coordinator, fanout, 0, 1);

    Record retry =
        new Record(
            fanout.thread(),
            FleetTestSupport.USER,
            Act.LEARN,
            new RetrySubtask("docs", fanout.id(), 0, 1, HINT, FanoutRecords.REASON_MANUAL, null)
                .toBody(),
            10,
            List.of());
    Http.Response response = FleetTestSupport.post(coordinator, retry);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    ChildDone second = awaitResult(coordinator, fanout, 0, 2);

    List<StoredRecord> intents = FleetTestSupport.childIntents(worker, fanout);
    assertThat(intents)
        .extracting(stored -> ChildIntent.fromBody(stored.record().body()))
        .extracting(ChildIntent::attempt, ChildIntent::hint, ChildIntent::worker)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(1, null, worker.did()),
            org.assertj.core.groups.Tuple.tuple(2, HINT, worker.did()));
    return List.of(first, second);
  }

  @Test
  void aShellChildSeesTheHintOfItsRetryInSplHint() {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    Daemon worker = worker(coordinator, FleetSettings.ExecutorKind.SHELL);

    List<ChildDone> results = runAndRetryWithHint(coordinator, worker);

    assertThat(results.get(0).summary()).isEqualTo("hint=none");
    assertThat(results.get(1).summary()).isEqualTo("hint=" + HINT);
    assertThat(results.get(1).verdict().wire()).isEqualTo("accept");
  }

  @Test
  void theEchoExecutorReportsTheHintOfARetry() {
    Daemon coordinator = start(coordinatorConfig(dir.resolve("coordinator")));
    Daemon worker = worker(coordinator, FleetSettings.ExecutorKind.ECHO);

    List<ChildDone> results = runAndRetryWithHint(coordinator, worker);

    // The subtask has a run command, which an echo worker says it did not execute.
    String notRun = " (run= not executed: this worker runs the echo executor)";
    assertThat(results.get(0).summary()).isEqualTo("echo: say the hint" + notRun);
    assertThat(results.get(1).summary())
        .isEqualTo("echo: say the hint (hint: " + HINT + ")" + notRun);
  }
}
