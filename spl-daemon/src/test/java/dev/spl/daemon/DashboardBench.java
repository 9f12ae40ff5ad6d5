package dev.spl.daemon;

import dev.spl.daemon.config.DaemonConfig;
import dev.spl.daemon.config.FleetSettings;
import dev.spl.testing.Await;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's figures (docs/benchmarks.md): the first render of the page with a fan-out of
 * 1,000 open children shown in full, measured in chromium with the Navigation and Performance API;
 * and the coordinator's CPU with 100 fan-outs open, with the page polling and without it. The
 * coordinator runs in this JVM with two stand-in workers that take children and never finish them,
 * so everything stays open; the browser is its own process. Run by scripts/bench-dashboard.
 */
public final class DashboardBench {
  private DashboardBench() {}

  public static void main(String[] args) throws Exception {
    int renders = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int windowSecs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    String missing = Browser.missing();
    if (missing != null) {
      System.out.println(missing);
      return;
    }
    Path dir = Files.createTempDirectory("spl-dashboard-bench");
    // The default heartbeat interval, so the stand-ins' beats (every second) cost little.
    Daemon coordinator =
        Daemon.start(
            DaemonConfig.builder(dir.resolve("c"))
                .port(0)
                .durability(dev.spl.core.store.Durability.FAST)
                .fleet(FleetSettings.coordinator())
                .build());
    Daemon workerA = Daemon.start(FleetTestSupport.coordinatorConfig(dir.resolve("a")));
    Daemon workerB = Daemon.start(FleetTestSupport.coordinatorConfig(dir.resolve("b")));
    try (FleetTestSupport.HeartbeatPump pump =
        new FleetTestSupport.HeartbeatPump(coordinator.url(), 1000)) {
      pump.add("worker-a", workerA);
      pump.add("worker-b", workerB);
      FleetTestSupport.awaitLiveWorkers(coordinator, 2);
      FleetTestSupport.FanoutHandle wide =
          FleetTestSupport.fanOut(coordinator, "default", "all", FleetTestSupport.goals(1000));
      awaitSpawned(coordinator, wide, 1000);
      serverTimes(coordinator, wide);
      firstRender(coordinator, wide, renders, dir);

      for (int i = 0; i < 99; i++) {
        FleetTestSupport.FanoutHandle fanout =
            FleetTestSupport.fanOut(coordinator, "default", "all", FleetTestSupport.goals(10));
        awaitSpawned(coordinator, fanout, 10);
      }
      int open = coordinator.reconciler().orElseThrow().readNow(f -> f.openCount());
      System.out.printf(
          "%nCoordinator CPU with %d fan-outs open (%d s windows):%n", open, windowSecs);
      double idle = cpuShare(windowSecs);
      System.out.printf("  without the page:          %5.1f %% of a core%n", idle * 100);
      try (Browser browser = new Browser(dir.resolve("profile-cpu"), 1400, 1000)) {
        browser.open(coordinator.url() + "/ui#fanout=" + wide.id() + "&size=100");
        browser.await("the page rendered", () -> rendered(browser));
        double polling = cpuShare(windowSecs);
        System.out.printf("  with the page polling:     %5.1f %% of a core%n", polling * 100);
        System.out.printf(
            "  the page's polling costs:  %+5.1f %% of a core%n", (polling - idle) * 100);
      }
      double after = cpuShare(windowSecs);
      System.out.printf("  without the page again:    %5.1f %% of a core%n", after * 100);
    } finally {
      coordinator.close();
      workerA.close();
      workerB.close();
    }
  }

  private static void awaitSpawned(
      Daemon coordinator, FleetTestSupport.FanoutHandle fanout, int width) {
    Await.until(
        "every child of " + fanout.id() + " spawned",
        () ->
            coordinator
                .reconciler()
                .orElseThrow()
                .readNow(
                    f -> f.get(fanout.id()).map(s -> s.spawnedCount() == width).orElse(false)));
  }

