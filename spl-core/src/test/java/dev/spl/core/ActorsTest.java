package dev.spl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ActorsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "did:sync:instance:0123456789abcdef",
        "did:sync:user:a",
        "did:sync:user:Jane.Doe_1@example-host",
        "did:sync:user:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      })
  void acceptsInstancesAndUsers(String actor) {
    assertThat(Actors.isValid(actor)).isTrue();
    Actors.requireValid(actor);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "did:sync:instance:0123456789ABCDEF",
        "did:sync:instance:0123456789abcde",
        "did:sync:instance:0123456789abcdef0",
        "did:sync:instance:0123456789abcdeg",
        "did:sync:user:",
        "did:sync:user:has space",
        "did:sync:user:slash/",
        "did:sync:user:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "did:sync:other:x",
        "DID:sync:user:x"
      })
  void refusesAnythingElseNamingIt(String actor) {
    assertThat(Actors.isValid(actor)).isFalse();
    assertThatThrownBy(() -> Actors.requireValid(actor))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("actor: expected")
        .hasMessageContaining("'" + actor + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"did:sync:instance:0123456789abcdef"})
  void tellsInstancesFromUsers(String instance) {
    assertThat(Actors.isInstance(instance)).isTrue();
    assertThat(Actors.isInstance("did:sync:user:a")).isFalse();
    assertThat(Actors.isInstance(null)).isFalse();
    assertThat(Actors.isValid(null)).isFalse();
  }
}
