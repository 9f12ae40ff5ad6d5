package dev.spl.daemon.http;

import dev.spl.core.ThreadIds;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The read-only routes about a worker's children, behind the same request checks (token included)
 * as every route, so they work for a remote worker too:
 *
 * <ul>
 *   <li>{@code GET /v1/children}: the attempts running now, with elapsed time and spend so far;
 *   <li>{@code POST /v1/children/spl}: runs {@code spl} for a running child, authenticated by its
 *       child credential instead of the token ({@link ChildEndpoints#runCommand});
 *   <li>{@code GET /v1/children/{thread}/output[?attempt=K]}: the whole output of one attempt, as
 *       {@code text/plain}. Only that child's {@code output-K.log} is served: the thread must be a
 *       fan-out child's thread id, the attempt a whole number, and the file a regular file under
 *       the worker's work folder, not a link.
 * </ul>
 */
final class ChildRoutes {
  private final ChildEndpoints children;

  private ChildRoutes(ChildEndpoints children) {
    this.children = children;
  }

  static void register(RoutesConfig routes, ChildEndpoints children) {
    ChildRoutes handler = new ChildRoutes(children);
    routes.get("/v1/children", handler::running);
    routes.get("/v1/children/{thread}/output", handler::output);
    routes.get("/v1/children/{thread}/files", handler::file);
    routes.post(COMMAND_PATH, handler::command);
  }

  /** Where a child's {@code spl} shim sends its command ({@link ChildEndpoints#runCommand}). */
  static final String COMMAND_PATH = "/v1/children/spl";

  /**
   * Answers 200 with headers {@code Spl-Exit-Code} and {@code Spl-Stdout-Bytes} and a body of the
   * command's standard output followed by its standard error; any other status means the command
   * did not run.
   */
  private void command(Context ctx) {
    String credential = ctx.header(dev.spl.core.auth.ChildCredential.HEADER);
    ChildEndpoints.CommandAnswer answer = children.runCommand(credential, ctx.bodyAsBytes());
    byte[] body = new byte[answer.out().length + answer.err().length];
    System.arraycopy(answer.out(), 0, body, 0, answer.out().length);
    System.arraycopy(answer.err(), 0, body, answer.out().length, answer.err().length);
    ctx.header("Spl-Exit-Code", Integer.toString(answer.exitCode()));
    ctx.header("Spl-Stdout-Bytes", Integer.toString(answer.out().length));
    ctx.contentType("application/octet-stream").result(body);
  }

  private void file(Context ctx) throws IOException {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, Set.of("attempt", "path"));
    String thread = childThread(ctx);
    List<String> attempts = query.get("attempt");
    List<String> paths = query.get("path");
    if (attempts == null || paths == null) {
      throw ApiException.badRequest(
          "INVALID_PARAMETER",
          (attempts == null ? "attempt" : "path")
              + ": expected the parameter (attempt=K&path=RELATIVE/PATH) but it is missing");
    }
    int attempt = attemptOf(attempts.get(0));
    String path = paths.get(0);
    String problem = dev.spl.core.fanout.ChildOutput.pathProblem(path);
    if (problem != null) {
      throw ApiException.badRequest("INVALID_PARAMETER", "path: " + problem);
    }
    Path file = children.file(thread, attempt, path);
    InputStream in;
    try {
      in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw ApiException.notFound("FILE_NOT_FOUND", "the file is gone from this worker: " + path);
    }
    ctx.contentType("application/octet-stream").result(in);
  }

  private static String childThread(Context ctx) {
    String thread = ctx.pathParam("thread");
    if (!ThreadIds.isValid(thread) || ThreadIds.RESERVED.contains(thread)) {
      throw ApiException.badRequest(
          "INVALID_THREAD",
          "thread: expected a child's thread id ('th_' followed by 64 lowercase hex digits) but"
              + " found '"
              + thread
              + "'");
    }
    return thread;
  }

  private void running(Context ctx) {
    HttpApi.rejectUnknownParameters(QueryParameters.parse(ctx.queryString()), Set.of());
    HttpApi.respond(ctx, children.running());
  }

  private void output(Context ctx) throws IOException {
    Map<String, List<String>> query = QueryParameters.parse(ctx.queryString());
    HttpApi.rejectUnknownParameters(query, Set.of("attempt"));
    String thread = ctx.pathParam("thread");
    if (!ThreadIds.isValid(thread) || ThreadIds.RESERVED.contains(thread)) {
      throw ApiException.badRequest(
          "INVALID_THREAD",
          "thread: expected a child's thread id ('th_' followed by 64 lowercase hex digits) but"
              + " found '"
              + thread
              + "'");
    }
    Integer attempt = null;
    List<String> given = query.get("attempt");
    if (given != null) {
      attempt = attemptOf(given.get(0));
    }
    Path file = children.output(thread, attempt);
    InputStream in;
    try {
      in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw ApiException.notFound(
          "OUTPUT_NOT_FOUND", "the output of this attempt is gone from this worker: " + file);
    }
    ctx.contentType("text/plain; charset=utf-8").result(in);
  }

  private static int attemptOf(String value) {
    try {
      int attempt = Integer.parseInt(value);
      if (attempt >= 1) {
        return attempt;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest(
        "INVALID_PARAMETER", "attempt: expected a whole number >= 1 but found '" + value + "'");
  }
}
