package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.fanout.ChildOutput;
import dev.spl.core.fanout.CommandTemplate;
import dev.spl.core.fanout.DataLoop;
import dev.spl.core.fanout.Verdict;
import dev.spl.core.home.FleetToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a child's {@code run} command with {@code /bin/sh -c} in its own working folder. Exit 0 is
 * accept, any other exit reject; past the timeout the whole process tree is stopped and the verdict
 * is timeout. The last lines of output become the summary; a final output line holding a JSON
 * object may report {@code cost_usd} and {@code summary}, and a cost above the budget turns the
 * verdict into over_budget. While it runs, the {@code cost_usd} of the latest JSON line it printed
 * is what it has spent so far. docs/executors.md is the contract a child sees.
 */
public final class ShellExecutor implements Executor {
  static final int SUMMARY_LINES = 20;
  static final int SUMMARY_CHARS = 2000;
  private static final long STOP_GRACE_MILLIS = 2000;
  private static final Logger LOG = LoggerFactory.getLogger(ShellExecutor.class);

  private final Clock clock;
  private final ChildAccess access;
  private final String secret;
  private final ScheduledExecutorService timer;
  private final Set<Running> running = ConcurrentHashMap.newKeySet();
  private final ProcessGroups groups;
  // Null for the shell executor; the command executor's command line otherwise.
  private final CommandTemplate template;
  // Children are forked from this one long-lived thread: the parent-death signal fires when the
  // thread that forked a child ends, and the threads that finish attempts come and go.
  private final ExecutorService launcher;

  public ShellExecutor(Clock clock) {
    this(clock, null);
  }

  /**
   * {@code secret} (the fleet token, or null) is kept out of every child's environment: a child
   * prints what it likes, and its output becomes a summary stored in a record.
   */
  public ShellExecutor(Clock clock, String secret) {
    this(clock, secret, ProcessGroups.unrecorded());
  }

  /** {@code groups} records each child's process group (see {@link ProcessGroups}). */
  public ShellExecutor(Clock clock, String secret, ProcessGroups groups) {
    this(clock, secret, groups, null);
  }

  /**
   * The command executor: runs {@code template} (when not null) instead of each child's {@code run}
   * command, with the child's goal, inputs and hint in a prompt file (docs/executors.md).
   */
  public ShellExecutor(Clock clock, String secret, ProcessGroups groups, CommandTemplate template) {
    this(clock, secret, groups, template, ChildAccess.NONE);
  }

