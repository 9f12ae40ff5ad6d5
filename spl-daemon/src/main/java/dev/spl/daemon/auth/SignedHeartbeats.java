package dev.spl.daemon.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.ThreadIds;
import dev.spl.core.fleet.Heartbeat;
import java.util.List;

/**
 * A heartbeat as a worker sends it: the record, carrying the worker's public key (which registers
 * it at its coordinator), signed; and what the worker learns from the answer: its coordinator's DID
 * and key.
 */
public final class SignedHeartbeats {
  private SignedHeartbeats() {}

  /** The body of the POST: {@code {"records":[heartbeat],"signature":{...}}}. */
  public static byte[] request(Heartbeat heartbeat, Trust trust) {
    ObjectNode body = heartbeat.toBody();
    body.put(RecordIntake.PUBLIC_KEY_FIELD, trust.key().publicKeyText());
    Record record =
        new Record(
            ThreadIds.INSTANCE_REGISTRY,
            heartbeat.did(),
            Act.DO,
            body,
            heartbeat.sentAt(),
            List.of());
    ObjectNode request = Json.MAPPER.createObjectNode();
    request.putArray("records").add(RecordJson.toJson(record, record.id()));
    request.set("signature", trust.key().sign(List.of(record.id())).toJson());
    try {
      return Json.MAPPER.writeValueAsBytes(request);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /**
   * Takes the coordinator's DID and key from a successful heartbeat answer; false when the answer
   * names none, or another coordinator than the one this worker trusts.
   */
  public static boolean learnCoordinator(byte[] answer, Trust trust, String url) {
    JsonNode node;
    try {
      node = Json.parse(answer);
    } catch (MalformedJsonException e) {
      return false;
    }
    String did = node.path("coordinator_did").asText(null);
    String key = node.path("coordinator_public_key").asText(null);
    if (did == null || key == null) {
      return false;
    }
    return trust.learnCoordinator(did, key, url);
  }
}
