package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spl.daemon.config.DaemonConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonSmokeTest {
  @TempDir Path home;

  @Test
  void startsServesHealthAndStops() throws Exception {
    try (Daemon daemon = Daemon.start(DaemonConfig.builder(home).port(0).build())) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(daemon.url() + "/health")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"status\":\"ok\"").contains(daemon.did());
      assertThat(Files.readString(home.resolve("endpoint"))).isEqualTo(daemon.url());
    }
    assertThat(home.resolve("endpoint")).doesNotExist();
  }
}