  /**
   * As above; {@code access} gives each child what it needs to fan out itself ({@code SPL_URL} and
   * its {@code SPL_CHILD_CREDENTIAL}), never the fleet token or the worker's key.
   */
  public ShellExecutor(
      Clock clock,
      String secret,
      ProcessGroups groups,
      CommandTemplate template,
      ChildAccess access) {
    this.access = access;
    this.clock = clock;
    this.secret = secret == null || secret.isEmpty() ? null : secret;
    this.groups = groups;
    this.template = template;
    this.launcher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread thread = new Thread(r, "spl-shell-launcher");
              thread.setDaemon(true);
              return thread;
            });
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "spl-shell-timeouts");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Whether attempt {@code attempt} of the child on {@code childThread} runs here now. */
  public boolean runs(String childThread, int attempt) {
    for (Running run : running) {
      if (run.job.attempt() == attempt
          && run.job.childThread().equals(childThread)
          && run.forced.get() == null
          && run.process.isAlive()) {
        return true;
      }
    }
    return false;
  }

  /** The file in the child's folder that keeps the whole output of one attempt. */
  public static String outputFileName(int attempt) {
    return "output-" + attempt + ".log";
  }

  @Override
  public Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
    long startedAt = clock.millis();
    if (template == null && (job.run() == null || job.run().isBlank())) {
      onDone.accept(
          new ChildOutcome(
              Verdict.FAILED,
              BigDecimal.ZERO,
              0,
              "no `run` command: the shell executor needs run=... in the subtask",
              null,
              startedAt,
              startedAt));
      return reason -> {};
    }
    Process process;
    try {
      Files.createDirectories(job.workDir());
      java.nio.file.Path promptFile = template == null ? null : writePrompt(job);
      ProcessBuilder builder =
          new ProcessBuilder(
                  template == null
                      ? groups.command(job.run())
                      : groups.command(template.render(placeholderValues(job, promptFile))))
              .directory(job.commandDir().toFile())
              .redirectErrorStream(true);
      Map<String, String> env = builder.environment();
      FleetToken.scrub(env, secret);
      // The SPL_* a child finds are the contract's (docs/executors.md), never the worker's own
      // SPL_HOME, SPL_URL and the like.
      env.keySet().removeIf(name -> name.startsWith("SPL_"));
      env.put("SPL_GOAL", job.goal());
      env.put("SPL_CHILD_THREAD", job.childThread());
      env.put("SPL_CHILD_INTEND", job.intendId());
      env.put("SPL_FANOUT", job.fanout());
      env.put("SPL_INDEX", Integer.toString(job.index()));
      env.put("SPL_ATTEMPT", Integer.toString(job.attempt()));
      env.put("SPL_NAMESPACE", job.namespace());
      env.put("SPL_IDEMPOTENCY_KEY", job.idempotencyKey());
      ChildJob.Shard shard = job.shard();
      env.put("SPL_SHARD", Integer.toString(shard.index()));
      env.put("SPL_ITER_FROM", Long.toString(shard.iterFrom()));
      env.put("SPL_ITER_TO", Long.toString(shard.iterTo()));
      java.nio.file.Path items = writeItems(job);
      if (items != null) {
        env.put("SPL_ITEMS_FILE", items.toAbsolutePath().toString());
      }
      String item = singleItem(shard);
      if (item != null) {
        env.put("SPL_ITEM", item);
      }
      env.put("SPL_INPUTS", job.inputsJson() == null ? "[]" : job.inputsJson());
      if (job.budgetUsd() != null) {
        env.put("SPL_BUDGET_USD", job.budgetUsd().toPlainString());
      }
      if (job.timeoutSecs() != null) {
        env.put("SPL_TIMEOUT_SECS", Integer.toString(job.timeoutSecs()));
      }
      if (job.hint() != null) {
        env.put("SPL_HINT", job.hint());
      }
      if (job.worktree() != null && job.runDir() != null) {
        env.put("SPL_WORKTREE", job.runDir().toAbsolutePath().toString());
        env.put("SPL_BRANCH", job.worktree().branch());
        env.put("SPL_BASE", job.worktree().base());
      }
      putResultPlaces(job, env);
      Map<String, String> reach = access.variables(job);
      env.putAll(reach);
      java.nio.file.Path shims = access.commandsFolder();
      if (shims != null && !reach.isEmpty()) {
        // The worker's own `spl` first: a child's `spl` is served by this JVM (SplShim).
        String path = env.get("PATH");
        env.put("PATH", shims + (path == null || path.isEmpty() ? "" : ":" + path));
      }
      if (promptFile != null) {
        env.put("SPL_PROMPT_FILE", promptFile.toAbsolutePath().toString());
      }
      process = launch(builder, job);
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      long now = clock.millis();
      onDone.accept(
          new ChildOutcome(
              Verdict.FAILED,
              BigDecimal.ZERO,
              (now - startedAt) / 1000.0,
              "could not start `"
                  + (template == null ? job.run() : template.text())
                  + "`: "
                  + e.getMessage(),
              null,
              startedAt,
              now));
      return reason -> {};
    }
    Running run = new Running(job, process, startedAt, onDone);
    running.add(run);
    run.begin();
    return run;
  }

  /**
   * {@code SPL_RESULT_FILE} and {@code SPL_OUTPUT_DIR} of an attempt: a result file left by an
   * earlier run of the same attempt is removed, so only this run's counts.
   */
  private static void putResultPlaces(ChildJob job, Map<String, String> env) throws IOException {
    java.nio.file.Path resultFile =
        job.workDir().resolve(ResultCollector.resultFileName(job.attempt()));
    Files.deleteIfExists(resultFile);
    java.nio.file.Path outputDir =
        Files.createDirectories(
            job.workDir().resolve(ResultCollector.outputDirName(job.attempt())));
    env.put("SPL_RESULT_FILE", resultFile.toAbsolutePath().toString());
    env.put("SPL_OUTPUT_DIR", outputDir.toAbsolutePath().toString());
    if (job.faninJson() != null) {
      java.nio.file.Path fanin = job.workDir().resolve("fanin-" + job.attempt() + ".json");
      Files.writeString(fanin, job.faninJson(), StandardCharsets.UTF_8);
      env.put("SPL_FANIN_FILE", fanin.toAbsolutePath().toString());
    }
  }

  /** The file in the child's folder that holds the prompt of one attempt (command executor). */
  public static String promptFileName(int attempt) {
    return "prompt-" + attempt + ".md";
  }

  /**
   * Writes the prompt of a command child: its goal, the results of the subtasks it depends on, and
   * the hint of its attempt, as Markdown sections.
   */
  static java.nio.file.Path writePrompt(ChildJob job) throws IOException {
    StringBuilder prompt = new StringBuilder("# Goal\n\n").append(job.goal()).append("\n");
    JsonNode inputs = job.inputsJson() == null ? null : Json.MAPPER.readTree(job.inputsJson());
    if (inputs != null && inputs.isArray() && !inputs.isEmpty()) {
      prompt.append("\n# Results of the subtasks this one depends on\n");
      for (JsonNode input : inputs) {
        prompt
            .append("\n## Subtask ")
            .append(input.path("index").asText())
            .append(" (")
            .append(input.path("verdict").asText())
            .append(")\n\n")
            .append(input.path("summary").asText(""))
            .append("\n");
      }
    }
    if (job.hint() != null) {
      prompt.append("\n# Hint for this attempt\n\n").append(job.hint()).append("\n");
    }
    java.nio.file.Path file = job.workDir().resolve(promptFileName(job.attempt()));
    Files.writeString(file, prompt, StandardCharsets.UTF_8);
    return file;
  }

  /** What each placeholder of the command template stands for in this attempt. */
  static Map<String, String> placeholderValues(ChildJob job, java.nio.file.Path promptFile) {
    Map<String, String> values = new java.util.HashMap<>();
    values.put("prompt_file", promptFile.toAbsolutePath().toString());
    values.put("goal", job.goal());
    values.put("budget", job.budgetUsd() == null ? "" : job.budgetUsd().toPlainString());
    values.put("timeout", job.timeoutSecs() == null ? "" : Integer.toString(job.timeoutSecs()));
    values.put("index", Integer.toString(job.index()));
    values.put("attempt", Integer.toString(job.attempt()));
    values.put(
        "result_file",
        job.workDir()
            .resolve(ResultCollector.resultFileName(job.attempt()))
            .toAbsolutePath()
            .toString());
    values.put(
        "output_dir",
        job.workDir()
            .resolve(ResultCollector.outputDirName(job.attempt()))
            .toAbsolutePath()
            .toString());
    values.put("work_dir", job.workDir().toAbsolutePath().toString());
    values.put("child_thread", job.childThread());
    values.put("fanout", job.fanout());
    values.put("idempotency_key", job.idempotencyKey());
    return values;
  }

  /** The folder in the child's folder whose files become the attempt's result references. */
  public static String outputDirName(int attempt) {
    return ResultCollector.outputDirName(attempt);
  }

  /** The file in the child's folder that holds its slice, one JSON value a line. */
  public static String itemsFileName(int attempt) {
    return "items-" + attempt + ".jsonl";
  }

  /**
   * Writes a data child's slice for {@code SPL_ITEMS_FILE}: its items as canonical JSON lines, or
   * its range points one a line (up to {@link DataLoop#MAX_RANGE_POINTS_IN_FILE}; a larger shard
   * gets no file and reads {@code SPL_ITER_FROM}/{@code SPL_ITER_TO}). Null when there is no file.
   */
  static java.nio.file.Path writeItems(ChildJob job) throws IOException {
    ChildJob.Shard shard = job.shard();
    if (shard.loop() == null) {
      return null;
    }
    if (shard.items() == null
        && shard.iterTo() - shard.iterFrom() > DataLoop.MAX_RANGE_POINTS_IN_FILE) {
      return null;
    }
    java.nio.file.Path file = job.workDir().resolve(itemsFileName(job.attempt()));
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      if (shard.items() != null) {
        for (JsonNode item : shard.items()) {
          out.write(CanonicalJson.string(item));
          out.write('\n');
        }
      } else {
        for (long point = shard.iterFrom(); point < shard.iterTo(); point++) {
          out.write(Long.toString(point));
          out.write('\n');
        }
      }
    }
    return file;
  }

  /**
   * The one item of a single-item child for {@code SPL_ITEM}: a string as it is, anything else as
   * its canonical JSON, a range point as its number; null for other children, and for an item
   * holding a NUL character, which an environment cannot carry.
   */
  static String singleItem(ChildJob.Shard shard) {
    if (shard.loop() == null || shard.iterTo() - shard.iterFrom() != 1) {
      return null;
    }
    if (shard.items() == null) {
      return Long.toString(shard.iterFrom());
    }
    JsonNode item = shard.items().get(0);
    String text = item.isTextual() ? item.textValue() : CanonicalJson.string(item);
    return text.indexOf('\u0000') >= 0 ? null : text;
  }

  /**
   * Starts the child's shell on the launcher thread, records its group and opens its gate; a child
   * whose group cannot be recorded is stopped before it runs anything.
   */
  private Process launch(ProcessBuilder builder, ChildJob job) throws IOException {
    Process process;
    try {
      process = launcher.submit(builder::start).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the child", e);
    } catch (ExecutionException | RejectedExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
    }
    try {
      groups.recordAndRelease(groupKey(job), process);
    } catch (IOException e) {
      process.destroyForcibly();
      groups.forget(groupKey(job));
      throw new IOException("could not record its process group: " + e.getMessage(), e);
    }
    return process;
  }

  private static String groupKey(ChildJob job) {
    return job.childThread() + "-" + job.attempt();
  }

  @Override
  public void close() {
    for (Running run : running) {
      run.cancel("executor closed");
    }
    timer.shutdownNow();
    launcher.shutdownNow();
  }

  /** One live process: owns its output tail, its timeout and the single outcome delivery. */
  private final class Running implements Execution {
    private final ChildJob job;
    private final Process process;
    private final long startedAt;
    private final Consumer<ChildOutcome> onDone;
    private final Deque<String> tail = new ArrayDeque<>();
    private final AtomicReference<Verdict> forced = new AtomicReference<>();
    private volatile BigDecimal spent = BigDecimal.ZERO;
    private volatile ScheduledFuture<?> timeout;

    Running(ChildJob job, Process process, long startedAt, Consumer<ChildOutcome> onDone) {
      this.job = job;
      this.process = process;
      this.startedAt = startedAt;
      this.onDone = onDone;
    }

    void begin() {
      Thread reader = new Thread(this::readOutput, "spl-shell-" + job.index());
      reader.setDaemon(true);
      reader.start();
      if (job.timeoutSecs() != null) {
        timeout =
            timer.schedule(
                () -> stop(Verdict.TIMEOUT), job.timeoutSecs().longValue(), TimeUnit.SECONDS);
      }
    }

    @Override
    public BigDecimal spentSoFar() {
      return spent;
    }

    @Override
    public void cancel(String reason) {
      LOG.info("cancelling {} attempt {}: {}", job.childThread(), job.attempt(), reason);
      stop(Verdict.CANCELLED);
    }

    private void stop(Verdict verdict) {
      if (!forced.compareAndSet(null, verdict)) {
        return;
      }
      ProcessHandle handle = process.toHandle();
      groups.signal(handle, false);
      timer.schedule(() -> groups.signal(handle, true), STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void readOutput() {
      try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
          Writer log =
              Files.newBufferedWriter(
                  job.workDir().resolve(outputFileName(job.attempt())), StandardCharsets.UTF_8)) {
        String line;
        while ((line = reader.readLine()) != null) {
          log.write(line);
          log.write('\n');
          BigDecimal reported = Report.costOf(line);
          if (reported != null) {
            spent = reported;
          }
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > SUMMARY_LINES) {
              tail.removeFirst();
            }
          }
        }
      } catch (IOException e) {
        LOG.warn("reading output of {} failed: {}", job.childThread(), e.getMessage());
      }
      int exitCode;
      try {
        exitCode = process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exitCode = -1;
      }
      // The shell may exit before its children; make sure none outlives the attempt.
      groups.signal(process.toHandle(), true);
      groups.forget(groupKey(job));
      finish(exitCode);
    }

    private void finish(int exitCode) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      running.remove(this);
      long finishedAt = clock.millis();
      String[] lines;
      synchronized (tail) {
        lines = tail.toArray(String[]::new);
      }
      Report report = Report.parse(lines);
      Verdict verdict = forced.get();
      String summary = report.summary();
      BigDecimal cost = report.cost();
      ChildOutput output = ChildOutput.NONE;
      if (verdict == null) {
        verdict = exitCode == 0 ? Verdict.ACCEPT : Verdict.REJECT;
        ResultCollector.Collected collected =
            ResultCollector.collect(
                job.workDir().resolve(ResultCollector.resultFileName(job.attempt())),
                job.workDir().resolve(ResultCollector.outputDirName(job.attempt())),
                report.line());
        if (collected.problem() != null) {
          verdict = Verdict.FAILED;
          summary = "the result was refused: " + collected.problem();
        } else {
          output = collected.output();
          BigDecimal reportedInResult = template == null ? null : costInResult(output);
          if (reportedInResult != null) {
            cost = reportedInResult;
          }
        }
        if (cost != null && job.budgetUsd() != null && cost.compareTo(job.budgetUsd()) > 0) {
          verdict = Verdict.OVER_BUDGET;
        }
      }
      onDone.accept(
          new ChildOutcome(
              verdict,
              cost == null ? BigDecimal.ZERO : cost,
              (finishedAt - startedAt) / 1000.0,
              summary,
              exitCode,
              startedAt,
              finishedAt,
              null,
              output));
    }
  }

  /**
   * The {@code cost} (USD) a command child wrote in its result, when the result is an object with a
   * non-negative number there; null otherwise.
   */
  static BigDecimal costInResult(ChildOutput output) {
    JsonNode result = output.result();
    if (result == null || !result.isObject() || !result.path("cost").isNumber()) {
      return null;
    }
    BigDecimal cost = result.get("cost").decimalValue();
    return cost.signum() < 0 ? null : cost;
  }

  /** What the tail of a child's output says: an optional JSON report line, else the plain tail. */
  record Report(BigDecimal cost, String summary, JsonNode line) {
    /** The {@code cost_usd} of a line holding a JSON object, or null. */
    static BigDecimal costOf(String line) {
      String trimmed = line.trim();
      if (!trimmed.startsWith("{")) {
        return null;
      }
      try {
        JsonNode node = Json.parse(trimmed);
        return node.isObject() && node.path("cost_usd").isNumber()
            ? node.get("cost_usd").decimalValue()
            : null;
      } catch (MalformedJsonException notJson) {
        return null;
      }
    }

    static Report parse(String[] lines) {
      int last = lines.length - 1;
      while (last >= 0 && lines[last].isBlank()) {
        last--;
      }
      BigDecimal cost = null;
      String summary = null;
      JsonNode line = null;
      if (last >= 0 && lines[last].trim().startsWith("{")) {
        try {
          // Json.parse, not the mapper: a number out of range is malformed JSON, not a crash.
          JsonNode node = Json.parse(lines[last].trim());
          if (node.isObject()) {
            line = node;
            if (node.path("cost_usd").isNumber()) {
              cost = node.get("cost_usd").decimalValue();
            }
            if (node.path("summary").isTextual()) {
              summary = node.get("summary").textValue();
            }
            last--;
          }
        } catch (MalformedJsonException notJson) {
          // An ordinary output line that happens to start with '{': keep it in the summary.
        }
      }
      if (summary == null) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i <= last; i++) {
          text.append(lines[i]).append('\n');
        }
        summary = text.toString().strip();
      }
      if (summary.length() > SUMMARY_CHARS) {
        summary = "..." + summary.substring(summary.length() - SUMMARY_CHARS + 3);
      }
      return new Report(cost, summary, line);
    }
  }
}
