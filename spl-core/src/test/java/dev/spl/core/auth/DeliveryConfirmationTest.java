package dev.spl.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeliveryConfirmationTest {
  private static final String WORKER = "did:sync:instance:000000000000000a";
  private static final String OTHER_WORKER = "did:sync:instance:000000000000000b";
  private static final String FIRST = "1".repeat(64);
  private static final String SECOND = "2".repeat(64);
  private static final String NOT_SENT = "3".repeat(64);

  private final InstanceKey coordinator = InstanceKey.generate();

  private DeliveryConfirmation confirmation() {
    return DeliveryConfirmation.sign(coordinator, WORKER, 42, 7, List.of(FIRST, SECOND, NOT_SENT));
  }

  @Test
  void readsBackWhatItWritesAndVerifiesWithTheSignersKeyOnly() {
    DeliveryConfirmation confirmation = confirmation();
    DeliveryConfirmation read = DeliveryConfirmation.fromJson(confirmation.toJson());

    assertThat(read).isEqualTo(confirmation);
    assertThat(read.isSignedBy(coordinator.publicKey())).isTrue();
    assertThat(read.isSignedBy(InstanceKey.generate().publicKey())).isFalse();
  }

  @Test
  void anyChangedFieldBreaksTheSignature() {
    DeliveryConfirmation signed = confirmation();
    List<DeliveryConfirmation> changed =
        List.of(
            new DeliveryConfirmation(
                signed.signer(), OTHER_WORKER, 42, 7, signed.intents(), signed.sig()),
            new DeliveryConfirmation(
                signed.signer(), WORKER, 43, 7, signed.intents(), signed.sig()),
            new DeliveryConfirmation(
                signed.signer(), WORKER, 42, 0, signed.intents(), signed.sig()),
            new DeliveryConfirmation(signed.signer(), WORKER, 42, 7, List.of(FIRST), signed.sig()));
    for (DeliveryConfirmation forged : changed) {
      assertThat(forged.isSignedBy(coordinator.publicKey())).as(forged.toString()).isFalse();
    }
  }

  @Test
  void anEnvelopesSignatureOverTheSameIdsIsNoConfirmation() {
    Envelope envelope = coordinator.sign(List.of(FIRST));
    DeliveryConfirmation passedOff =
        new DeliveryConfirmation(coordinator.did(), WORKER, 42, 0, List.of(FIRST), envelope.sig());

    assertThat(passedOff.isSignedBy(coordinator.publicKey())).isFalse();
  }

  @Test
  void honoursOnlyTheIntentsSentWithItForTheWorkerItNamesFromTheRequestsSigner() {
    DeliveryConfirmation confirmation = confirmation();
    Set<String> sent = Set.of(FIRST, SECOND);

    assertThat(confirmation.honouredBy(WORKER, coordinator.did(), coordinator.publicKey(), sent))
        .containsExactly(FIRST, SECOND);
    assertThat(
            confirmation.honouredBy(OTHER_WORKER, coordinator.did(), coordinator.publicKey(), sent))
        .isEmpty();
    InstanceKey other = InstanceKey.generate();
    assertThat(confirmation.honouredBy(WORKER, other.did(), other.publicKey(), sent)).isEmpty();
    assertThat(confirmation.honouredBy(WORKER, coordinator.did(), other.publicKey(), sent))
        .isEmpty();
    assertThat(confirmation.honouredBy(WORKER, coordinator.did(), null, sent)).isEmpty();
  }

  @Test
  void aMalformedConfirmationIsRefusedNamingTheField() {
    ObjectNode good = confirmation().toJson();

    ObjectNode unknown = good.deepCopy();
    unknown.put("extra", 1);
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(unknown))
        .hasMessageContaining("confirmed.extra: unknown field");
    ObjectNode noIntents = good.deepCopy();
    noIntents.putArray("intents");
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(noIntents))
        .hasMessageContaining("confirmed.intents: expected at least one record id");
    ObjectNode badId = good.deepCopy();
    badId.putArray("intents").add("abc");
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(badId))
        .hasMessageContaining("confirmed.intents[0]: expected a record id")
        .hasMessageContaining("'abc'");
    ObjectNode textLife = good.deepCopy();
    textLife.put("worker_started_at", "soon");
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(textLife))
        .hasMessageContaining("confirmed.worker_started_at: expected epoch milliseconds");
    ObjectNode negativeAge = good.deepCopy();
    negativeAge.put("age_ms", -1);
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(negativeAge))
        .hasMessageContaining("confirmed.age_ms: expected milliseconds, 0 or more, but found -1");
    ObjectNode badWorker = good.deepCopy();
    badWorker.put("worker", "me");
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(badWorker))
        .hasMessageContaining("confirmed.worker: expected did:sync:instance:");
    assertThatThrownBy(() -> DeliveryConfirmation.fromJson(Json.MAPPER.createArrayNode()))
        .hasMessageContaining("confirmed: expected an object");
  }
}
