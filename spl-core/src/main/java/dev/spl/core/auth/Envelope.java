package dev.spl.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Actors;
import dev.spl.core.BodyFields;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Hex;
import dev.spl.core.Json;
import dev.spl.core.RecordIds;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A signature over one request's records: {@code signer} (a daemon DID) vouches for the records
 * whose ids are {@code ids}, in that order. It travels beside the records ({@code
 * {"records":[...],"signature":{...}}}), never inside them, so a record's id does not depend on who
 * sent it. One signature per request, not per record: a batch of 2,000 records costs one Ed25519
 * signature and one verification.
 *
 * <p>The signed bytes are {@code spl-envelope-v1}, the signer and each id, each followed by a line
 * feed: a domain of their own, so they can never be mistaken for any other signed message.
 */
public record Envelope(String signer, List<String> ids, String sig) {
  static final String DOMAIN = "spl-envelope-v1";

  public Envelope {
    if (!Actors.isInstance(signer)) {
      throw new IllegalArgumentException(
          "signature.signer: expected did:sync:instance:<16 hex> but found '" + signer + "'");
    }
    ids = List.copyOf(ids);
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("signature.ids: expected at least one record id");
    }
    for (int i = 0; i < ids.size(); i++) {
      if (!RecordIds.isValid(ids.get(i))) {
        throw new IllegalArgumentException(
            "signature.ids["
                + i
                + "]: expected a record id (64 lowercase hex digits) but found '"
                + ids.get(i)
                + "'");
      }
    }
    Objects.requireNonNull(sig, "sig");
  }

  static byte[] signedBytes(String signer, List<String> ids) {
    StringBuilder text = new StringBuilder(DOMAIN.length() + 40 + ids.size() * 65);
    text.append(DOMAIN).append('\n').append(signer).append('\n');
    for (String id : ids) {
      text.append(id).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code key} signed this envelope. */
  public boolean isSignedBy(PublicKey key) {
    return Ed25519.verify(key, signedBytes(signer, ids), sig);
  }

  public ObjectNode toJson() {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("signer", signer);
    ArrayNode array = node.putArray("ids");
    ids.forEach(array::add);
    node.put("sig", sig);
    return node;
  }

  /** The canonical JSON of the envelope, as stored beside the records it covers. */
  public byte[] canonicalBytes() {
    return CanonicalJson.bytes(toJson());
  }

  /** SHA-256 of {@link #canonicalBytes()}: what a stored record refers to its envelope by. */
  public String hash() {
    return Hex.sha256(canonicalBytes());
  }

  /**
   * Reads {@code {"signer":..., "ids":[...], "sig":...}}; throws {@link IllegalArgumentException}
   * naming the field that is wrong.
   */
  public static Envelope fromJson(JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(
          "signature: expected an object {signer, ids, sig} but found " + Json.kind(node));
    }
    for (var names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!List.of("signer", "ids", "sig").contains(name)) {
        throw new IllegalArgumentException(
            "signature." + name + ": unknown field (expected signer, ids, sig)");
      }
    }
    JsonNode ids = object.get("ids");
    if (ids == null || !ids.isArray()) {
      throw new IllegalArgumentException(
          "signature.ids: expected an array of record ids but found " + BodyFields.describe(ids));
    }
    List<String> list = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      if (!ids.get(i).isTextual()) {
        throw new IllegalArgumentException(
            "signature.ids[" + i + "]: expected a record id but found " + Json.kind(ids.get(i)));
      }
      list.add(ids.get(i).asText());
    }
    JsonNode signer = object.get("signer");
    JsonNode sig = object.get("sig");
    if (signer == null || !signer.isTextual()) {
      throw new IllegalArgumentException(
          "signature.signer: expected a daemon DID but found " + BodyFields.describe(signer));
    }
    if (sig == null || !sig.isTextual()) {
      throw new IllegalArgumentException(
          "signature.sig: expected a base64url signature but found " + BodyFields.describe(sig));
    }
    return new Envelope(signer.asText(), list, sig.asText());
  }
}
