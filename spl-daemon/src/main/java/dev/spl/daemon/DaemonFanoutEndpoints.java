package dev.spl.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Actors;
import dev.spl.core.AppendResult;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.fanout.Fanin;
import dev.spl.core.fanout.Fanouts;
import dev.spl.core.fanout.InvalidFanoutException;
import dev.spl.core.fanout.JoinStatus;
import dev.spl.core.fleet.InstanceView;
import dev.spl.core.worker.AttemptFence;
import dev.spl.core.worker.AttemptQuestion;
import dev.spl.daemon.coordinator.FanoutReads;
import dev.spl.daemon.coordinator.Reconciler;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.http.ApiException;
import dev.spl.daemon.http.FanoutEndpoints;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The fan-out routes of the coordinator: {@link FanoutReads} run on the reconciler's loop, turned
 * into the JSON of docs/api.md here, off the loop; task aliases and worker aliases are added from
 * the task's genesis record and the instance registry.
 */
final class DaemonFanoutEndpoints implements FanoutEndpoints {
  static final long READ_TIMEOUT_SECONDS = 10;

  /** The topic of a task's genesis INTEND (docs/records.md, "Tasks"), which holds its alias. */
  static final String TASK_TOPIC = "task";

  private final Daemon daemon;
  private final FleetRegistry fleet;
  // A task's genesis is its thread's first task INTEND and never changes: looked up once.
  private final Map<String, String> aliasByThread = new ConcurrentHashMap<>();

  DaemonFanoutEndpoints(Daemon daemon, FleetRegistry fleet) {
    this.daemon = daemon;
    this.fleet = fleet;
  }

