package dev.spl.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class Ed25519Test {
  private static final byte[] MESSAGE = "the ids of an envelope".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsAsTheJdkProviderDoesAndTheJdkVerifiesIt() throws Exception {
    KeyPair pair = Ed25519.generate();

    String signed = Ed25519.sign(pair.getPrivate(), MESSAGE);

    Signature jdk = Signature.getInstance("Ed25519");
    jdk.initSign(pair.getPrivate());
    jdk.update(MESSAGE);
    assertThat(signed)
        .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(jdk.sign()));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(pair.getPublic());
    verifier.update(MESSAGE);
    assertThat(verifier.verify(Base64.getUrlDecoder().decode(signed))).isTrue();
  }

  @Test
  void verifiesItsOwnSignaturesAndNothingElse() {
    KeyPair pair = Ed25519.generate();
    KeyPair other = Ed25519.generate();
    String signed = Ed25519.sign(pair.getPrivate(), MESSAGE);
    byte[] tampered = MESSAGE.clone();
    tampered[0] ^= 1;

    assertThat(Ed25519.verify(pair.getPublic(), MESSAGE, signed)).isTrue();
    assertThat(Ed25519.verify(pair.getPublic(), tampered, signed)).isFalse();
    assertThat(Ed25519.verify(other.getPublic(), MESSAGE, signed)).isFalse();
    assertThat(Ed25519.verify(pair.getPublic(), MESSAGE, signed.substring(1))).isFalse();
    assertThat(Ed25519.verify(pair.getPublic(), MESSAGE, "not base64!")).isFalse();
  }

  @Test
  void keysReadBackFromTheirTextSignAndVerifyTheSame() {
    KeyPair pair = Ed25519.generate();
    String signed = Ed25519.sign(pair.getPrivate(), MESSAGE);

    String again =
        Ed25519.sign(Ed25519.parsePrivateKey(Ed25519.privateKeyText(pair.getPrivate())), MESSAGE);

    assertThat(again).isEqualTo(signed);
    assertThat(
            Ed25519.verify(
                Ed25519.parsePublicKey(Ed25519.publicKeyText(pair.getPublic())), MESSAGE, signed))
        .isTrue();
  }

  @Test
  void verifiesTheJdksOwnKeysWithoutTheJdkProvider() {
    KeyPair pair = Ed25519.generate();

    // The JDK provider's verify costs about a millisecond an envelope on JDK 17; its keys call
    // themselves "EdDSA", which must not send them there.
    assertThat(pair.getPublic().getAlgorithm()).isEqualTo("EdDSA");
    assertThat(Ed25519.rawVerifyingKey(pair.getPublic())).isNotNull();
    assertThat(
            Ed25519.rawVerifyingKey(
                Ed25519.parsePublicKey(Ed25519.publicKeyText(pair.getPublic()))))
        .isNotNull();
  }
}
