package dev.spl.daemon.http;

import dev.spl.core.Hex;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web dashboard's files, {@code GET /ui} and {@code GET /ui/<file>} (docs/dashboard.md): plain
 * HTML, CSS and JavaScript shipped in the jar, read once. They hold no data, so they are served
 * without the token ({@link RequestGuard#isDashboardFile}); every request the page makes for data
 * or actions goes to the JSON API with the token. A strict Content-Security-Policy lets the page
 * load only its own files and talk only to its own origin.
 */
final class DashboardRoutes {
  static final String PREFIX = "/ui";
  private static final String RESOURCES = "/dev/spl/daemon/ui/";

  /** Scripts, styles, images and requests from this origin only; no inline code, no frames. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final Map<String, String> TYPES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "dashboard.js", "text/javascript; charset=utf-8",
          "dashboard.css", "text/css; charset=utf-8",
          "icon.svg", "image/svg+xml");

  private final Map<String, byte[]> files;
  // An entity tag per file, from its bytes: a browser that has a file revalidates it with one
  // small request instead of downloading it again.
  private final Map<String, String> tags = new HashMap<>();

  private DashboardRoutes() {
    this.files =
        Map.of(
            "index.html", read("index.html"),
            "dashboard.js", read("dashboard.js"),
            "dashboard.css", read("dashboard.css"),
            "icon.svg", read("icon.svg"));
    files.forEach((name, body) -> tags.put(name, "\"" + Hex.sha256(body).substring(0, 32) + "\""));
  }

  static void register(RoutesConfig routes) {
    DashboardRoutes handlers = new DashboardRoutes();
    routes.get(PREFIX, ctx -> handlers.serve(ctx, "index.html"));
    routes.get(PREFIX + "/{file}", ctx -> handlers.serve(ctx, ctx.pathParam("file")));
  }

  private void serve(Context ctx, String name) {
    byte[] body = files.get(name);
    if (body == null) {
      throw ApiException.notFound(
          "ROUTE_NOT_FOUND",
          "no dashboard file '"
              + (name.length() > 80 ? name.substring(0, 80) + "..." : name)
              + "' (the dashboard is at "
              + PREFIX
              + ")");
    }
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    ctx.header("Cross-Origin-Resource-Policy", "same-origin");
    // A new daemon version may ship new files; the browser asks again each time, and the tag
    // tells it whether its copy is still the file.
    ctx.header("Cache-Control", "no-cache");
    String tag = tags.get(name);
    ctx.header("ETag", tag);
    if (tag.equals(ctx.header("If-None-Match"))) {
      ctx.status(304);
      return;
    }
    ctx.contentType(TYPES.get(name)).result(body);
  }

  private static byte[] read(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "the dashboard file " + RESOURCES + name + " is missing from the daemon's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading the dashboard file " + name, e);
    }
  }
}