  @Override
  public ObjectNode list(String thread, String status, int limit) {
    FanoutReads.Filter filter =
        switch (status) {
          case "open" -> FanoutReads.Filter.OPEN;
          case "complete" -> FanoutReads.Filter.COMPLETE;
          default -> FanoutReads.Filter.ALL;
        };
    Reconciler loop = reconciler();
    FanoutReads.Listing listing =
        onLoop(loop, FanoutReads.list(thread, filter, limit, running().context().spawnPolicy()));
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "list");
    node.put("epoch", loop.epoch());
    node.put("open", listing.open());
    node.put("total", listing.total());
    ArrayNode data = node.putArray("data");
    for (FanoutReads.Summary summary : listing.fanouts()) {
      data.add(summaryJson(summary));
    }
    return node;
  }

  @Override
  public ObjectNode fanout(String id) {
    Reconciler loop = reconciler();
    FanoutReads.SummaryWithStates read =
        onLoop(loop, FanoutReads.summaryWithStates(id, running().context().spawnPolicy()))
            .orElseThrow(() -> notFound(id));
    FanoutReads.Summary summary = read.summary();
    ObjectNode node = summaryJson(summary);
    node.put("epoch", loop.epoch());
    ObjectNode byState = node.putObject("by_state");
    read.byState().forEach(byState::put);
    ObjectNode counters = node.putObject("counters");
    counters.put("n", summary.width());
    counters.put("completed", summary.completed());
    counters.put("accepted", summary.accepted());
    counters.put("failed", summary.failed());
    counters.put("active", summary.running());
    return node;
  }

  @Override
  public ObjectNode speedup(String id, Double measuredSerialWallSecs) {
    Reconciler loop = reconciler();
    java.util.Map<String, Integer> slots = new java.util.HashMap<>();
    for (dev.spl.core.fleet.InstanceView instance : fleet.instances()) {
      slots.put(instance.did(), instance.slots());
    }
    return onLoop(
            loop,
            fanouts ->
                fanouts
                    .get(id)
                    .map(
                        state ->
                            dev.spl.core.fanout.SpeedupReport.of(
                                state, slots, measuredSerialWallSecs)))
        .orElseThrow(() -> notFound(id))
        .toJson();
  }

  @Override
  public ObjectNode children(
      String id, int afterIndex, long changedAfter, int limit, int summaryChars) {
    Reconciler loop = reconciler();
    FanoutReads.Children page =
        onLoop(
                loop,
                FanoutReads.children(
                    id, afterIndex, changedAfter, limit, running().context().spawnPolicy()))
            .orElseThrow(() -> notFound(id));
    Map<String, String> workerAliases = workerAliases();
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "list");
    node.put("fanout", id);
    node.put("epoch", loop.epoch());
    node.put("version", page.version());
    node.set("summary", summaryJson(page.fanout()));
    ArrayNode data = node.putArray("data");
    for (FanoutReads.Row row : page.rows()) {
      data.add(rowJson(row, workerAliases, summaryChars));
    }
    int last =
        page.rows().isEmpty()
            ? afterIndex
            : page.rows().get(page.rows().size() - 1).status().index();
    node.put("next_after", last);
    node.put("has_more", page.hasMore());
    return node;
  }

  @Override
  public StreamedJson results(
      String id, int afterIndex, int limit, java.util.Set<String> states, boolean lines) {
    Reconciler loop = reconciler();
    FanoutReads.Results page =
        onLoop(
                loop,
                FanoutReads.results(
                    id, afterIndex, limit, states, running().context().spawnPolicy()))
            .orElseThrow(() -> notFound(id));
    long epoch = loop.epoch();
    ObjectNode summary = summaryJson(page.fanout());
    dev.spl.core.RecordStore store = running().records().store();
    int nextAfter =
        page.rows().isEmpty() ? afterIndex : page.rows().get(page.rows().size() - 1).index();
    return out -> {
      out.writeStartObject();
      out.writeStringField("object", "list");
      out.writeStringField("fanout", id);
      out.writeNumberField("epoch", epoch);
      out.writeFieldName("summary");
      out.writeTree(summary);
      if (lines) {
        // The page's place first, so a reader knows where to go on before the rows stream past.
        out.writeNumberField("next_after", nextAfter);
        out.writeBooleanField("has_more", page.hasMore());
        out.writeNumberField("rows", page.rows().size());
        out.writeEndObject();
        out.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
      } else {
        out.writeArrayFieldStart("data");
      }
      // Off the loop, a slice of rows at a time: the records that gave them their verdicts in one
      // read of the store each, written out before the next slice is read, so the client parses
      // one slice while the next is read and only one slice's records are held. Each result is
      // copied from its record's stored bytes, never decoded and encoded again.
      List<FanoutReads.ResultRow> rows = page.rows();
      ResultSlice slice = new ResultSlice(id, Math.min(rows.size(), RESULTS_READ_AT_ONCE));
      for (int from = 0; from < rows.size(); from += RESULTS_READ_AT_ONCE) {
        slice.read(store, rows.subList(from, Math.min(rows.size(), from + RESULTS_READ_AT_ONCE)));
        slice.write(out);
      }
      if (lines) {
        out.writeRaw('\n');
      } else {
        out.writeEndArray();
        out.writeNumberField("next_after", nextAfter);
        out.writeBooleanField("has_more", page.hasMore());
        out.writeEndObject();
      }
    };
  }

  /** Rows of a results page read from the store together. */
  static final int RESULTS_READ_AT_ONCE = 1_000;

  /**
   * One slice of a results page: its rows and their {@code fanout_child_done} records' bytes, read
   * by one walk of the store's index of child results over the slice's indexes (sequential, where
   * reads by seq land all over the log), keeping for each row the record whose seq the fold
   * accepted; what the index does not hold (a store without one) is read by seq.
   */
  private static final class ResultSlice implements dev.spl.core.RecordStore.ChildResultSink {
    private final String fanout;
    private final long[] seqs;
    // A row's result and references from the index, or its whole record read by seq.
    private final byte[][] parts;
    private final byte[][] values;
    private final int[] offsets;
    private final int[] lengths;
    private final dev.spl.daemon.coordinator.ChildResultBytes located =
        new dev.spl.daemon.coordinator.ChildResultBytes();
    private List<FanoutReads.ResultRow> rows = List.of();
    // The row the index walk is at: entries come in index order, as the rows do.
    private int cursor;

    ResultSlice(String fanout, int size) {
      this.fanout = fanout;
      seqs = new long[size];
      parts = new byte[size][];
      values = new byte[size][];
      offsets = new int[size];
      lengths = new int[size];
    }

    void read(dev.spl.core.RecordStore store, List<FanoutReads.ResultRow> rows) {
      this.rows = rows;
      java.util.Arrays.fill(values, null);
      java.util.Arrays.fill(parts, null);
      int withResult = 0;
      for (int i = 0; i < rows.size(); i++) {
        seqs[i] = rows.get(i).resultSeq();
        withResult += seqs[i] > 0 ? 1 : 0;
      }
      if (withResult == 0) {
        return;
      }
      int first = rows.get(0).index();
      int last = rows.get(rows.size() - 1).index();
      // A sparse slice (a few children of one state among many) is cheaper by seq than by walking
      // every child between its first and last.
      boolean dense = (long) last - first + 1 <= 2L * rows.size();
      cursor = 0;
      if (dense) {
        store.childResults(fanout, first, last, this);
      }
      int missing = 0;
      for (int i = 0; i < rows.size(); i++) {
        missing += seqs[i] > 0 && parts[i] == null ? 1 : 0;
      }
      if (missing == 0) {
        return;
      }
      long[] wanted = new long[missing];
      int[] positions = new int[missing];
      for (int i = 0, at = 0; i < rows.size(); i++) {
        if (seqs[i] > 0 && parts[i] == null) {
          wanted[at] = seqs[i];
          positions[at++] = i;
        }
      }
      store.canonicalAtSeqs(
          wanted,
          dev.spl.core.fanout.FanoutRecords.CHILD_DONE,
          (position, bytes, offset, length) -> keep(positions[position], bytes, offset, length));
    }

    /** One entry of the index walk: kept when it is the record the fold accepted for its row. */
    @Override
    public void accept(int index, long seq, byte[] resultParts) {
      while (cursor < rows.size() && rows.get(cursor).index() < index) {
        cursor++;
      }
      if (cursor < rows.size() && rows.get(cursor).index() == index && seqs[cursor] == seq) {
        parts[cursor] = resultParts;
      }
    }

    private void keep(int position, byte[] bytes, int offset, int length) {
      values[position] = bytes;
      offsets[position] = offset;
      lengths[position] = length;
    }

    void write(com.fasterxml.jackson.core.JsonGenerator out) throws java.io.IOException {
      for (int i = 0; i < rows.size(); i++) {
        FanoutReads.ResultRow row = rows.get(i);
        if (parts[i] != null) {
          located.take(parts[i]);
        } else if (values[i] == null || !located.locate(values[i], offsets[i], lengths[i])) {
          located.clear();
        }
        out.writeStartObject();
        out.writeNumberField("index", row.index());
        out.writeStringField("state", row.state());
        out.writeNumberField("attempt", row.attempt());
        out.writeStringField("worker", row.worker());
        out.writeStringField("child_thread", row.childThread());
        out.writeNumberField("iter_from", row.iterFrom());
        out.writeNumberField("iter_to", row.iterTo());
        out.writeFieldName("result");
        if (located.hasResult()) {
          out.writeRawValue(located);
        } else {
          out.writeNull();
        }
        out.writeArrayFieldStart("refs");
        if (located.hasRefs()) {
          writeRefs(out, located);
        }
        out.writeEndArray();
        out.writeEndObject();
      }
    }

    /**
     * The references in the order the route has always written them: worker, path, size, sha256.
     */
    private static void writeRefs(
        com.fasterxml.jackson.core.JsonGenerator out,
        dev.spl.daemon.coordinator.ChildResultBytes located)
        throws java.io.IOException {
      try (com.fasterxml.jackson.core.JsonParser parser = located.refsParser()) {
        com.fasterxml.jackson.databind.JsonNode refs = Json.MAPPER.readTree(parser);
        for (com.fasterxml.jackson.databind.JsonNode ref : refs) {
          out.writeStartObject();
          out.writeStringField("worker", ref.path("worker").asText());
          out.writeStringField("path", ref.path("path").asText());
          out.writeNumberField("size", ref.path("size").asLong());
          out.writeStringField("sha256", ref.path("sha256").asText());
          out.writeEndObject();
        }
      }
    }
  }

  @Override
  public ObjectNode retry(String id, int index, String hint, String user) {
    Daemon self = running();
    Reconciler loop = reconciler();
    FanoutReads.Retry retry;
    try {
      retry =
          onLoop(loop, FanoutReads.retry(id, index, hint, self.context().spawnPolicy()))
              .orElseThrow(() -> notFound(id));
    } catch (InvalidFanoutException e) {
      throw new ApiException(409, "CANNOT_RETRY", e.getMessage());
    }
    if (retry.refusal() != null) {
      throw new ApiException(
          409, "CANNOT_RETRY", "cannot retry subtask " + index + ": " + retry.refusal());
    }
    String actor = Actors.user(user);
    Record record =
        new Record(
            retry.fanout().ref().thread(),
            actor,
            Act.LEARN,
            retry.request().toBody(),
            self.context().recordClock().next(),
            List.of(id));
    AppendResult result = self.records().append(record);
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "retry");
    node.put("thread", retry.fanout().ref().thread());
    node.put("fanout", id);
    node.put("subtask", index);
    node.put("replaces_attempt", retry.request().attempt());
    node.put("replacing", retry.replacing());
    node.put("record", result.stored().id());
    node.put("created", result.created());
    return node;
  }

  private ObjectNode summaryJson(FanoutReads.Summary summary) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "fanout");
    node.put("fanout", summary.ref().id());
    node.put("thread", summary.ref().thread());
    node.put("alias", aliasOf(summary.ref().thread()));
    node.put("namespace", summary.ref().namespace());
    node.put("join", summary.join());
    node.put("width", summary.width());
    node.put("spawned", summary.spawned());
    node.put("pending", summary.pending());
    node.put("running", summary.running());
    node.put("completed", summary.completed());
    node.put("accepted", summary.accepted());
    node.put("failed", summary.failed());
    node.put("open", summary.open());
    node.put("complete", summary.complete());
    node.put("verdict", summary.verdict());
    node.put("frozen", summary.frozen());
    node.put("created_at", summary.createdAtMillis());
    if (summary.completedAtMillis() >= 0) {
      node.put("completed_at", summary.completedAtMillis());
    } else {
      node.putNull("completed_at");
    }
    node.put("max_attempts", summary.maxAttempts());
    node.put("replaces", summary.replaces());
    node.put("replaced_by", summary.replacedBy());
    node.put("ignored_records", summary.ignoredRecords());
    node.put("version", summary.version());
    node.put("policy", summary.options().policy().wire());
    node.put("max_retries", summary.options().maxRetries());
    if (summary.options().maxConcurrency() > 0) {
      node.put("max_concurrency", summary.options().maxConcurrency());
    } else {
      node.putNull("max_concurrency");
    }
    node.put("spent_usd", summary.spentUsd());
    if (summary.options().totalBudgetUsd() != null) {
      node.put("total_budget_usd", summary.options().totalBudgetUsd());
    } else {
      node.putNull("total_budget_usd");
    }
    node.set("fanin", faninJson(summary.fanin()));
    if (summary.reduced() != null) {
      node.set("reduced", summary.reduced());
    }
    if (summary.stages() != null) {
      node.put("stages", summary.stages());
    }
    if (summary.merge() != null) {
      node.set("merge", summary.merge());
    }
    node.set("waiting", waitingJson(summary.waiting()));
    node.put("hedged", summary.hedged());
    if (summary.options().hedgeAfter() != null) {
      node.set("hedge_after", Json.MAPPER.valueToTree(summary.options().hedgeAfter().wire()));
    } else {
      node.putNull("hedge_after");
    }
    return node;
  }

  /** Why children wait to spawn: {@code [{reason, subtasks, first_index}]}. */
  static com.fasterxml.jackson.databind.node.ArrayNode waitingJson(
      List<JoinStatus.Waiting> waiting) {
    var array = Json.MAPPER.createArrayNode();
    for (JoinStatus.Waiting group : waiting) {
      array
          .addObject()
          .put("reason", group.reason())
          .put("subtasks", group.subtasks())
          .put("first_index", group.firstIndex());
    }
    return array;
  }

  /** The fan-in as the join record and CEL joins name its fields. */
  static ObjectNode faninJson(Fanin fanin) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("status", fanin.status());
    node.put("succeeded", fanin.succeeded());
    node.put("failed", fanin.failed());
    node.put("cancelled", fanin.cancelled());
    node.put("retried", fanin.retried());
    node.put("retries", fanin.retries());
    return node;
  }

  private static ObjectNode rowJson(
      FanoutReads.Row row, Map<String, String> workerAliases, int summaryChars) {
    JoinStatus.SubtaskStatus line = row.status();
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("index", line.index());
    node.put("goal", line.goal());
    node.put("target", line.target());
    node.put("resolved_target", line.resolvedTarget());
    node.put("lifecycle", line.lifecycle().name().toLowerCase(java.util.Locale.ROOT));
    node.put("state", line.state());
    node.put("verdict", line.lifecycle().terminal() ? line.state() : null);
    node.put("attempt", line.attempt());
    node.put("worker", line.worker());
    node.put("worker_alias", line.worker() == null ? null : workerAliases.get(line.worker()));
    node.put("child_thread", line.childThread());
    node.put("cost_usd", line.costUsd());
    if (line.wallTimeSecs() == null) {
      node.putNull("wall_time_secs");
    } else {
      node.put("wall_time_secs", BigDecimal.valueOf(line.wallTimeSecs()));
    }
    String summary = line.summary();
    boolean cut = summary.length() > summaryChars;
    node.put("summary", cut ? summary.substring(summary.length() - summaryChars) : summary);
    node.put("summary_truncated", cut);
    node.put("interrupted_by", line.interruptedBy());
    node.put("exit_code", line.exitCode());
    node.put("shard", line.identity().shard());
    node.put("iter_from", line.identity().iterFrom());
    node.put("iter_to", line.identity().iterTo());
    node.put("idempotency_key", line.identity().idempotencyKey());
    node.put("retries", line.retries());
    if (line.retryAtMillis() > 0) {
      node.put("retry_at", line.retryAtMillis());
    }
    if (line.waiting() != null) {
      node.put("waiting", line.waiting());
    }
    node.put("changed_at", row.changedAt());
    return node;
  }

  /** The alias of the task on {@code thread}, or null when it has none or no task record. */
  private String aliasOf(String thread) {
    String alias =
        aliasByThread.computeIfAbsent(
            thread,
            t -> {
              List<StoredRecord> genesis =
                  running().records().query(new RecordQuery(t, TASK_TOPIC, Act.INTEND, 0, 1));
              return genesis.isEmpty()
                  ? ""
                  : genesis.get(0).record().body().path("alias").asText("");
            });
    return alias.isEmpty() ? null : alias;
  }

  private Map<String, String> workerAliases() {
    Map<String, String> aliases = new HashMap<>();
    if (fleet != null) {
      for (InstanceView instance : fleet.instances()) {
        if (instance.alias() != null && !instance.alias().isEmpty()) {
          aliases.put(instance.did(), instance.alias());
        }
      }
    }
    return aliases;
  }

  /**
   * The standing of each attempt a worker asks about, decided by {@link AttemptFence} on the
   * reconciler's loop: there it cannot interleave with the decision that moves a lost worker's
   * children elsewhere.
   */
  @Override
  public ObjectNode attemptStanding(AttemptQuestion question) {
    Reconciler loop = reconciler();
    String url = running().url();
    long leaseMillis = running().config().fleet().lease().toMillis();
    // Ahead of the loop's next decisions: the asking worker's slots wait for this answer.
    List<AttemptQuestion.Answer> answers =
        answerOf(
            loop.readFirst(
                fanouts -> {
                  boolean heardThisLife = heardThisLife(question, url, leaseMillis);
                  return question.attempts().stream()
                      .map(
                          asked ->
                              new AttemptQuestion.Answer(
                                  asked,
                                  AttemptFence.standing(
                                      fanouts.get(asked.fanout()).orElse(null),
                                      asked.index(),
                                      asked.attempt(),
                                      question.worker(),
                                      heardThisLife)))
                      .toList();
                }));
    return AttemptQuestion.answerJson(answers);
  }

  /**
   * Decided by {@link AttemptFence} on the reconciler's loop, as a worker's own question is; a
   * child waiting for its nested fan-in has finished its command, so its credential no longer
   * counts.
   */
  @Override
  public boolean childAttemptRunning(String fanout, int index, int attempt, String worker) {
    return onLoop(
        reconciler(),
        fanouts ->
            fanouts
                .get(fanout)
                .filter(
                    state ->
                        AttemptFence.standing(state, index, attempt, worker, true)
                                == dev.spl.core.worker.AttemptStanding.CURRENT
                            && !state.waitingForNested(index))
                .isPresent());
  }

  /** Whether the asking worker is live with a heartbeat from the life it asks from. */
  private boolean heardThisLife(AttemptQuestion question, String url, long leaseMillis) {
    boolean live =
        fleet.directory(url, leaseMillis).live().stream()
            .anyMatch(info -> info.did().equals(question.worker()));
    return live
        && fleet.instances().stream()
            .anyMatch(
                view ->
                    view.did().equals(question.worker())
                        && view.startedAt() == question.workerStartedAt());
  }

  private Daemon running() {
    return daemon.running();
  }

  private Reconciler reconciler() {
    Optional<Reconciler> loop = running().reconciler();
    if (loop.isEmpty()) {
      throw new ApiException(
          503, "RECONCILER_UNAVAILABLE", "the coordinator's reconciler is not running");
    }
    return loop.get();
  }

  private static ApiException notFound(String id) {
    return new ApiException(
        404,
        "FANOUT_NOT_FOUND",
        "no fan-out with id '"
            + id
            + "' on this coordinator (the id of a fan-out is the id of its parent INTEND; a"
            + " fan-out just written may take a moment to be folded)");
  }

  /** Runs {@code reader} on the reconciler's loop, answering 503 when it does not answer soon. */
  static <T> T onLoop(Reconciler loop, Function<Fanouts, T> reader) {
    return answerOf(loop.read(reader));
  }

  /**
   * Waits for an answer from the reconciler's loop: {@code 503} when it does not come within {@link
   * #READ_TIMEOUT_SECONDS} or the loop has stopped; what the reader threw is thrown here.
   */
  static <T> T answerOf(CompletableFuture<T> answer) {
    try {
      return answer.get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new ApiException(
          503,
          "RECONCILER_BUSY",
          "the coordinator's reconciler did not answer within "
              + READ_TIMEOUT_SECONDS
              + " s (it may still be replaying its log); try again");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime
          && !(runtime instanceof Reconciler.NotRunning)) {
        throw runtime;
      }
      throw new ApiException(
          503, "RECONCILER_UNAVAILABLE", "the coordinator's reconciler is not running");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "RECONCILER_UNAVAILABLE", "interrupted");
    }
  }
}
