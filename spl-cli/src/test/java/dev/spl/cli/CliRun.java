package dev.spl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code spl} in-process and keeps what it printed. */
public record CliRun(int exitCode, String out, String err) {

  public static CliRun run(Map<String, String> env, String... args) {
    return runWithInput(env, "", args);
  }

  /** Runs with {@code input} as standard input. */
  public static CliRun runWithInput(Map<String, String> env, String input, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      // The streams write UTF-8 whatever the JVM's output encoding: the locale in env decides.
      int code =
          Spl.run(
              new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
              o,
              e,
              env,
              StandardCharsets.UTF_8.name(),
              args);
      return new CliRun(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * The context commands get, around the given streams (which write UTF-8), for tests that call a
   * command class.
   */
  public static CliContext context(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    return new CliContext(in, out, err, env, StandardCharsets.UTF_8.name());
  }

  /** The context {@code spl} itself makes around this process's standard streams. */
  public static CliContext standardStreamsContext() {
    return new CliContext(System.in, System.out, System.err, System.getenv());
  }

  /** An environment without SPL_* variables of the machine running the tests. */
  public static Map<String, String> cleanEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("USER", "tester");
    return env;
  }

  /** Parses one JSON text (an error envelope on stderr, say). */
  public static JsonNode jsonOf(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text, e);
    }
  }

  public JsonNode json() {
    try {
      return Json.MAPPER.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not JSON: " + out, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
