package dev.spl.core.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.RecordIds;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A worker's question to its coordinator before it runs attempts ({@code POST
 * /v1/attempts/standing}, docs/api.md), and the answer: the wire form of both, read and written
 * here only.
 *
 * @param worker the asking worker's DID
 * @param workerStartedAt when the asking worker started (epoch ms), as its heartbeats say
 */
public record AttemptQuestion(String worker, long workerStartedAt, List<Asked> attempts) {
  /** The most attempts one question may hold. */
  public static final int MAX_ATTEMPTS = 1000;

  private static final Set<String> FIELDS = Set.of("worker", "worker_started_at", "attempts");
  private static final Set<String> ASKED_FIELDS = Set.of("fanout", "index", "attempt");
  private static final Set<String> ANSWER_FIELDS = Set.of("fanout", "index", "attempt", "standing");

  public AttemptQuestion {
    attempts = List.copyOf(attempts);
  }

  /** One attempt asked about: child {@code index} of fan-out {@code fanout}, attempt number. */
  public record Asked(String fanout, int index, int attempt) {}

  /** One answer: the attempt asked about and its standing. */
  public record Answer(Asked asked, AttemptStanding standing) {}

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("worker", worker);
    node.put("worker_started_at", workerStartedAt);
    ArrayNode list = node.putArray("attempts");
    for (Asked asked : attempts) {
      list.add(askedJson(asked));
    }
    return node;
  }

  private static ObjectNode askedJson(Asked asked) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("fanout", asked.fanout());
    node.put("index", asked.index());
    node.put("attempt", asked.attempt());
    return node;
  }

  /**
   * Reads a question; throws {@link IllegalArgumentException} naming the field that is missing,
   * unknown or of the wrong kind.
   */
  public static AttemptQuestion fromJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "request body: expected an object {worker, worker_started_at, attempts}");
    }
    rejectUnknown(node, FIELDS, "request body");
    JsonNode worker = node.get("worker");
    if (worker == null || !worker.isTextual() || worker.textValue().isEmpty()) {
      throw new IllegalArgumentException("worker: expected the asking worker's DID (a string)");
    }
    long startedAt = whole(node.get("worker_started_at"), "worker_started_at", 0, Long.MAX_VALUE);
    JsonNode list = node.get("attempts");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("attempts: expected an array of {fanout, index, attempt}");
    }
    if (list.size() > MAX_ATTEMPTS) {
      throw new IllegalArgumentException(
          "attempts: expected at most " + MAX_ATTEMPTS + " but found " + list.size());
    }
    List<Asked> asked = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      asked.add(askedFrom(list.get(i), "attempts[" + i + "]", ASKED_FIELDS));
    }
    return new AttemptQuestion(worker.textValue(), startedAt, asked);
  }

  private static Asked askedFrom(JsonNode item, String where, Set<String> fields) {
    if (!item.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object {fanout, index, attempt}");
    }
    rejectUnknown(item, fields, where);
    JsonNode fanout = item.get("fanout");
    if (fanout == null || !fanout.isTextual() || !RecordIds.isValid(fanout.textValue())) {
      throw new IllegalArgumentException(
          where + ".fanout: expected a fan-out id (64 lowercase hex digits)");
    }
    int index = (int) whole(item.get("index"), where + ".index", 0, Integer.MAX_VALUE);
    int attempt = (int) whole(item.get("attempt"), where + ".attempt", 1, Integer.MAX_VALUE);
    return new Asked(fanout.textValue(), index, attempt);
  }

  /** The answer's JSON: {@code {"object":"attempt_standing","attempts":[...]}}. */
  public static ObjectNode answerJson(List<Answer> answers) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "attempt_standing");
    ArrayNode list = node.putArray("attempts");
    for (Answer answer : answers) {
      ObjectNode item = askedJson(answer.asked());
      item.put("standing", answer.standing().wire());
      list.add(item);
    }
    return node;
  }

  /** Reads an answer; throws {@link IllegalArgumentException} when it is not one. */
  public static List<Answer> answersFrom(JsonNode node) {
    JsonNode list = node == null ? null : node.get("attempts");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("answer: expected {\"attempts\":[...]}");
    }
    List<Answer> answers = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      String where = "attempts[" + i + "]";
      String wire = item.path("standing").asText("");
      AttemptStanding standing =
          AttemptStanding.fromWire(wire)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          where + ".standing: expected a standing but found '" + wire + "'"));
      answers.add(new Answer(askedFrom(item, where, ANSWER_FIELDS), standing));
    }
    return answers;
  }

  private static void rejectUnknown(JsonNode node, Set<String> allowed, String where) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      String name = it.next().getKey();
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException(
            where + ": unknown field '" + name + "' (expected " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static long whole(JsonNode value, String field, long min, long max) {
    if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
      throw new IllegalArgumentException(
          field + ": expected a whole number " + min + ".." + max + " but found " + kind(value));
    }
    long parsed = value.longValue();
    if (parsed < min || parsed > max) {
      throw new IllegalArgumentException(
          field + ": expected a whole number " + min + ".." + max + " but found " + parsed);
    }
    return parsed;
  }

  private static String kind(JsonNode value) {
    return value == null ? "nothing" : value.isNumber() ? value.toString() : Json.kind(value);
  }
}
