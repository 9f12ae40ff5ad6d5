package dev.spl.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.cli.CliContext;
import dev.spl.cli.CliException;
import dev.spl.cli.ExitCodes;
import dev.spl.cli.client.ClientJson;
import dev.spl.cli.client.DaemonClient;
import dev.spl.cli.client.RecordsApi;
import dev.spl.cli.client.Resolution;
import dev.spl.cli.fleet.FleetView;
import dev.spl.cli.text.Formats;
import dev.spl.core.Hex;
import dev.spl.core.fanout.ChildOutput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spl task results}: every child's result in input order, read page by page from the
 * coordinator's {@code GET /v1/fanouts/{id}/results} and printed as each page arrives, so a million
 * results never sit in memory; {@code --fetch} copies the files the results reference from the
 * workers that hold them.
 */
@Command(
    name = "results",
    description =
        "Print each child's result of a task's fan-out in input order (-o json: one array,"
            + " -o jsonl: one result a line, streamed).")
final class ResultsCommand implements Callable<Integer> {
  /** Results per request: the route's maximum. */
  static final int PAGE = 100_000;

  private final CliContext context;

  @Parameters(paramLabel = "TASK", description = "Alias or thread id of the task.")
  String reference;

  @Option(
      names = "--state",
      paramLabel = "STATE",
      split = ",",
      description =
          "Only children in these states: accept, reject, failed, timeout, over_budget,"
              + " cancelled, skipped, pending, running (repeat or separate with commas).")
  List<String> states = new ArrayList<>();

  @Option(
      names = "--reduced",
      description =
          "Print the reducers' values (--reduce of the fan-out) instead of the results: as they"
              + " stand, final once the join completed.")
  boolean reduced;

  @Option(
      names = "--fetch",
      paramLabel = "DIR",
      description =
          "Copy the files the results reference from their workers into DIR/INDEX/PATH, checking"
              + " each one's size and SHA-256.")
  Path fetch;

  ResultsCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    TreeSet<String> wanted = new TreeSet<>();
    for (String state : states) {
      if (!RESULT_STATES.contains(state)) {
        throw CliException.badInput(
            "--state: expected one of "
                + String.join(", ", RESULT_STATES)
                + " but found '"
                + state
                + "'");
      }
      wanted.add(state);
    }
    RecordsApi api = new RecordsApi(context.client());
    Tasks.Task task = Tasks.resolve(api, reference);
    String fanout = currentFanout(context.client(), task);
    if (reduced) {
      return printReduced(fanout, task);
    }
    Fetcher fetcher = fetch == null ? null : new Fetcher(api, context.token(), fetch);
    Printer printer = new Printer(context, fetcher != null);
    int after = -1;
    while (true) {
      Map<String, Object> query = DaemonClient.query();
      query.put("after", after);
      query.put("limit", PAGE);
      query.put("format", "jsonl");
      if (!wanted.isEmpty()) {
        query.put("state", String.join(",", wanted));
      }
      // Each row is printed as it is read off the answer: the CLI holds one row, never a page,
      // and a JSON row is copied through as the coordinator wrote it, never parsed. Files are
      // fetched once the page is read, so a slow copy never stalls the answer (rows with
      // references are kept until then).
      List<JsonNode> withFiles = new ArrayList<>();
      JsonNode page =
          context
              .client()
              .getStreamed(
                  DaemonClient.withQuery(
                      "/v1/fanouts/" + DaemonClient.segment(fanout) + "/results", query),
                  answer ->
                      ClientJson.streamLines(
                          answer,
                          (bytes, from, to) -> {
                            JsonNode row = printer.print(bytes, from, to);
                            if (fetcher != null && row.path("refs").size() > 0) {
                              withFiles.add(row);
                            }
                          }));
      printer.flush();
      if (fetcher != null) {
        withFiles.forEach(fetcher::fetch);
      }
      if (!page.path("has_more").asBoolean(false)) {
        break;
      }
      after = page.path("next_after").asInt();
    }
    printer.finish();
    if (!context.json()) {
      JsonNode merge =
          context.client().get("/v1/fanouts/" + DaemonClient.segment(fanout)).path("merge");
      if (merge.isObject()) {
        MergeText.print(context.out(), merge);
      }
    }
    if (fetcher != null) {
      context
          .err()
          .println(
              "fetched "
                  + fetcher.files
                  + (fetcher.files == 1 ? " file (" : " files (")
                  + fetcher.bytes
                  + " bytes) into "
                  + fetch);
    }
    return ExitCodes.OK;
  }

  private int printReduced(String fanout, Tasks.Task task) {
    JsonNode summary = context.client().get("/v1/fanouts/" + DaemonClient.segment(fanout));
    JsonNode values = summary.path("reduced");
    if (!values.isObject()) {
      throw CliException.badInput(
          "the fan-out of '"
              + task.reference()
              + "' has no reducers; give them when fanning out (--reduce 'total=sum(result.n)')");
    }
    if (context.json()) {
      context.printJson(values);
    } else {
      ReducedText.print(context.out(), values, "", "");
      if (summary.path("total_budget_usd").isNumber()) {
        context
            .out()
            .println(
                "spent "
                    + Formats.usd(summary.path("spent_usd").decimalValue())
                    + " of "
                    + Formats.usd(summary.get("total_budget_usd").decimalValue())
                    + " total budget");
      }
    }
    return ExitCodes.OK;
  }

  static final List<String> RESULT_STATES =
      List.of(
          "accept",
          "reject",
          "failed",
          "timeout",
          "over_budget",
          "cancelled",
          "skipped",
          "conflict",
          "check_failed",
          "pending",
          "running");

  /**
   * The id of the task's current fan-out (the newest, not replaced), from the coordinator's fan-out
   * list: a task without one is bad input.
   */
  static String currentFanout(DaemonClient client, Tasks.Task task) {
    return listedFanout(client, task.thread())
        .orElseThrow(
            () ->
                CliException.badInput(
                    "task '"
                        + task.reference()
                        + "' has no fan-out, so it has no results; fan it out first (spl task"
                        + " fan-out "
                        + task.reference()
                        + " ...)"));
  }

  /**
   * The id of the current fan-out (the newest, not replaced) of task thread {@code thread} in the
   * coordinator's fan-out list, or empty while it lists none.
   */
  static java.util.Optional<String> listedFanout(DaemonClient client, String thread) {
    Map<String, Object> query = DaemonClient.query();
    query.put("thread", thread);
    query.put("limit", 1000);
    JsonNode listing = client.get(DaemonClient.withQuery("/v1/fanouts", query));
    for (JsonNode fanout : listing.path("data")) {
      if (fanout.path("replaced_by").isNull() || fanout.path("replaced_by").isMissingNode()) {
        return java.util.Optional.of(fanout.path("fanout").asText());
      }
    }
    return java.util.Optional.empty();
  }

  private static String textLine(JsonNode row) {
    StringBuilder line = new StringBuilder();
    line.append('[')
        .append(row.path("index").asInt())
        .append("] ")
        .append(row.path("state").asText());
    JsonNode result = row.path("result");
    if (!result.isNull() && !result.isMissingNode()) {
      line.append("  ").append(result.toString());
    }
    int refs = row.path("refs").size();
    if (refs > 0) {
      line.append("  (").append(refs).append(refs == 1 ? " file)" : " files)");
    }
    return line.toString();
  }

  /**
   * Prints rows as text, as JSON lines or as one JSON array. A JSON row is the line the coordinator
   * wrote, copied as it is (it is compact JSON already), parsed only where it must be: for text,
   * for {@code --fetch}, and to escape a row with characters outside ASCII when the output is not
   * UTF-8 ({@link CliContext#jsonLine}). JSON goes through a buffer of its own and is flushed once
   * a page, not once a line: standard output flushes at every line otherwise, one system call per
   * result. Text lines go to the glyph-aware stream as before.
   */
  private static final class Printer {
    private final CliContext context;
    private final boolean jsonArray;
    private final boolean parseEvery;
    private final boolean asciiOnly;
    private final OutputStream json;
    private long printed;

    Printer(CliContext context, boolean parseEvery) {
      this.context = context;
      this.jsonArray = context.json() && !context.jsonLines();
      this.parseEvery = parseEvery || !context.json();
      this.asciiOnly = !context.unicodeOutput();
      this.json = context.json() ? new BufferedOutputStream(context.rawOut(), 1 << 16) : null;
      if (jsonArray) {
        write("[");
      }
    }

    /** Prints one row; its tree when it had to be parsed, else a missing node. */
    JsonNode print(byte[] bytes, int from, int to) throws IOException {
      JsonNode row =
          parseEvery || (asciiOnly && !ascii(bytes, from, to))
              ? ClientJson.readLine(bytes, from, to)
              : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      if (json == null) {
        context.out().println(textLine(row));
      } else {
        if (jsonArray && printed > 0) {
          json.write(',');
        }
        if (row.isMissingNode() || !asciiOnly) {
          json.write(bytes, from, to - from);
        } else {
          write(context.jsonLine(row));
        }
        if (!jsonArray) {
          json.write('\n');
        }
      }
      printed++;
      return row;
    }

    private static boolean ascii(byte[] bytes, int from, int to) {
      for (int i = from; i < to; i++) {
        if (bytes[i] < 0) {
          return false;
        }
      }
      return true;
    }

    void flush() {
      try {
        if (json != null) {
          json.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("writing the results: " + e.getMessage(), e);
      }
      context.out().flush();
    }

    void finish() {
      if (jsonArray) {
        write("]\n");
      }
      flush();
    }

    // JSON lines are ASCII unless the output is UTF-8 (CliContext#jsonLine), so UTF-8 bytes are
    // what the print stream would have written.
    private void write(String text) {
      try {
        json.write(text.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("writing the results: " + e.getMessage(), e);
      }
    }
  }

  /** Copies referenced files from the workers, checking each against its reference. */
  private static final class Fetcher {
    private final RecordsApi api;
    private final String token;
    private final Path dir;
    private final Map<String, DaemonClient> clients = new HashMap<>();
    private FleetView fleet;
    long files;
    long bytes;

    Fetcher(RecordsApi api, String token, Path dir) {
      this.api = api;
      this.token = token;
      this.dir = dir;
    }

    void fetch(JsonNode row) {
      for (JsonNode ref : row.path("refs")) {
        String worker = ref.path("worker").asText();
        String path = ref.path("path").asText();
        String problem = ChildOutput.pathProblem(path);
        if (problem != null) {
          throw CliException.failure(
              "child " + row.path("index").asInt() + ": a reference's path: " + problem);
        }
        Path target = dir.resolve(Integer.toString(row.path("index").asInt())).resolve(path);
        Map<String, Object> query = DaemonClient.query();
        query.put("attempt", row.path("attempt").asInt());
        query.put("path", path);
        String route =
            DaemonClient.withQuery(
                "/v1/children/"
                    + DaemonClient.segment(row.path("child_thread").asText())
                    + "/files",
                query);
        Path partial;
        String sha;
        long size;
        try {
          Files.createDirectories(target.getParent());
          partial = Files.createTempFile(target.getParent(), ".fetch-", ".part");
          MessageDigest digest = MessageDigest.getInstance("SHA-256");
          try (OutputStream file = Files.newOutputStream(partial);
              DigestOutputStream out = new DigestOutputStream(file, digest)) {
            clientOf(worker, row).copyText(route, out);
          } catch (RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
          }
          sha = Hex.format(digest.digest());
          size = Files.size(partial);
          if (!sha.equals(ref.path("sha256").asText()) || size != ref.path("size").asLong()) {
            Files.deleteIfExists(partial);
            throw CliException.failure(
                "child "
                    + row.path("index").asInt()
                    + ": "
                    + path
                    + " from "
                    + fleetView().nameOf(worker)
                    + " is "
                    + size
                    + " bytes with SHA-256 "
                    + sha
                    + ", but its reference says "
                    + ref.path("size").asLong()
                    + " bytes and "
                    + ref.path("sha256").asText()
                    + " (the file changed after the child ended)");
          }
          Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new UncheckedIOException("writing " + target + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
        files++;
        bytes += size;
      }
    }

    private FleetView fleetView() {
      if (fleet == null) {
        fleet = FleetView.load(api);
      }
      return fleet;
    }

    private DaemonClient clientOf(String worker, JsonNode row) {
      DaemonClient known = clients.get(worker);
      if (known != null) {
        return known;
      }
      String endpoint =
          fleetView()
              .endpointOf(worker)
              .orElseThrow(
                  () ->
                      CliException.failure(
                          "child "
                              + row.path("index").asInt()
                              + ": its files are on "
                              + worker
                              + ", which the coordinator's registry no longer lists"));
      DaemonClient client =
          new DaemonClient(Resolution.normalizeUrl(endpoint, "worker endpoint"), token);
      clients.put(worker, client);
      return client;
    }
  }
}
