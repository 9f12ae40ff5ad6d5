package dev.spl.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.Json;
import dev.spl.core.Record;
import dev.spl.core.RecordJson;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.ThreadIds;
import dev.spl.core.control.Freeze;
import dev.spl.core.fanout.CancelRequest;
import dev.spl.core.store.Durability;
import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless chromium against an in-process fleet with a token: a coordinator
 * and two echo workers. Skipped, saying so, when chromium or chromedriver is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
  static final String TOKEN = "browser-test-fleet-token-0123456789";
  static final String USER = "ops-ana";

  @TempDir static Path dir;
  private final List<Daemon> daemons = new ArrayList<>();
  private Daemon coordinator;
  private Browser browser;

  @BeforeAll
  void startFleetAndBrowser() {
    String missing = Browser.missing();
    if (missing != null) {
      System.err.println(missing);
    }
    Assumptions.assumeTrue(missing == null, missing);
    coordinator =
        start(
            FleetTestSupport.coordinatorConfig(dir.resolve("coordinator")).toBuilder()
                .token(TOKEN)
                .build());
    for (String alias : List.of("worker-a", "worker-b")) {
      start(
          DaemonConfig.builder(dir.resolve(alias))
              .port(0)
              .token(TOKEN)
              .durability(Durability.FAST)
              .fleet(
                  FleetSettings.builder()
                      .worker(alias, coordinator.url())
                      .heartbeatInterval(FleetTestSupport.INTERVAL)
                      .executor(FleetSettings.ExecutorKind.ECHO)
                      .echoDelay(Duration.ofMillis(1500))
                      .build())
              .build());
    }
    FleetTestSupport.awaitLiveWorkers(coordinator, 2);
    browser = new Browser(dir.resolve("profile"), 1400, 1000);
  }

  private Daemon start(DaemonConfig config) {
    Daemon daemon = Daemon.start(config);
    daemons.add(daemon);
    return daemon;
  }

  @AfterAll
  void stopAll() {
    if (browser != null) {
      browser.close();
    }
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  /** Each test starts from a tab that has no token yet. */
  @BeforeEach
  void freshTab() {
    browser.open(coordinator.url() + "/ui");
    browser.script("sessionStorage.clear();");
    browser.open(coordinator.url() + "/ui");
  }

  private boolean dialogOpen() {
    return Boolean.TRUE.equals(
        browser.script("return document.getElementById('token-dialog').open;"));
  }

  private void giveToken() {
    browser.await("the page asks for the token", this::dialogOpen);
    browser.one("#token-input").sendKeys(TOKEN);
    browser.one("#user-input").sendKeys(USER);
    browser.one("#token-save").click();
    browser.await("the dialog closed", () -> !dialogOpen());
  }

  private String text(String css) {
    return browser.one(css).getText();
  }

  @Test
  void thePageLoadsShowsTheFleetAndAsksForTheTokenOnce() {
    giveToken();
    browser.await("three instances listed", () -> browser.all("#fleet-table tbody tr").size() == 3);
    String fleet = text("#fleet-table");
    assertThat(fleet).contains("worker-a").contains("worker-b").contains("coordinator");
    assertThat(fleet).contains("live").contains("healthy").contains("slots");
    assertThat(text("#where")).isEqualTo(coordinator.url());
    browser.screenshot("dashboard-fleet");

    browser.driver().navigate().refresh();
    browser.await(
        "the reloaded page shows the fleet",
        () -> browser.all("#fleet-table tbody tr").size() == 3);
    assertThat(dialogOpen()).as("the token is kept for the tab").isFalse();
  }

  @Test
  void aFanOutAppearsAndCompletesOnScreen() {
    giveToken();
    FleetTestSupport.FanoutHandle fanout = fanOut(12);
    String row = "#fanouts-table tr[data-fanout='" + fanout.id() + "']";
    browser.await("the fan-out is listed", () -> !browser.all(row).isEmpty());
    assertThat(text(row + " .open-children")).isEqualTo("nightly-build");
    browser.await(
        "children run",
        () -> browser.one(row + " .progress-text").getText().matches(".*running [1-9].*"));
    browser.screenshot("dashboard-fanout-running");
    browser.one(row + " .open-children").click();
    browser.await(
        "the children are listed", () -> browser.all("#children-table tbody tr").size() == 12);
    browser.await(
        "the join completed on screen",
        () -> "true".equals(browser.one(row).getAttribute("data-complete")));
    assertThat(browser.one(row).getAttribute("data-verdict")).isEqualTo("accept");
    assertThat(text(row + " .completed")).isEqualTo("12");
    assertThat(text(row + " .failed")).isEqualTo("0");
    browser.await(
        "every child shows its verdict",
        () ->
            browser.all("#children-table tbody tr").stream()
                .allMatch(r -> "accept".equals(r.getAttribute("data-state"))));
    String children = text("#children-table");
    assertThat(children).contains("g0").contains("g11").containsPattern("worker-[ab]");
    assertThat(children).containsPattern("1\\.[5-9]\\d s");
    browser.screenshot("dashboard-children");
  }

  @Test
  void aWidePageShowsEveryChildInOrderAfterTheFirstScreen() {
    giveToken();
    int width = 250;
    FleetTestSupport.FanoutHandle fanout = fanOut(width, "wide-page");
    browser.open(coordinator.url() + "/ui#fanout=" + fanout.id() + "&size=500");
    // Only a new load reads the address: a change of its fragment alone is not one.
    browser.driver().navigate().refresh();
    browser.await(
        "every row painted",
        () -> "done".equals(browser.one("body").getAttribute("data-all-rows")));
    browser.await(
        "all children are listed", () -> browser.all("#children-table tbody tr").size() == width);
    Object indices =
        browser.script(
            "return Array.from(document.querySelectorAll('#children-table tbody tr'))"
                + ".map(r => Number(r.dataset.index));");
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < width; i++) {
      expected.add(i);
    }
    assertThat(indices).isEqualTo(expected);
    // Its children would otherwise keep the workers busy for the other tests.
    Record cancel =
        new Record(
            fanout.thread(),
            FleetTestSupport.USER,
            Act.LEARN,
            new CancelRequest("default", fanout.id(), "test done").toBody(),
            5,
            List.of());
    assertThat(
            new Http(coordinator.url(), "Bearer " + TOKEN)
                .post("/v1/records", RecordJson.toJson(cancel, cancel.id()).toString())
                .status())
        .isEqualTo(201);
  }

  @Test
  void aFreezeShowsTheBannerAndUnfreezeRemovesIt() {
    giveToken();
    browser.await(
        "the page shows data",
        () -> "done".equals(browser.one("body").getAttribute("data-first-render")));
    browser.one("#freeze-namespace").sendKeys("drill");
    browser.one("#freeze-reason").sendKeys("kill drill: bad deploy");
    browser.one("#freeze-button").click();
    String banner = ".freeze-banner[data-namespace='drill']";
    browser.await("the freeze banner shows", () -> !browser.all(banner).isEmpty());
    assertThat(text(banner)).contains("drill").contains("soft").contains("kill drill: bad deploy");
    assertThat(text(banner)).contains("did:sync:user:" + USER);
    Freeze freeze = coordinator.controlGate().snapshot().freezes().get("drill");
    assertThat(freeze).isNotNull();
    assertThat(freeze.issuedBy()).isEqualTo("did:sync:user:" + USER);
    browser.screenshot("dashboard-freeze");

    browser.one(banner + " button.unfreeze").click();
    browser.await("the banner is gone", () -> browser.all(banner).isEmpty());
    assertThat(coordinator.controlGate().snapshot().freezes()).doesNotContainKey("drill");
  }

  @Test
  void anActionWithoutTheTokenIsRefused() {
    browser.await("the page asks for the token", this::dialogOpen);
    browser.one("#token-cancel").click();
    // Control records only: heartbeats of the fleet keep adding registry records meanwhile.
    int before = controlRecords();
    browser.one("#freeze-namespace").sendKeys("no-token");
    browser.one("#freeze-reason").sendKeys("should be refused");
    browser.one("#freeze-button").click();
    browser.await(
        "the refusal is shown",
        () -> browser.one("#message").getText().contains("requires a token"));
    WebElement message = browser.one("#message");
    assertThat(message.getAttribute("class")).contains("error");
    assertThat(dialogOpen()).as("the page asks for the token again").isTrue();
    assertThat(browser.all(".freeze-banner")).isEmpty();
    assertThat(coordinator.controlGate().snapshot().freezes()).doesNotContainKey("no-token");
    assertThat(controlRecords()).isEqualTo(before);
  }

  private int controlRecords() {
    return coordinator
        .records()
        .query(new RecordQuery(ThreadIds.FLEET_CONTROL, null, null, 0, RecordQuery.MAX_LIMIT))
        .size();
  }

  private FleetTestSupport.FanoutHandle fanOut(int width) {
    return fanOut(width, "nightly-build");
  }

  private FleetTestSupport.FanoutHandle fanOut(int width, String alias) {
    String thread = ThreadIds.derive("task", UUID.randomUUID().toString());
    List<Record> records = new ArrayList<>();
    records.add(
        new Record(
            thread,
            FleetTestSupport.USER,
            Act.INTEND,
            (ObjectNode)
                FleetTestSupport.parse(
                    "{\"topic\":\"task\",\"title\":\"Nightly build\",\"alias\":\"" + alias + "\"}"),
            0,
            List.of()));
    records.addAll(
        FleetTestSupport.fanoutRecords(thread, "default", "all", FleetTestSupport.goals(width)));
    ArrayNode array = Json.MAPPER.createArrayNode();
    records.forEach(r -> array.add(RecordJson.toJson(r, r.id())));
    Http.Response response =
        new Http(coordinator.url(), "Bearer " + TOKEN).post("/v1/records", array.toString());
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    Record parent = records.get(records.size() - 1);
    StoredRecord stored = coordinator.records().get(parent.id()).orElseThrow();
    return new FleetTestSupport.FanoutHandle(stored.id(), thread, "default", width);
  }
}
