package dev.spl.daemon.http;

import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.ThreadIds;
import dev.spl.core.worker.AttemptQuestion;
import dev.spl.daemon.coordinator.FanoutReads;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fan-out and control routes (docs/api.md, "Fan-outs" and "Operator actions"): checks the path
 * and query parameters and the action bodies, then asks {@link FanoutEndpoints} or {@link
 * FleetEndpoints}.
 */
final class FanoutRoutes {
  static final int DEFAULT_FANOUTS = 100;
  static final int MAX_FANOUTS = 1000;
  static final int DEFAULT_CHILDREN = 100;
  static final int MAX_CHILDREN = 1000;
  static final int DEFAULT_SUMMARY_CHARS = 200;
  static final int MAX_SUMMARY_CHARS = 65_536;
  static final int DEFAULT_RESULTS = 1000;
  static final int MAX_RESULTS = 100_000;
  private static final Set<String> RESULTS_PARAMETERS = Set.of("after", "limit", "state", "format");
  private static final Set<String> LIST_PARAMETERS = Set.of("thread", "status", "limit");
  private static final Set<String> CHILDREN_PARAMETERS =
      Set.of("after", "changed_after", "limit", "summary_chars");
  private static final Set<String> FREEZE_FIELDS =
      Set.of("namespace", "level", "grace_secs", "reason", "user");
  private static final Set<String> UNFREEZE_FIELDS = Set.of("namespace", "user");
  private static final Set<String> RETRY_FIELDS = Set.of("hint", "user");

  private final HttpApi api;
  private final FleetEndpoints fleet;

  private FanoutRoutes(HttpApi api, FleetEndpoints fleet) {
    this.api = api;
    this.fleet = fleet;
  }

  static void register(RoutesConfig routes, HttpApi api, FleetEndpoints fleet) {
    FanoutRoutes handlers = new FanoutRoutes(api, fleet);
    routes.get("/v1/fanouts", handlers::list);
    routes.get("/v1/fanouts/{id}", handlers::fanout);
    routes.get("/v1/fanouts/{id}/children", handlers::children);
    routes.get("/v1/fanouts/{id}/results", handlers::results);
    routes.get("/v1/fanouts/{id}/speedup", handlers::speedup);
    routes.post("/v1/fanouts/{id}/children/{index}/retry", handlers::retry);
    routes.post("/v1/attempts/standing", handlers::attemptStanding);
    routes.post("/v1/control/freeze", handlers::freeze);
    routes.post("/v1/control/unfreeze", handlers::unfreeze);
  }

