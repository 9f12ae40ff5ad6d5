package dev.spl.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The signature a request's records arrived with, as a store keeps it beside them: {@code hash}
 * (SHA-256 hex of {@code json}) is what each of those records refers to, {@code json} the
 * envelope's canonical JSON, so anyone can verify it again later. The store does not read it.
 */
public record StoredEnvelope(String hash, byte[] json) {
  public StoredEnvelope {
    RecordIds.requireValid(hash, "hash");
    Objects.requireNonNull(json, "json");
    json = json.clone();
    if (!Hex.sha256(json).equals(hash)) {
      throw new IllegalArgumentException(
          "hash: expected the SHA-256 of the envelope ("
              + Hex.sha256(json)
              + ") but found "
              + hash);
    }
  }

  @Override
  public byte[] json() {
    return json.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoredEnvelope that
        && hash.equals(that.hash)
        && Arrays.equals(json, that.json);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "StoredEnvelope[" + hash + "]";
  }
}
