package dev.spl.daemon.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Act;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.RecordQuery;
import dev.spl.core.StoredRecord;
import dev.spl.core.auth.ChildCredential;
import dev.spl.core.fanout.ChildIntent;
import dev.spl.core.fanout.FanoutRecords;
import dev.spl.daemon.exec.ChildCli;
import dev.spl.daemon.exec.ChildJob;
import dev.spl.daemon.exec.Dispatcher;
import dev.spl.daemon.exec.ShellExecutor;
import dev.spl.daemon.http.ApiException;
import dev.spl.daemon.http.ChildEndpoints;
import dev.spl.daemon.records.RecordService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A worker's answers about its children: the attempts its dispatcher runs now, and where the output
 * of one attempt is. The attempt's folder is found from the child INTEND this worker stored (its
 * index), never from anything in the request but the checked thread id and attempt number.
 */
public final class WorkerChildren implements ChildEndpoints {
  private final Supplier<WorkerRuntime> runtime;
  private final RecordService records;
  private final Path workRoot;
  private final Clock clock;

  /** {@code runtime} supplies null while the worker is still starting. */
  public WorkerChildren(
      Supplier<WorkerRuntime> runtime, RecordService records, Path home, Clock clock) {
    this.runtime = runtime;
    this.records = records;
    this.workRoot = home.resolve(WorkerRuntime.WORK_FOLDER);
    this.clock = clock;
  }

  @Override
  public void confirmedOnDelivery(
      java.util.Set<String> intendIds, long workerStartedAt, long ageMillis) {
    WorkerRuntime worker = runtime.get();
    // A worker still starting replays its INTENDs and asks the fence about each.
    if (worker != null) {
      worker.confirmedOnDelivery(intendIds, workerStartedAt, ageMillis);
    }
  }

  @Override
  public ObjectNode running() {
    WorkerRuntime worker = runtime.get();
    if (worker == null) {
      throw new ApiException(503, "STARTING", "the worker is still starting; try again");
    }
    Dispatcher dispatcher = worker.dispatcher();
    long now = clock.millis();
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("object", "list");
    ArrayNode data = list.putArray("data");
    for (Dispatcher.ActiveDispatch dispatch : dispatcher.activeDispatches()) {
      ChildJob job = dispatch.job();
      ObjectNode entry = data.addObject();
      entry.put("child_thread", job.childThread());
      entry.put("parent_thread", job.parentThread());
      entry.put("fanout", job.fanout());
      entry.put("namespace", job.namespace());
      entry.put("index", job.index());
      entry.put("attempt", job.attempt());
      entry.put("goal", job.goal());
      entry.put("started_at", dispatch.startedAtMillis());
      entry.put("elapsed_ms", Math.max(0, now - dispatch.startedAtMillis()));
      entry.put("spent_usd", dispatch.spentUsd());
    }
    list.put("slots", dispatcher.slots());
    list.put("waiting", worker.waiting());
    return list;
  }

  /** The attempt's child INTEND as this worker received it; 404 when it has none. */
  private ChildIntent intentOf(String childThread, Integer attempt) {
    TreeMap<Integer, ChildIntent> attempts = new TreeMap<>();
    for (StoredRecord stored :
        records.query(
            new RecordQuery(
                childThread, FanoutRecords.CHILD, Act.INTEND, 0, RecordQuery.MAX_LIMIT))) {
      try {
        ChildIntent intent = ChildIntent.fromBody(stored.record().body());
        attempts.putIfAbsent(intent.attempt(), intent);
      } catch (InvalidRecordException malformed) {
        // The worker's fold skipped it too: it never ran.
      }
    }
    if (attempts.isEmpty()) {
      throw new ApiException(
          404,
          "CHILD_NOT_FOUND",
          "no child on thread "
              + childThread
              + " was spawned on this worker; ask the worker `spl task join-status` names");
    }
    int wanted = attempt == null ? attempts.lastKey() : attempt;
    ChildIntent intent = attempts.get(wanted);
    if (intent == null) {
      throw new ApiException(
          404,
          "ATTEMPT_NOT_FOUND",
          "attempt "
              + wanted
              + " of child "
              + childThread
              + " did not run on this worker; it received attempts "
              + attempts.keySet());
    }
    return intent;
  }

