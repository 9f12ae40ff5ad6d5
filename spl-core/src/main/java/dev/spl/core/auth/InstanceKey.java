package dev.spl.core.auth;

import dev.spl.core.Actors;
import dev.spl.core.Hex;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;

/**
 * A daemon's identity: its DID and its Ed25519 key pair. A home created with its key gets the DID
 * {@code did:sync:instance:} + the first 16 hex digits of SHA-256 of the raw public key, so the DID
 * names the key; a home whose DID is older than its key keeps its DID, and the binding is the one
 * its coordinator records when it registers.
 */
public record InstanceKey(String did, PublicKey publicKey, PrivateKey privateKey) {
  public InstanceKey {
    if (!Actors.isInstance(did)) {
      throw new IllegalArgumentException(
          "did: expected did:sync:instance:<16 hex> but found '" + did + "'");
    }
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(privateKey, "privateKey");
  }

  /** A new key pair and the DID derived from it. */
  public static InstanceKey generate() {
    KeyPair pair = Ed25519.generate();
    return new InstanceKey(didOf(pair.getPublic()), pair.getPublic(), pair.getPrivate());
  }

  /** A new key pair for a DID that exists already. */
  public static InstanceKey generateFor(String did) {
    KeyPair pair = Ed25519.generate();
    return new InstanceKey(did, pair.getPublic(), pair.getPrivate());
  }

  /** The DID a key names: the first 16 hex digits of SHA-256 of its raw bytes. */
  public static String didOf(PublicKey key) {
    return "did:sync:instance:" + Hex.sha256(Ed25519.rawPublic(key)).substring(0, 16);
  }

  public String publicKeyText() {
    return Ed25519.publicKeyText(publicKey);
  }

  /** An envelope over the records {@code ids}, signed by this daemon. */
  public Envelope sign(List<String> ids) {
    return new Envelope(did, ids, Ed25519.sign(privateKey, Envelope.signedBytes(did, ids)));
  }

  @Override
  public String toString() {
    // Never print the private key.
    return "InstanceKey[" + did + ", " + publicKeyText() + "]";
  }
}