  /**
   * Warms the routes the page reads (as a coordinator that has served them for a while is) and
   * prints how long the coordinator takes to answer them.
   */
  private static void serverTimes(Daemon coordinator, FleetTestSupport.FanoutHandle wide) {
    Http http = new Http(coordinator.url());
    String[] paths = {
      "/v1/fleet/status",
      "/v1/fanouts?limit=100",
      "/v1/fanouts/" + wide.id() + "/children?after=-1&limit=1000"
    };
    for (int i = 0; i < 200; i++) {
      for (String path : paths) {
        http.get(path);
      }
    }
    System.out.println("Coordinator answer times after warm-up (ms, median of 50):");
    for (String path : paths) {
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        long start = System.nanoTime();
        Http.Response response = http.get(path);
        times.add((System.nanoTime() - start) / 1e6);
        if (response.status() != 200) {
          throw new IllegalStateException(path + ": " + response.status());
        }
      }
      print(path.replaceAll("[0-9a-f]{64}", "{id}"), times);
    }
  }

  private static boolean rendered(Browser browser) {
    return "done".equals(browser.one("body").getAttribute("data-first-render"));
  }

  /**
   * Opens the page {@code runs} times in a new browser each (new process, empty profile), then
   * {@code runs} times in one running browser (a new navigation each time), and reads the timings.
   */
  private static void firstRender(
      Daemon coordinator, FleetTestSupport.FanoutHandle wide, int runs, Path dir) {
    String url = coordinator.url() + "/ui#fanout=" + wide.id() + "&size=1000";
    Timings cold = new Timings();
    for (int run = 0; run < runs; run++) {
      try (Browser browser = new Browser(dir.resolve("profile-" + run), 1400, 1000)) {
        cold.add(load(browser, url));
      }
    }
    Timings warm = new Timings();
    try (Browser browser = new Browser(dir.resolve("profile-warm"), 1400, 1000)) {
      load(browser, url);
      for (int run = 0; run < runs; run++) {
        browser.open("about:blank");
        warm.add(load(browser, url));
      }
    }
    System.out.printf(
        "%nFirst render with 1,000 open children on screen (ms from navigation start, %d loads"
            + " each):%n",
        runs);
    System.out.println(" in a new browser (new process, empty profile):");
    cold.print();
    System.out.println(" in a running browser (a new navigation):");
    warm.print();
  }

  private static Map<String, Object> load(Browser browser, String url) {
    browser.open(url);
    browser.await("the page rendered", () -> rendered(browser));
    browser.await(
        "the page painted",
        () -> "done".equals(browser.one("body").getAttribute("data-first-paint")));
    browser.await(
        "every row painted",
        () -> "done".equals(browser.one("body").getAttribute("data-all-rows")));
    int rows = browser.all("#children-table tbody tr").size();
    if (rows != 1000) {
      throw new IllegalStateException("expected 1000 children on screen but found " + rows);
    }
    if (Boolean.getBoolean("dashboard.resources")) {
      System.out.println(
          browser.script(
              "return performance.getEntriesByType('resource').map(e => e.name.replace("
                  + "location.origin, '') + ' start ' + e.startTime.toFixed(1) + ' end ' +"
                  + " e.responseEnd.toFixed(1)).join('\\n');"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> timing =
        (Map<String, Object>)
            browser.script(
                "const n = performance.getEntriesByType('navigation')[0];"
                    + " const r = performance.getEntriesByName('spl-first-render')[0];"
                    + " const d = performance.getEntriesByName('spl-first-data')[0];"
                    + " const p = performance.getEntriesByName('spl-first-paint')[0];"
                    + " const a = performance.getEntriesByName('spl-all-rows')[0];"
                    + " return {first: r.startTime, data: d.startTime, paint: p.startTime,"
                    + " all: a.startTime,"
                    + " dom: n.domContentLoadedEventEnd, load: n.loadEventEnd};");
    return timing;
  }

  /** Timings of several page loads. */
  private static final class Timings {
    final List<Double> firstRender = new ArrayList<>();
    final List<Double> data = new ArrayList<>();
    final List<Double> domContent = new ArrayList<>();
    final List<Double> load = new ArrayList<>();
    final List<Double> paint = new ArrayList<>();
    final List<Double> allRows = new ArrayList<>();

    void add(Map<String, Object> timing) {
      firstRender.add(((Number) timing.get("first")).doubleValue());
      data.add(((Number) timing.get("data")).doubleValue());
      domContent.add(((Number) timing.get("dom")).doubleValue());
      load.add(((Number) timing.get("load")).doubleValue());
      paint.add(((Number) timing.get("paint")).doubleValue());
      allRows.add(((Number) timing.get("all")).doubleValue());
    }

    void print() {
      DashboardBench.print("DOMContentLoaded", domContent);
      DashboardBench.print("load event", load);
      DashboardBench.print("every answer of the first round received", data);
      DashboardBench.print("first render (fleet, fan-outs, 1,000 children)", firstRender);
      DashboardBench.print("first paint (the frame after the first render)", paint);
      DashboardBench.print("every row painted (the frame after the last rows)", allRows);
      List<Double> building = new ArrayList<>();
      List<Double> painting = new ArrayList<>();
      for (int i = 0; i < firstRender.size(); i++) {
        building.add(firstRender.get(i) - data.get(i));
        painting.add(paint.get(i) - firstRender.get(i));
      }
      DashboardBench.print("  of which building the page after the answers", building);
      DashboardBench.print("  and laying out and painting it", painting);
    }
  }

  private static void print(String what, List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    System.out.printf(
        "  %-56s median %6.1f  min %6.1f  max %6.1f%n",
        what, sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
  }

  /** This process's CPU time over a window, as a share of one core. */
  private static double cpuShare(int seconds) throws InterruptedException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long wallStart = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    return (double) (os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
  }
}
