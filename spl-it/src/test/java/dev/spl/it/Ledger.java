package dev.spl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The records of a task's thread on the coordinator, read for what a fan-out did. */
final class Ledger {
  private final List<JsonNode> records;

  Ledger(List<JsonNode> records) {
    this.records = List.copyOf(records);
  }

  List<JsonNode> topic(String topic) {
    return records.stream()
        .filter(r -> topic.equals(r.path("body").path("topic").asText()))
        .collect(Collectors.toList());
  }

  Set<String> ids() {
    return records.stream().map(r -> r.path("id").asText()).collect(Collectors.toSet());
  }

  /**
   * Every spawn of the fan-out, in order: {@code {index, attempt, child_thread, worker, target}}.
   */
  List<JsonNode> spawns() {
    List<JsonNode> spawns = new ArrayList<>();
    for (JsonNode record : topic("fanout_spawned")) {
      record.path("body").path("spawns").forEach(spawns::add);
    }
    return spawns;
  }

  /** The workers (DIDs) each child's first attempt was spawned to. */
  Map<Integer, String> firstWorkers() {
    Map<Integer, String> first = new TreeMap<>();
    for (JsonNode spawn : spawns()) {
      if (spawn.path("attempt").asInt() == 1) {
        first.putIfAbsent(spawn.path("index").asInt(), spawn.path("worker").asText());
      }
    }
    return first;
  }

  /** The results reported for children ({@code fanout_child_done}), in append order. */
  List<JsonNode> results() {
    return topic("fanout_child_done").stream()
        .map(r -> r.path("body"))
        .collect(Collectors.toList());
  }

  /** The body of the join's KNOW; there must be exactly one. */
  JsonNode join() {
    List<JsonNode> joins = topic("fanout_join_complete");
    assertThat(joins).as("fanout_join_complete records").hasSize(1);
    return joins.get(0).path("body");
  }

  /**
   * Per child index, the result that counted: the first one reported either for the child's last
   * spawned attempt or, as an accept, for an earlier attempt (an attempt moved off a worker the
   * coordinator gave up on still completes the child when its accept arrives first). The join
   * record keeps counts only; each child's outcome is its own record.
   */
  Map<Integer, JsonNode> countedResults() {
    Map<Integer, Integer> lastAttempt = new HashMap<>();
    for (JsonNode spawn : spawns()) {
      lastAttempt.merge(spawn.path("index").asInt(), spawn.path("attempt").asInt(), Math::max);
    }
    Map<Integer, JsonNode> counted = new TreeMap<>();
    for (JsonNode result : results()) {
      int index = result.path("index").asInt();
      int attempt = result.path("attempt").asInt();
      int last = lastAttempt.getOrDefault(index, -1);
      boolean lateAccept = attempt < last && "accept".equals(result.path("verdict").asText());
      if (attempt == last || lateAccept) {
        counted.putIfAbsent(index, result);
      }
    }
    return counted;
  }

  /** Per child index, the worker whose result counted. */
  Map<Integer, String> joinWorkers() {
    Map<Integer, String> workers = new TreeMap<>();
    countedResults().forEach((index, result) -> workers.put(index, result.path("worker").asText()));
    return workers;
  }

  /** Server-side wall of the fan-out: the parent INTEND's received_at to the join KNOW's. */
  Duration wall() {
    Instant start = Instant.parse(topic("fanout").get(0).path("received_at").asText());
    Instant end = Instant.parse(topic("fanout_join_complete").get(0).path("received_at").asText());
    return Duration.between(start, end);
  }

  /**
   * The fan-out completed and every child counted exactly once: one join, accepted, with each of
   * the {@code width} children once; no (child, attempt) reported twice; and each child's counted
   * result is an accepted one from the worker the join credits.
   */
  void assertEveryChildOnce(int width) {
    JsonNode join = join();
    assertThat(join.path("verdict").asText()).as("join verdict").isEqualTo("accept");
    JsonNode totals = join.path("totals");
    assertThat(totals.path("n").asInt()).as("totals.n").isEqualTo(width);
    assertThat(totals.path("completed").asInt()).as("totals.completed").isEqualTo(width);
    assertThat(totals.path("accepted").asInt()).as("totals.accepted").isEqualTo(width);
    List<Integer> indices = new ArrayList<>(countedResults().keySet());
    assertThat(indices).as("children with a counted result").hasSize(width).doesNotHaveDuplicates();
    assertThat(indices).allSatisfy(i -> assertThat(i).isBetween(0, width - 1));

    // Linear in the width: a fan-out of 10,000 children is checked too (by the benchmark).
    Map<String, Integer> perAttempt = new HashMap<>();
    Map<Integer, List<JsonNode>> byIndex = new HashMap<>();
    for (JsonNode result : results()) {
      int index = result.path("index").asInt();
      perAttempt.merge(index + "/" + result.path("attempt").asInt(), 1, Integer::sum);
      byIndex.computeIfAbsent(index, k -> new ArrayList<>()).add(result);
    }
    List<String> twice =
        perAttempt.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .map(e -> "child/attempt " + e.getKey() + " reported " + e.getValue() + " times")
            .collect(Collectors.toList());
    assertThat(twice).as("results reported twice for one attempt").isEmpty();

    List<String> uncredited = new ArrayList<>();
    for (Map.Entry<Integer, String> child : joinWorkers().entrySet()) {
      boolean found =
          byIndex.getOrDefault(child.getKey(), List.of()).stream()
              .anyMatch(
                  r ->
                      r.path("worker").asText().equals(child.getValue())
                          && r.path("verdict").asText().equals("accept"));
      if (!found) {
        uncredited.add("child " + child.getKey() + " (credited to " + child.getValue() + ")");
      }
    }
    assertThat(uncredited)
        .as("children without an accepted result from the worker credited")
        .isEmpty();
  }
}