  private void list(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, LIST_PARAMETERS);
    String thread = HttpApi.first(query, "thread");
    if (thread != null && !ThreadIds.isValid(thread)) {
      throw ApiException.badRequest("INVALID_PARAMETER", HttpApi.threadMessage("thread", thread));
    }
    String status = HttpApi.first(query, "status");
    if (status == null) {
      status = "all";
    } else if (!Set.of("open", "complete", "all").contains(status)) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER",
          "status: expected 'open', 'complete' or 'all' but found '" + status + "'");
    }
    int limit = (int) number(query, "limit", DEFAULT_FANOUTS, 1, MAX_FANOUTS);
    HttpApi.respond(ctx, fleet.fanouts().list(thread, status, limit));
  }

  private void fanout(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    HttpApi.respond(ctx, fleet.fanouts().fanout(fanoutId(ctx)));
  }

  private void children(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, CHILDREN_PARAMETERS);
    String id = fanoutId(ctx);
    int after = (int) number(query, "after", -1, -1, Integer.MAX_VALUE - 1);
    long changedAfter = number(query, "changed_after", 0, 0, Long.MAX_VALUE);
    int limit = (int) number(query, "limit", DEFAULT_CHILDREN, 1, MAX_CHILDREN);
    int summaryChars =
        (int) number(query, "summary_chars", DEFAULT_SUMMARY_CHARS, 0, MAX_SUMMARY_CHARS);
    HttpApi.respond(ctx, fleet.fanouts().children(id, after, changedAfter, limit, summaryChars));
  }

  private void speedup(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, Set.of("measured_serial_wall_secs"));
    String id = fanoutId(ctx);
    String serial = HttpApi.first(query, "measured_serial_wall_secs");
    Double serialSecs = null;
    if (serial != null) {
      try {
        serialSecs = Double.valueOf(serial);
      } catch (NumberFormatException e) {
        serialSecs = Double.NaN;
      }
      if (serialSecs.isNaN() || serialSecs.isInfinite() || serialSecs < 0) {
        throw ApiException.badRequest(
            "INVALID_PARAMETER",
            "measured_serial_wall_secs: expected a number of seconds >= 0 but found '"
                + serial
                + "'");
      }
    }
    HttpApi.respond(ctx, fleet.fanouts().speedup(id, serialSecs));
  }

  private void results(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, RESULTS_PARAMETERS);
    String id = fanoutId(ctx);
    int after = (int) number(query, "after", -1, -1, Integer.MAX_VALUE - 1);
    int limit = (int) number(query, "limit", DEFAULT_RESULTS, 1, MAX_RESULTS);
    Set<String> states = new java.util.TreeSet<>();
    for (String given : query.getOrDefault("state", List.of())) {
      for (String state : given.split(",", -1)) {
        if (!FanoutReads.RESULT_STATES.contains(state)) {
          throw ApiException.badRequest(
              "INVALID_PARAMETER",
              "state: expected one of "
                  + String.join(", ", new java.util.TreeSet<>(FanoutReads.RESULT_STATES))
                  + " but found '"
                  + state
                  + "'");
        }
        states.add(state);
      }
    }
    String format = HttpApi.first(query, "format");
    if (format != null && !format.equals("json") && !format.equals("jsonl")) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER", "format: expected 'json' or 'jsonl' but found '" + format + "'");
    }
    boolean lines = "jsonl".equals(format);
    HttpApi.respondStreamed(
        ctx,
        fleet.fanouts().results(id, after, limit, states, lines),
        lines ? HttpApi.JSON_LINES : HttpApi.JSON);
  }

  private void retry(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    String id = fanoutId(ctx);
    String indexText = ctx.pathParam("index");
    int index;
    try {
      index = Integer.parseInt(indexText);
    } catch (NumberFormatException e) {
      index = -1;
    }
    if (index < 0 || !indexText.matches("[0-9]+")) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER",
          "index: expected a subtask index (a whole number >= 0) but found '" + indexText + "'");
    }
    ActionBody body = ActionBody.parse(api.readBody(ctx), RETRY_FIELDS);
    ctx.status(201);
    HttpApi.respond(ctx, fleet.fanouts().retry(id, index, body.text("hint"), body.user()));
  }

  private void attemptStanding(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    AttemptQuestion question;
    try {
      question = AttemptQuestion.fromJson(Json.parse(api.readBody(ctx)));
    } catch (MalformedJsonException e) {
      throw ApiException.badRequest("MALFORMED_JSON", "request body: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("INVALID_REQUEST", e.getMessage());
    }
    HttpApi.respond(ctx, fleet.fanouts().attemptStanding(question));
  }

  private void freeze(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    ActionBody body = ActionBody.parse(api.readBody(ctx), FREEZE_FIELDS);
    String namespace = body.text("namespace");
    String level = body.text("level");
    Long grace = body.whole("grace_secs");
    String reason = body.text("reason");
    String user = body.user();
    ctx.status(201);
    HttpApi.respond(ctx, fleet.freeze(namespace, level, grace, reason, user));
  }

  private void unfreeze(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    ActionBody body = ActionBody.parse(api.readBody(ctx), UNFREEZE_FIELDS);
    String namespace = body.text("namespace");
    String user = body.user();
    ctx.status(201);
    HttpApi.respond(ctx, fleet.unfreeze(namespace, user));
  }

  private static String fanoutId(Context ctx) {
    String id = ctx.pathParam("id");
    if (!id.matches("[0-9a-f]{64}")) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER",
          "fanout: expected a fan-out id (the id of its parent INTEND: 64 lowercase hex digits)"
              + " but found '"
              + (id.length() > 80 ? id.substring(0, 80) + "..." : id)
              + "'");
    }
    return id;
  }

  private static long number(
      Map<String, List<String>> query, String name, long defaultValue, long min, long max) {
    String value = HttpApi.first(query, name);
    if (value == null) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "INVALID_PARAMETER",
        name
            + ": expected a whole number "
            + min
            + ".."
            + (max == Long.MAX_VALUE ? "" : String.valueOf(max))
            + " but found '"
            + value
            + "'");
  }
}
