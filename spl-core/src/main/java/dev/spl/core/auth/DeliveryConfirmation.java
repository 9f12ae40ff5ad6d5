package dev.spl.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.Json;
import dev.spl.core.RecordIds;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A coordinator's word, sent beside the child INTENDs it delivers to a worker, that their attempts
 * are current: what the attempt fence ({@code POST /v1/attempts/standing}) would have answered for
 * them when its reconciler loop spawned them, {@code ageMillis} before the request was sent. The
 * worker takes each named attempt as confirmed when its INTEND is new to it, so it starts without
 * asking; the confirmation then ages like a fence answer, counted from the spawn.
 *
 * <p>It travels as {@code "confirmed"} beside {@code "records"} and {@code "signature"} in a {@code
 * POST /v1/records} body, signed by the same daemon as the request's envelope. The signed bytes are
 * {@code spl-delivery-confirmation-v1}, the signer, the worker, the worker's start time, the age
 * and each INTEND id, each followed by a line feed: a domain of their own, so neither an envelope's
 * signature nor any other can be passed off as one.
 *
 * @param signer the coordinator that confirms
 * @param worker the worker the attempts were spawned on
 * @param workerStartedAt the start of the worker's life the coordinator has heard from: a worker
 *     that restarted since takes nothing from it
 * @param ageMillis how long before the request was sent the attempts were found current: the worker
 *     counts the confirmation's age from then
 * @param intents ids of child INTEND records sent in the same request
 */
public record DeliveryConfirmation(
    String signer,
    String worker,
    long workerStartedAt,
    long ageMillis,
    List<String> intents,
    String sig) {
  static final String DOMAIN = "spl-delivery-confirmation-v1";

  /** The member of a {@code POST /v1/records} body that carries it. */
  public static final String FIELD = "confirmed";

  private static final List<String> FIELDS =
      List.of("signer", "worker", "worker_started_at", "age_ms", "intents", "sig");

  public DeliveryConfirmation {
    requireInstance("signer", signer);
    requireInstance("worker", worker);
    if (workerStartedAt < 0) {
      throw new IllegalArgumentException(
          FIELD + ".worker_started_at: expected epoch milliseconds but found " + workerStartedAt);
    }
    if (ageMillis < 0) {
      throw new IllegalArgumentException(
          FIELD + ".age_ms: expected milliseconds, 0 or more, but found " + ageMillis);
    }
    intents = List.copyOf(intents);
    if (intents.isEmpty()) {
      throw new IllegalArgumentException(FIELD + ".intents: expected at least one record id");
    }
    for (int i = 0; i < intents.size(); i++) {
      if (!RecordIds.isValid(intents.get(i))) {
        throw new IllegalArgumentException(
            FIELD
                + ".intents["
                + i
                + "]: expected a record id (64 lowercase hex digits) but found '"
                + intents.get(i)
                + "'");
      }
    }
    Objects.requireNonNull(sig, "sig");
  }

  private static void requireInstance(String field, String did) {
    if (!Actors.isInstance(did)) {
      throw new IllegalArgumentException(
          FIELD + "." + field + ": expected did:sync:instance:<16 hex> but found '" + did + "'");
    }
  }

  /** {@code key}'s confirmation of {@code intents}, found current {@code ageMillis} ago. */
  public static DeliveryConfirmation sign(
      InstanceKey key, String worker, long workerStartedAt, long ageMillis, List<String> intents) {
    return new DeliveryConfirmation(
        key.did(),
        worker,
        workerStartedAt,
        ageMillis,
        intents,
        Ed25519.sign(
            key.privateKey(), signedBytes(key.did(), worker, workerStartedAt, ageMillis, intents)));
  }

  static byte[] signedBytes(
      String signer, String worker, long workerStartedAt, long ageMillis, List<String> intents) {
    StringBuilder text = new StringBuilder(DOMAIN.length() + 120 + intents.size() * 65);
    text.append(DOMAIN).append('\n');
    text.append(signer).append('\n').append(worker).append('\n');
    text.append(workerStartedAt).append('\n').append(ageMillis).append('\n');
    for (String id : intents) {
      text.append(id).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code key} signed this confirmation. */
  public boolean isSignedBy(PublicKey key) {
    return Ed25519.verify(
        key, signedBytes(signer, worker, workerStartedAt, ageMillis, intents), sig);
  }

  /**
   * The INTENDs a worker may take as confirmed: none unless this confirmation names {@code self},
   * was signed by {@code envelopeSigner} (who signed the records, and whom the receiver checked as
   * its coordinator for each INTEND) and verifies with {@code signerKey}; then those of its intents
   * that are among {@code sentIntents}, the child INTENDs of the same request. The worker's start
   * time is the worker's to compare.
   */
  public Set<String> honouredBy(
      String self, String envelopeSigner, PublicKey signerKey, Set<String> sentIntents) {
    if (!worker.equals(self)
        || !signer.equals(envelopeSigner)
        || signerKey == null
        || !isSignedBy(signerKey)) {
      return Set.of();
    }
    Set<String> honoured = new LinkedHashSet<>();
    for (String id : intents) {
      if (sentIntents.contains(id)) {
        honoured.add(id);
      }
    }
    return honoured;
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("signer", signer);
    node.put("worker", worker);
    node.put("worker_started_at", workerStartedAt);
    node.put("age_ms", ageMillis);
    ArrayNode array = node.putArray("intents");
    intents.forEach(array::add);
    node.put("sig", sig);
    return node;
  }

  /**
   * Reads {@code {"signer", "worker", "worker_started_at", "intents", "sig"}}; throws {@link
   * IllegalArgumentException} naming the field that is wrong.
   */
  public static DeliveryConfirmation fromJson(JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(
          FIELD
              + ": expected an object {signer, worker, worker_started_at, intents, sig} but found "
              + Json.kind(node));
    }
    for (var names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            FIELD + "." + name + ": unknown field (expected " + String.join(", ", FIELDS) + ")");
      }
    }
    JsonNode intents = object.get("intents");
    if (intents == null || !intents.isArray()) {
      throw new IllegalArgumentException(
          FIELD
              + ".intents: expected an array of record ids but found "
              + BodyFields.describe(intents));
    }
    List<String> ids = new ArrayList<>(intents.size());
    for (int i = 0; i < intents.size(); i++) {
      if (!intents.get(i).isTextual()) {
        throw new IllegalArgumentException(
            FIELD
                + ".intents["
                + i
                + "]: expected a record id but found "
                + Json.kind(intents.get(i)));
      }
      ids.add(intents.get(i).asText());
    }
    JsonNode startedAt = object.get("worker_started_at");
    if (startedAt == null || !startedAt.canConvertToLong() || !startedAt.isIntegralNumber()) {
      throw new IllegalArgumentException(
          FIELD
              + ".worker_started_at: expected epoch milliseconds but found "
              + BodyFields.describe(startedAt));
    }
    JsonNode age = object.get("age_ms");
    if (age == null || !age.canConvertToLong() || !age.isIntegralNumber()) {
      throw new IllegalArgumentException(
          FIELD + ".age_ms: expected milliseconds but found " + BodyFields.describe(age));
    }
    return new DeliveryConfirmation(
        text(object, "signer", "a daemon DID"),
        text(object, "worker", "a daemon DID"),
        startedAt.asLong(),
        age.asLong(),
        ids,
        text(object, "sig", "a base64url signature"));
  }

  private static String text(ObjectNode object, String field, String expected) {
    JsonNode value = object.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(
          FIELD
              + "."
              + field
              + ": expected "
              + expected
              + " but found "
              + BodyFields.describe(value));
    }
    return value.asText();
  }
}
