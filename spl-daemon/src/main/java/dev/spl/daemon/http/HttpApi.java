package dev.spl.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.AppendResult;
import dev.spl.core.HashedRecord;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredEnvelope;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.auth.Authorizer;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.auth.DeliveryConfirmation;
import dev.spl.core.auth.Envelope;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.core.schema.UniqueRecords;
import dev.spl.core.tls.ServerIdentity;
import dev.spl.daemon.auth.RecordIntake;
import dev.spl.daemon.fleet.FleetRegistry;
import dev.spl.daemon.metrics.DaemonMetrics;
import dev.spl.daemon.records.RecordRejectedException;
import dev.spl.daemon.records.RecordService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP API (see docs/api.md): routes, size limit and error envelope; the checks in
 * front of the routes (Host, Origin, token, content type) are {@link RequestGuard}'s.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  static final String JSON = "application/json";

  /** JSON lines: one JSON value a line ({@code format=jsonl} of the results route). */
  static final String JSON_LINES = "application/x-ndjson";

  static final int DEFAULT_LIST_LIMIT = 100;
  private static final Set<String> LIST_PARAMETERS =
      Set.of("thread", "topic", "act", "after", "limit");
  private static final Set<String> THREAD_PARAMETERS = Set.of("after", "limit");

  /**
   * What the API needs besides the records.
   *
   * @param maxRequestBytes larger request bodies are answered with 413
   * @param token when not null, required as {@code Authorization: Bearer <token>} on every request
   * @param health the body of {@code GET /health}
   * @param hosts the names the daemon answers to in {@code Host} and {@code Origin}
   * @param children what a worker serves about its children ({@link ChildRoutes})
   * @param intake the check of every request of records: signature, then who may write what
   * @param metrics the body of {@code GET /metrics} (Prometheus text format); null: no metrics
   */
  public record Settings(
      long maxRequestBytes,
      String token,
      Supplier<ObjectNode> health,
      FleetEndpoints fleet,
      HostNames hosts,
      ChildEndpoints children,
      RecordIntake intake,
      Supplier<String> metrics) {
    public Settings {
      Objects.requireNonNull(health, "health");
      Objects.requireNonNull(fleet, "fleet");
      Objects.requireNonNull(hosts, "hosts");
      Objects.requireNonNull(children, "children");
      Objects.requireNonNull(intake, "intake");
    }

    /** Settings of a daemon that serves no metrics. */
    public Settings(
        long maxRequestBytes,
        String token,
        Supplier<ObjectNode> health,
        FleetEndpoints fleet,
        HostNames hosts,
        ChildEndpoints children,
        RecordIntake intake) {
      this(maxRequestBytes, token, health, fleet, hosts, children, intake, null);
    }
  }

  private final RecordService records;
  private final Settings settings;

  private HttpApi(RecordService records, Settings settings) {
    this.records = records;
    this.settings = settings;
  }

  /** A configured, not yet started server that listens on {@code host:port} once started. */
  public static HttpServer create(RecordService records, Settings settings, String host, int port) {
    return create(records, settings, host, port, null);
  }

  /**
   * As {@link #create(RecordService, Settings, String, int)}, serving HTTPS with {@code identity}
   * when it is not null.
   */
  public static HttpServer create(
      RecordService records, Settings settings, String host, int port, ServerIdentity identity) {
    // Before any Jetty class initialises, so Jetty does not start the platform MBean server.
    JettyCacheLines.configure();
    HttpApi api = new HttpApi(records, settings);
    GracefulHandler inFlight = new GracefulHandler();
    Javalin app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.http.maxRequestSize = settings.maxRequestBytes();
              config.http.prefer405over404 = true;
              config.router.ignoreTrailingSlashes = true;
              HttpServer.configureJetty(
                  config,
                  host,
                  port,
                  identity,
                  new RequestGuard(
                      settings.hosts(),
                      settings.token(),
                      api::childWriter,
                      new BodyPreloader(settings.maxRequestBytes(), null)));
              // Outermost, in front of the request checks: every request counts as in flight.
              config.jetty.modifyServer(server -> server.insertHandler(inFlight));
              config.routes.post("/v1/records", api::postRecords);
              config.routes.get("/v1/records", api::listRecords);
              config.routes.get("/v1/records/{id}", api::getRecord);
              config.routes.get("/v1/threads/{thread}", api::getThread);
              config.routes.get("/v1/tasks/{task}", api::getTask);
              config.routes.get("/health", api::health);
              config.routes.get("/metrics", api::metrics);
              config.routes.get("/v1/fleet/status", api::fleetStatus);
              config.routes.get("/v1/rules", api::rules);
              config.routes.get("/v1/security/refusals", api::refusals);
              config.routes.post("/v1/fleet/forget", api::forget);
              FanoutRoutes.register(config.routes, api, settings.fleet());
              DashboardRoutes.register(config.routes);
              ChildRoutes.register(config.routes, settings.children());
              config.routes.exception(
                  ApiException.class,
                  (e, ctx) -> api.error(ctx, e.status(), e.code(), e.getMessage(), e.details()));
              config.routes.exception(
                  RecordRejectedException.class,
                  (e, ctx) ->
                      api.error(ctx, e.httpStatus(), e.code(), e.getMessage(), e.details()));
              // A record that breaks the contract where no caller named the field is still the
              // writer's error, never the daemon's.
              config.routes.exception(
                  InvalidRecordException.class,
                  (e, ctx) -> api.error(ctx, 400, "INVALID_RECORD", e.getMessage()));
              config.routes.exception(
                  HttpResponseException.class, (e, ctx) -> api.javalinError(ctx, e));
              config.routes.exception(Exception.class, (e, ctx) -> api.internalError(ctx, e));
            });
    return new HttpServer(app, inFlight);
  }

  private void metrics(Context ctx) {
    if (settings.metrics() == null) {
      throw new NotFoundResponse();
    }
    ctx.contentType(DaemonMetrics.contentType()).result(settings.metrics().get());
  }

  /** The writer a child credential makes, verified against the coordinator's fan-out fold. */
  private Authorizer.Writer.Child childWriter(String credential) {
    return settings
        .intake()
        .verifyChild(credential, settings.fleet().fanouts()::childAttemptRunning);
  }

  /** Whether {@code authorization} is this daemon's token (always, for a daemon without one). */
  private boolean carriesToken(String authorization) {
    if (settings.token() == null) {
      return true;
    }
    byte[] expected =
        ("Bearer " + settings.token()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] given =
        authorization == null
            ? new byte[0]
            : authorization.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.security.MessageDigest.isEqual(given, expected);
  }

  private void postRecords(Context ctx) {
    JsonNode request = parseJson(readBody(ctx));
    List<JsonNode> items;
    boolean single;
    Envelope envelope = null;
    DeliveryConfirmation confirmation = null;
    if (request.isArray()) {
      items = elements(request);
      single = false;
    } else if (request.isObject() && isBatchObject(request)) {
      if (request.has("signature")) {
        try {
          envelope = Envelope.fromJson(request.get("signature"));
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest("INVALID_SIGNATURE", e.getMessage());
        }
      }
      if (request.has(DeliveryConfirmation.FIELD)) {
        if (envelope == null) {
          throw ApiException.badRequest(
              "INVALID_REQUEST",
              DeliveryConfirmation.FIELD
                  + ": a delivery confirmation comes only with a signed request (expected"
                  + " 'signature' beside it)");
        }
        try {
          confirmation = DeliveryConfirmation.fromJson(request.get(DeliveryConfirmation.FIELD));
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest("INVALID_REQUEST", e.getMessage());
        }
      }
      JsonNode array = request.get("records");
      if (!array.isArray()) {
        throw ApiException.badRequest(
            "INVALID_REQUEST",
            "records: expected an array of records but found " + Json.kind(array));
      }
      items = elements(array);
      single = false;
    } else if (request.isObject()) {
      items = List.of(request);
      single = true;
    } else {
      throw ApiException.badRequest(
          "INVALID_REQUEST",
          "request body: expected a record object, an array of records or {\"records\":[...]} but"
              + " found "
              + Json.kind(request));
    }
    if (items.isEmpty()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST", "records: expected at least one record but the batch is empty");
    }
    // Each record is hashed once, here: the signature check and the store take these bytes.
    List<HashedRecord> hashed = new ArrayList<>(items.size());
    List<Record> parsed = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      try {
        HashedRecord record = RecordJson.parseHashed(items.get(i));
        hashed.add(record);
        parsed.add(record.record());
      } catch (InvalidRecordException e) {
        String where = single ? "" : "records[" + i + "]: ";
        throw ApiException.badRequest("INVALID_RECORD", where + e.getMessage());
      }
    }
    boolean heartbeat = false;
    if (settings.fleet().takesHeartbeats()) {
      for (int i = 0; i < parsed.size(); i++) {
        if (FleetRegistry.isHeartbeat(parsed.get(i))) {
          if (parsed.size() > 1) {
            throw ApiException.badRequest(
                "INVALID_REQUEST",
                "records["
                    + i
                    + "]: a heartbeat is taken on its own, not in a batch; send it as the only"
                    + " record of its request");
          }
          // A worker names its coordinator before anything else is checked.
          settings.fleet().requireHeartbeatTaker();
          heartbeat = true;
        }
      }
    }
    // Bad input is answered as such (400) before who wrote it is (403).
    records.requireValid(parsed, single);
    Authorizer.Writer unsigned = Authorizer.Writer.OPERATOR;
    String credential = ctx.header(ChildCredential.HEADER);
    if (credential != null && !carriesToken(ctx.header("Authorization"))) {
      unsigned = childWriter(credential);
    }
    RecordIntake.Accepted accepted =
        settings.intake().checkHashed(hashed, envelope, single, unsigned);
    if (heartbeat) {
      ObjectNode answer;
      try {
        answer = settings.fleet().heartbeat(parsed.get(0), accepted.registers());
      } catch (InvalidRecordException e) {
        throw ApiException.badRequest("INVALID_RECORD", e.getMessage());
      }
      ctx.status(200);
      respond(ctx, answer);
      return;
    }
    if (confirmation != null) {
      settings
          .children()
          .confirmedOnDelivery(
              settings.intake().confirmedIntents(confirmation, accepted, hashed),
              confirmation.workerStartedAt(),
              confirmation.ageMillis());
    }
    List<AppendResult> results = records.appendReceived(hashed, accepted.envelope(), single);
    boolean anyCreated = results.stream().anyMatch(AppendResult::created);
    ctx.status(anyCreated ? 201 : 200);
    if (prefersMinimal(ctx)) {
      long created = results.stream().filter(AppendResult::created).count();
      ObjectNode summary = Json.MAPPER.createObjectNode();
      summary.put("object", "append_summary");
      summary.put("created", created);
      summary.put("existing", results.size() - created);
      respond(ctx, summary);
    } else if (single) {
      respond(ctx, recordJson(results.get(0)));
    } else {
      ObjectNode list = Json.MAPPER.createObjectNode();
      list.put("object", "list");
      ArrayNode data = list.putArray("data");
      results.forEach(r -> data.add(recordJson(r)));
      respond(ctx, list);
    }
  }

  /** {@code {"records":[...]}}, optionally with {@code "signature":{...}} beside them. */
  private static boolean isBatchObject(JsonNode request) {
    if (!request.has("records")) {
      return false;
    }
    for (var names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("records")
          && !name.equals("signature")
          && !name.equals(DeliveryConfirmation.FIELD)) {
        throw ApiException.badRequest(
            "INVALID_REQUEST",
            name
                + ": unknown field beside 'records' (expected only 'records', 'signature' and '"
                + DeliveryConfirmation.FIELD
                + "')");
      }
    }
    return true;
  }

  /** {@code Prefer: return=minimal} (RFC 7240): the sender does not want the records back. */
  private static boolean prefersMinimal(Context ctx) {
    String prefer = ctx.header("Prefer");
    if (prefer == null) {
      return false;
    }
    for (String preference : prefer.split(",")) {
      if (preference.trim().equalsIgnoreCase("return=minimal")) {
        return true;
      }
    }
    return false;
  }

  private void getRecord(Context ctx) {
    String id = ctx.pathParam("id");
    StoredRecord stored =
        records
            .get(id)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "RECORD_NOT_FOUND",
                        "no record with id '"
                            + id
                            + "'"
                            + (id.matches("[0-9a-f]{64}")
                                ? ""
                                : " (record ids are 64 lowercase hex digits)")));
    ObjectNode node = RecordJson.toJson(stored);
    node.put("object", "record");
    records
        .store()
        .envelopeOf(id)
        .ifPresent(envelope -> node.set("signature", signatureJson(envelope)));
    respond(ctx, node);
  }

  /** Who signed a record and the envelope it came in, so anyone can verify it again. */
  private static ObjectNode signatureJson(StoredEnvelope stored) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    JsonNode envelope = Json.parse(stored.json());
    node.put("signed_by", envelope.path("signer").asText());
    node.put("envelope", stored.hash());
    node.set("ids", envelope.path("ids"));
    node.put("sig", envelope.path("sig").asText());
    return node;
  }

  private void listRecords(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    rejectUnknownParameters(query, LIST_PARAMETERS);
    String thread = first(query, "thread");
    if (thread != null && !ThreadIds.isValid(thread)) {
      throw ApiException.badRequest("INVALID_PARAMETER", threadMessage("thread", thread));
    }
    String topic = first(query, "topic");
    if (topic != null && topic.isEmpty()) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER", "topic: expected a topic name but found an empty value");
    }
    Act act = null;
    String actParam = first(query, "act");
    if (actParam != null) {
      try {
        act = Act.parse(actParam);
      } catch (InvalidRecordException e) {
        throw ApiException.badRequest("INVALID_PARAMETER", e.getMessage());
      }
    }
    long after = afterParam(query);
    int limit = limitParam(query, DEFAULT_LIST_LIMIT);
    List<StoredRecord> page = records.query(new RecordQuery(thread, topic, act, after, limit));
    respond(ctx, listJson(page, after));
  }

  private void getThread(Context ctx) {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    rejectUnknownParameters(query, THREAD_PARAMETERS);
    String thread = ctx.pathParam("thread");
    if (!ThreadIds.isValid(thread)) {
      throw ApiException.badRequest("INVALID_THREAD", threadMessage("thread", thread));
    }
    long after = afterParam(query);
    int limit = limitParam(query, RecordQuery.MAX_LIMIT);
    List<StoredRecord> page = records.query(new RecordQuery(thread, null, null, after, limit));
    if (page.isEmpty() && after == 0) {
      throw ApiException.notFound("THREAD_NOT_FOUND", "no records in thread '" + thread + "'");
    }
    ObjectNode list = listJson(page, after);
    list.put("thread", thread);
    respond(ctx, list);
  }

  /**
   * A task's genesis ({@code INTEND task}) by alias or thread id, without reading its thread or the
   * task records: an alias is looked up in the store's index of unique keys (one task per alias), a
   * thread id by the first {@code INTEND task} of that thread.
   */
  private void getTask(Context ctx) {
    rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    String task = ctx.pathParam("task");
    Optional<StoredRecord> genesis;
    if (task.startsWith("th_")) {
      if (!ThreadIds.isValid(task)) {
        throw ApiException.badRequest("INVALID_THREAD", threadMessage("task", task));
      }
      genesis =
          records.query(new RecordQuery(task, UniqueRecords.TASK_TOPIC, Act.INTEND, 0, 1)).stream()
              .findFirst();
      if (genesis.isEmpty()) {
        // A running child's own thread, where it fans out itself (docs/fan-in.md#nested-fan-out).
        genesis =
            records.query(new RecordQuery(task, FanoutRecords.CHILD, Act.INTEND, 0, 1)).stream()
                .findFirst();
      }
    } else {
      genesis =
          records
              .store()
              .holderOf(UniqueRecords.ALIAS_PREFIX + task)
              .flatMap(records::get)
              .filter(
                  stored ->
                      stored.record().act() == Act.INTEND
                          && UniqueRecords.TASK_TOPIC.equals(stored.record().topic()));
    }
    StoredRecord found =
        genesis.orElseThrow(
            () ->
                ApiException.notFound(
                    "TASK_NOT_FOUND",
                    task.startsWith("th_")
                        ? "no task was created on thread '" + task + "'"
                        : "no task has the alias '" + task + "'"));
    ObjectNode node = RecordJson.toJson(found);
    node.put("object", "record");
    respond(ctx, node);
  }

  private void health(Context ctx) {
    respond(ctx, settings.health().get());
  }

  private void fleetStatus(Context ctx) {
    rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    respond(ctx, settings.fleet().fleetStatus());
  }

  private void forget(Context ctx) {
    rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    ActionBody body = ActionBody.parse(readBody(ctx), Set.of("instance"));
    String instance = body.text("instance");
    if (instance == null || instance.isBlank()) {
      throw ApiException.badRequest(
          "INVALID_REQUEST", "instance: expected a DID or an alias but found nothing");
    }
    respond(ctx, settings.fleet().forget(instance));
  }

  private void refusals(Context ctx) {
    rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    ObjectNode node = settings.intake().trust().refusals().toJson();
    node.put("object", "refusals");
    respond(ctx, node);
  }

  private void rules(Context ctx) {
    rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    respond(ctx, settings.fleet().rules());
  }

  byte[] readBody(Context ctx) {
    long limit = settings.maxRequestBytes();
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(declared + " bytes");
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
      if (body.length > limit) {
        throw tooLarge("more than " + limit + " bytes");
      }
      return body;
    } catch (IOException e) {
      throw ApiException.badRequest(
          "UNREADABLE_BODY", "request body: could not be read (" + e.getMessage() + ")");
    }
  }

  private ApiException tooLarge(String found) {
    return new ApiException(
        413,
        "REQUEST_TOO_LARGE",
        "request body: expected at most "
            + settings.maxRequestBytes()
            + " bytes but found "
            + found
            + "; send fewer records per request");
  }

  static JsonNode parseJson(byte[] body) {
    if (body.length == 0) {
      throw ApiException.badRequest(
          "MALFORMED_JSON",
          "request body: expected a record object, an array of records or {\"records\":[...]} but"
              + " the body is empty");
    }
    JsonNode node;
    try {
      node = Json.parse(body);
    } catch (MalformedJsonException e) {
      throw ApiException.badRequest("MALFORMED_JSON", "request body: " + e.getMessage());
    }
    if (node.isMissingNode()) {
      throw ApiException.badRequest(
          "MALFORMED_JSON", "request body: expected JSON but found only whitespace");
    }
    return node;
  }

  static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static void rejectUnknownParameters(Map<String, List<String>> query, Set<String> allowed) {
    for (Map.Entry<String, List<String>> entry : query.entrySet()) {
      if (!allowed.contains(entry.getKey())) {
        throw ApiException.badRequest(
            "INVALID_PARAMETER",
            "unknown query parameter '"
                + entry.getKey()
                + "' (expected "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
      if (entry.getValue().size() > 1) {
        throw ApiException.badRequest(
            "INVALID_PARAMETER",
            entry.getKey() + ": expected one value but found " + entry.getValue().size());
      }
    }
  }

  private static long afterParam(Map<String, List<String>> query) {
    String value = first(query, "after");
    if (value == null) {
      return 0;
    }
    try {
      long after = Long.parseLong(value);
      if (after >= 0) {
        return after;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "INVALID_PARAMETER", "after: expected a non-negative seq but found '" + value + "'");
  }

  private static int limitParam(Map<String, List<String>> query, int defaultLimit) {
    String value = first(query, "limit");
    if (value == null) {
      return defaultLimit;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= RecordQuery.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "INVALID_PARAMETER",
        "limit: expected an integer 1.." + RecordQuery.MAX_LIMIT + " but found '" + value + "'");
  }

  static String threadMessage(String field, String thread) {
    return field
        + ": expected 'th_' followed by 64 lowercase hex digits (or one of "
        + String.join(", ", ThreadIds.RESERVED.stream().sorted().toList())
        + ") but found '"
        + thread
        + "'";
  }

  private static ObjectNode listJson(List<StoredRecord> page, long after) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("object", "list");
    ArrayNode data = list.putArray("data");
    for (StoredRecord stored : page) {
      data.add(RecordJson.toJson(stored));
    }
    list.put("next_after", page.isEmpty() ? after : page.get(page.size() - 1).seq());
    return list;
  }

  private static ObjectNode recordJson(AppendResult result) {
    ObjectNode node = RecordJson.toJson(result.stored());
    node.put("object", "record");
    node.put("created", result.created());
    return node;
  }

  private static List<JsonNode> elements(JsonNode array) {
    List<JsonNode> out = new ArrayList<>(array.size());
    array.forEach(out::add);
    return out;
  }

  private void javalinError(Context ctx, HttpResponseException e) {
    if (e instanceof NotFoundResponse) {
      error(ctx, 404, "ROUTE_NOT_FOUND", "no route for " + ctx.method() + " " + ctx.path());
    } else if (e instanceof MethodNotAllowedResponse) {
      error(
          ctx,
          405,
          "METHOD_NOT_ALLOWED",
          "method " + ctx.method() + " is not allowed on " + ctx.path());
    } else if (e.getStatus() == 413) {
      error(ctx, 413, "REQUEST_TOO_LARGE", tooLarge("a larger body").getMessage());
    } else {
      error(ctx, e.getStatus(), "HTTP_" + e.getStatus(), e.getMessage());
    }
  }

  private void internalError(Context ctx, Exception e) {
    LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
    error(ctx, 500, "INTERNAL", "the daemon failed to handle this request; see the daemon log");
  }

  private void error(Context ctx, int status, String code, String message) {
    error(ctx, status, code, message, null);
  }

  private void error(Context ctx, int status, String code, String message, ObjectNode details) {
    ctx.status(status);
    respond(ctx, ErrorEnvelope.json(status, code, message, details));
  }

  /** Writes {@code body} to the response as it is produced, never holding it whole. */
  static void respondStreamed(Context ctx, FanoutEndpoints.StreamedJson body, String contentType) {
    ctx.contentType(contentType);
    try (com.fasterxml.jackson.core.JsonGenerator out =
        Json.MAPPER.getFactory().createGenerator(ctx.outputStream())) {
      body.writeTo(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("writing the answer: " + e.getMessage(), e);
    }
  }

  static void respond(Context ctx, JsonNode node) {
    try {
      ctx.contentType(JSON).result(Json.MAPPER.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
