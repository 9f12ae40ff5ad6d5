package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's files are served without the token and with a strict Content-Security-Policy; its
 * data requests and actions need the token like every other request.
 */
class DashboardRoutesTest {
  private static final String TOKEN = "dashboard-test-token-0123456789";
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir Path dir;
  private Daemon coordinator;

  @BeforeEach
  void start() {
    coordinator =
        Daemon.start(
            FleetTestSupport.coordinatorConfig(dir.resolve("c")).toBuilder().token(TOKEN).build());
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(coordinator.url() + path));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return CLIENT.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageAndItsFilesAreServedWithoutTheTokenUnderAStrictPolicy() throws Exception {
    HttpResponse<String> page = get("/ui");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
        .isEqualTo("text/html;charset=utf-8");
    assertThat(page.body()).contains("<title>spl dashboard</title>");
    String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(policy)
        .contains("default-src 'none'")
        .contains("script-src 'self'")
        .contains("connect-src 'self'")
        .contains("frame-ancestors 'none'")
        .doesNotContain("unsafe");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.body()).doesNotContain("http://").doesNotContain("https://");

    HttpResponse<String> script = get("/ui/dashboard.js");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
        .isEqualTo("text/javascript;charset=utf-8");
    assertThat(get("/ui/dashboard.css").statusCode()).isEqualTo(200);
    assertThat(get("/ui/icon.svg").statusCode()).isEqualTo(200);

    HttpResponse<String> missing = get("/ui/secrets.txt");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("\"code\":\"ROUTE_NOT_FOUND\"");
  }

  @Test
  void aBrowserWithTheCurrentFileRevalidatesItWithoutDownloadingItAgain() throws Exception {
    HttpResponse<String> script = get("/ui/dashboard.js");
    String tag = script.headers().firstValue("ETag").orElseThrow();
    assertThat(tag).matches("\"[0-9a-f]{32}\"");
    assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");

    HttpResponse<String> again = get("/ui/dashboard.js", "If-None-Match", tag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.headers().firstValue("ETag")).hasValue(tag);
    assertThat(again.headers().firstValue("Content-Security-Policy")).isPresent();

    HttpResponse<String> otherTag = get("/ui/dashboard.js", "If-None-Match", "\"stale\"");
    assertThat(otherTag.statusCode()).isEqualTo(200);
    assertThat(otherTag.body()).isEqualTo(script.body());
    assertThat(get("/ui/dashboard.css").headers().firstValue("ETag")).isPresent().isNotEqualTo(tag);
  }

  @Test
  void dataAndActionsNeedTheToken() throws Exception {
    HttpResponse<String> list = get("/v1/fanouts");
    assertThat(list.statusCode()).isEqualTo(401);
    assertThat(list.body()).contains("\"code\":\"UNAUTHORIZED\"");
    assertThat(get("/v1/fleet/status").statusCode()).isEqualTo(401);
    assertThat(get("/v1/fanouts", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);

    long before = coordinator.records().count();
    HttpResponse<String> freeze =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(coordinator.url() + "/v1/control/freeze"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString("{\"namespace\":\"ns\",\"reason\":\"r\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(freeze.statusCode()).isEqualTo(401);
    assertThat(coordinator.records().count()).isEqualTo(before);
    assertThat(coordinator.controlGate().snapshot().freezes()).isEmpty();
  }

  @Test
  void aPageUnderAnotherNameOrOriginGetsNothing() throws Exception {
    // The files hold no data, but the Host and Origin checks stand in front of them too.
    assertThat(get("/ui", "Origin", "http://evil.example").statusCode()).isEqualTo(403);
    HttpResponse<String> data =
        get("/v1/fanouts", "Authorization", "Bearer " + TOKEN, "Origin", "http://evil.example");
    assertThat(data.statusCode()).isEqualTo(403);
    assertThat(data.body()).contains("FOREIGN_ORIGIN");
    // A write to the dashboard's path is not a file read: it needs the token.
    HttpResponse<String> post =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(coordinator.url() + "/ui"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(401);
  }
}
