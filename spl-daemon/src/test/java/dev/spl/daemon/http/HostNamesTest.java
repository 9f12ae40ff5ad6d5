package dev.spl.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostNamesTest {
  @Test
  void aLoopbackBindAnswersToTheLoopbackNamesOnItsPortOnly() {
    HostNames names = HostNames.of("127.0.0.1", null);

    assertThat(names.allows("127.0.0.1:9100", 9100)).isTrue();
    assertThat(names.allows("localhost:9100", 9100)).isTrue();
    assertThat(names.allows("LocalHost:9100", 9100)).isTrue();
    assertThat(names.allows("[::1]:9100", 9100)).isTrue();
    assertThat(names.allows("[0:0:0:0:0:0:0:1]:9100", 9100)).isTrue();
    assertThat(names.allows("127.0.0.1:9101", 9100)).isFalse();
    assertThat(names.allows("127.0.0.1", 9100)).isFalse();
    assertThat(names.allows("127.0.0.1", 80)).isTrue();
    assertThat(names.allows("127.0.0.2:9100", 9100)).isFalse();
    assertThat(names.allows("evil.example:9100", 9100)).isFalse();
    assertThat(names.allows("localhost.:9100", 9100)).isFalse();
    assertThat(names.allows("", 9100)).isFalse();
    assertThat(names.allows(null, 9100)).isFalse();
    assertThat(names.allows("127.0.0.1:", 9100)).isFalse();
    assertThat(names.allows("::1:9100", 9100)).isFalse();
  }

  @Test
  void aHostTakenBeforeIsTakenOnlyOnThePortItCameInOn() {
    HostNames names = HostNames.of("127.0.0.1", null);

    for (int i = 0; i < 3; i++) {
      assertThat(names.allows("localhost:9100", 9100)).isTrue();
      assertThat(names.allows("localhost:9100", 9101)).isFalse();
      assertThat(names.allows("evil.example:9100", 9100)).isFalse();
    }
    for (int port = 1; port <= 200; port++) {
      assertThat(names.allows("127.0.0.1:" + port, port)).isTrue();
    }
    assertThat(names.allows("127.0.0.1:7", 9100)).isFalse();
  }

  @Test
  void theAdvertisedUrlAddsItsHostWithItsOwnPortAndTheBoundOne() {
    HostNames names = HostNames.of("127.0.0.1", "https://Fleet.Example.org/");

    assertThat(names.allows("fleet.example.org", 9100)).isFalse();
    assertThat(names.allows("fleet.example.org:443", 9100)).isTrue();
    assertThat(names.allows("fleet.example.org:9100", 9100)).isTrue();
    assertThat(names.allows("fleet.example.org:8443", 9100)).isFalse();
    assertThat(names.allowsOrigin("https://fleet.example.org", 9100)).isTrue();
    assertThat(names.allowsOrigin("http://fleet.example.org", 9100)).isFalse();
  }

  @Test
  void aWildcardBindAnswersToLoopbackAndTheMachinesAddresses() {
    HostNames names = HostNames.of("0.0.0.0", null);

    assertThat(names.allows("127.0.0.1:9100", 9100)).isTrue();
    assertThat(names.allows("localhost:9100", 9100)).isTrue();
    assertThat(names.allows("evil.example:9100", 9100)).isFalse();
  }

  @Test
  void aBindToAnotherAddressDoesNotAnswerToLocalhost() {
    HostNames names = HostNames.of("192.0.2.7", null);

    assertThat(names.allows("192.0.2.7:9100", 9100)).isTrue();
    assertThat(names.allows("localhost:9100", 9100)).isFalse();
  }

  @Test
  void anOriginIsSchemeHostAndPortOfTheDaemonItself() {
    HostNames names = HostNames.of("127.0.0.1", null);

    assertThat(names.allowsOrigin("http://127.0.0.1:9100", 9100)).isTrue();
    assertThat(names.allowsOrigin("http://localhost:9100", 9100)).isTrue();
    assertThat(names.allowsOrigin("http://127.0.0.1", 9100)).isFalse();
    assertThat(names.allowsOrigin("http://127.0.0.1:9100/", 9100)).isFalse();
    assertThat(names.allowsOrigin("null", 9100)).isFalse();
    assertThat(names.allowsOrigin("ftp://127.0.0.1:9100", 9100)).isFalse();
    assertThat(names.allowsOrigin("http://evil.example:9100", 9100)).isFalse();
  }

  @Test
  void aDottedNameThatIsNotAnAddressIsRefused() {
    HostNames names = HostNames.of("127.0.0.1", null);

    assertThat(names.allows("999.0.0.1:9100", 9100)).isFalse();
  }
}
