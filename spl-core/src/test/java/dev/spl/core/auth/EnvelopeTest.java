package dev.spl.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spl.core.Hex;
import dev.spl.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
  private static final String A = Hex.sha256("a".getBytes(StandardCharsets.UTF_8));
  private static final String B = Hex.sha256("b".getBytes(StandardCharsets.UTF_8));

  @Test
  void aSignedEnvelopeVerifiesWithItsKeyOnly() {
    InstanceKey key = InstanceKey.generate();
    InstanceKey other = InstanceKey.generate();
    Envelope envelope = key.sign(List.of(A, B));

    assertThat(envelope.signer()).isEqualTo(key.did());
    assertThat(envelope.isSignedBy(key.publicKey())).isTrue();
    assertThat(envelope.isSignedBy(other.publicKey())).isFalse();
    // Other ids, or the same ids in another order, are not what was signed.
    assertThat(new Envelope(key.did(), List.of(B, A), envelope.sig()).isSignedBy(key.publicKey()))
        .isFalse();
    assertThat(new Envelope(key.did(), List.of(A), envelope.sig()).isSignedBy(key.publicKey()))
        .isFalse();
    // Another signer named over the same signature does not verify either.
    assertThat(new Envelope(other.did(), List.of(A, B), envelope.sig()).isSignedBy(key.publicKey()))
        .isFalse();
  }

  @Test
  void theDidOfANewKeyNamesTheKey() {
    InstanceKey key = InstanceKey.generate();
    assertThat(key.did()).matches("did:sync:instance:[0-9a-f]{16}");
    assertThat(InstanceKey.didOf(key.publicKey())).isEqualTo(key.did());
    assertThat(key.toString()).doesNotContain(Ed25519.privateKeyText(key.privateKey()));
  }

  @Test
  void jsonRoundTripsAndTheHashCoversEveryField() {
    InstanceKey key = InstanceKey.generate();
    Envelope envelope = key.sign(List.of(A));
    Envelope read = Envelope.fromJson(Json.parse(envelope.canonicalBytes()));
    assertThat(read).isEqualTo(envelope);
    assertThat(read.hash()).isEqualTo(Hex.sha256(envelope.canonicalBytes()));
    assertThat(key.sign(List.of(B)).hash()).isNotEqualTo(envelope.hash());
  }

  @Test
  void publicKeysRoundTripAndBadTextIsNamed() {
    InstanceKey key = InstanceKey.generate();
    assertThat(Ed25519.parsePublicKey(key.publicKeyText())).isEqualTo(key.publicKey());
    assertThatThrownBy(() -> Ed25519.parsePublicKey("rsa:abc"))
        .hasMessageContaining("expected a public key 'ed25519:<base64url>' but found 'rsa:abc'");
    assertThatThrownBy(() -> Ed25519.parsePublicKey("ed25519:AAAA"))
        .hasMessageContaining("of 32 bytes but found 3");
  }

  @Test
  void malformedEnvelopesAreRefusedNamingTheField() {
    assertThatThrownBy(
            () -> Envelope.fromJson(Json.parse("{\"signer\":\"x\",\"ids\":[],\"sig\":\"\"}")))
        .hasMessageContaining(
            "signature.signer: expected did:sync:instance:<16 hex> but found 'x'");
    assertThatThrownBy(
            () ->
                Envelope.fromJson(
                    Json.parse(
                        "{\"signer\":\"did:sync:instance:0123456789abcdef\",\"ids\":[\"zz\"],\"sig\":\"\"}")))
        .hasMessageContaining("signature.ids[0]: expected a record id");
    assertThatThrownBy(
            () -> Envelope.fromJson(Json.parse("{\"signer\":1,\"ids\":[],\"sig\":\"\",\"x\":1}")))
        .hasMessageContaining("signature.x: unknown field");
    assertThatThrownBy(() -> Envelope.fromJson(Json.parse("[]")))
        .hasMessageContaining("signature: expected an object");
  }
}