  @Override
  public Path output(String childThread, Integer attempt) {
    ChildIntent intent = intentOf(childThread, attempt);
    int wanted = intent.attempt();
    Path file =
        WorkerRuntime.workDir(workRoot, childThread, intent.index())
            .resolve(ShellExecutor.outputFileName(wanted));
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !insideWorkRoot(file)) {
      throw new ApiException(
          404,
          "OUTPUT_NOT_FOUND",
          "attempt "
              + wanted
              + " of child "
              + childThread
              + " has no output on this worker: echo children write none, and a shell child's"
              + " output file is created when it starts");
    }
    return file;
  }

  @Override
  public Path file(String childThread, int attempt, String path) {
    ChildIntent intent = intentOf(childThread, attempt);
    Path dir =
        WorkerRuntime.workDir(workRoot, childThread, intent.index())
            .resolve(ShellExecutor.outputDirName(attempt));
    Path file = dir.resolve(path).normalize();
    if (!file.startsWith(dir)
        || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
        || !insideWorkRoot(file)) {
      throw new ApiException(
          404,
          "FILE_NOT_FOUND",
          "attempt "
              + attempt
              + " of child "
              + childThread
              + " left no file '"
              + path
              + "' in its output folder on this worker");
    }
    return file;
  }

  private boolean insideWorkRoot(Path file) {
    try {
      return file.toRealPath().startsWith(workRoot.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Runs {@code spl} in this JVM for a child of this worker: {@code credential} must be one this
   * worker issued for an attempt that runs here now; {@code request} is the shim's body, NUL
   * terminated fields: the child's working directory, its environment as {@code NAME=VALUE} fields,
   * an empty field, then the arguments. The command gets that environment and no standard input,
   * and talks to the coordinator exactly as the child's own {@code spl} would.
   */
  @Override
  public CommandAnswer runCommand(String credential, byte[] request) {
    WorkerRuntime worker = runtime.get();
    if (worker == null) {
      throw new ApiException(503, "STARTING", "the worker is still starting; try again");
    }
    ChildCredential parsed;
    try {
      parsed = ChildCredential.parse(credential);
    } catch (IllegalArgumentException e) {
      throw new ApiException(401, "CHILD_CREDENTIAL_INVALID", e.getMessage());
    }
    String problem = worker.childCredentialProblem(parsed);
    if (problem != null) {
      throw new ApiException(403, "CHILD_CREDENTIAL_INVALID", problem);
    }
    ChildCli cli =
        CLI.orElseThrow(
            () ->
                new ApiException(
                    404, "NO_CLI", "this worker's class path holds no spl command line"));
    Invocation invocation = Invocation.parse(request);
    if (!cli.serves(invocation.args())) {
      throw new ApiException(
          404,
          "NOT_SERVED",
          "the worker runs task and records commands for its children; run this one with the"
              + " launcher");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      try {
        exit =
            cli.run(
                invocation.args(), invocation.workingDir(), invocation.env(), outStream, errStream);
      } catch (RuntimeException e) {
        // Answered as the command's failure: running it again through the launcher could repeat
        // what it did before it failed.
        errStream.println("spl: internal error: " + e);
        exit = INTERNAL_EXIT;
      }
    }
    return new CommandAnswer(exit, out.toByteArray(), err.toByteArray());
  }

  private static final Optional<ChildCli> CLI = ChildCli.installed();
  private static final int INTERNAL_EXIT = 4;

  /** What a child's shim sent. */
  record Invocation(Path workingDir, Map<String, String> env, List<String> args) {
    static Invocation parse(byte[] body) {
      String text = new String(body, StandardCharsets.UTF_8);
      if (text.isEmpty() || text.charAt(text.length() - 1) != '\0') {
        throw new ApiException(
            400,
            "INVALID_COMMAND",
            "body: expected NUL-terminated fields (working directory, NAME=VALUE..., an empty"
                + " field, arguments) but the body "
                + (text.isEmpty() ? "is empty" : "does not end with NUL"));
      }
      String[] fields = text.substring(0, text.length() - 1).split("\0", -1);
      Path workingDir;
      try {
        workingDir = Path.of(fields[0]);
      } catch (java.nio.file.InvalidPathException e) {
        workingDir = null;
      }
      if (workingDir == null || !workingDir.isAbsolute()) {
        throw new ApiException(
            400, "INVALID_COMMAND", "field 0: expected the absolute working directory");
      }
      Map<String, String> env = new HashMap<>();
      int i = 1;
      for (; i < fields.length && !fields[i].isEmpty(); i++) {
        int equals = fields[i].indexOf('=');
        if (equals <= 0) {
          throw new ApiException(
              400,
              "INVALID_COMMAND",
              "field " + i + ": expected NAME=VALUE of the environment but found no name");
        }
        env.put(fields[i].substring(0, equals), fields[i].substring(equals + 1));
      }
      if (i >= fields.length) {
        throw new ApiException(
            400,
            "INVALID_COMMAND",
            "body: expected an empty field between the environment and the arguments");
      }
      List<String> args = List.of(fields).subList(i + 1, fields.length);
      return new Invocation(workingDir, env, args);
    }
  }
}
