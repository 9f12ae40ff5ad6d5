package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.InvalidRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one attempt of a child produced: a JSON result (a shell child's result file or last JSON
 * line, an echo child's item and index) and references to the files it left in its output folder.
 * The files stay on the worker that ran the attempt; a record carries only where they are, their
 * size and their SHA-256. Both are bounded ({@link #MAX_RESULT_BYTES}, {@link #MAX_REFS}) so a
 * result never grows a record past what a fan-out of a million children can keep in its log.
 *
 * @param result the result, or null when the attempt reported none
 * @param refs the files of its output folder, in path order
 */
public record ChildOutput(JsonNode result, List<Ref> refs) {
  /** The most bytes of a result's canonical JSON. */
  public static final int MAX_RESULT_BYTES = 64 * 1024;

  /** The most files of an output folder that become references. */
  public static final int MAX_REFS = 1000;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /**
   * A file a child left in its output folder.
   *
   * @param worker the DID of the worker that holds it
   * @param path its path relative to the output folder, with {@code /} between folders
   * @param size its size in bytes
   * @param sha256 lowercase hex of its SHA-256
   */
  public record Ref(String worker, String path, long size, String sha256) {
    public Ref {
      Objects.requireNonNull(worker, "worker");
      String problem = pathProblem(path);
      if (problem != null) {
        throw new IllegalArgumentException("path: " + problem);
      }
      if (size < 0) {
        throw new IllegalArgumentException("size: expected >= 0 but found " + size);
      }
      if (sha256 == null || !SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "sha256: expected 64 lowercase hex digits but found " + sha256);
      }
    }

    public ObjectNode toJson() {
      ObjectNode node = dev.spl.core.Json.MAPPER.createObjectNode();
      node.put("worker", worker);
      node.put("path", path);
      node.put("size", size);
      node.put("sha256", sha256);
      return node;
    }
  }

  public ChildOutput {
    refs = refs == null ? List.of() : List.copyOf(refs);
    if (refs.size() > MAX_REFS) {
      throw new IllegalArgumentException(
          "refs: at most " + MAX_REFS + " files but found " + refs.size());
    }
  }

  /** Nothing: no result and no files. */
  public static final ChildOutput NONE = new ChildOutput(null, List.of());

  /** The same output with every reference held by {@code worker} (the worker that ran it). */
  public ChildOutput withWorker(String worker) {
    if (refs.isEmpty()) {
      return this;
    }
    List<Ref> held = new ArrayList<>(refs.size());
    for (Ref ref : refs) {
      held.add(new Ref(worker, ref.path(), ref.size(), ref.sha256()));
    }
    return new ChildOutput(result, held);
  }

  public boolean empty() {
    return result == null && refs.isEmpty();
  }

  /**
   * Why {@code path} cannot name a file inside an output folder, or null when it can: it must be
   * relative, use {@code /}, and hold no empty, {@code .} or {@code ..} segment.
   */
  public static String pathProblem(String path) {
    if (path == null || path.isEmpty()) {
      return "expected a relative path but found nothing";
    }
    if (path.length() > 4096 || path.indexOf('\u0000') >= 0 || path.indexOf('\\') >= 0) {
      return "expected a relative path of at most 4096 characters without NUL or \\ but found '"
          + shorten(path)
          + "'";
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "expected a relative path without empty, '.' or '..' parts but found '"
            + shorten(path)
            + "'";
      }
    }
    return null;
  }

  private static String shorten(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "..." : text;
  }

  /** Bytes of the result's canonical JSON (0 without a result). */
  public static int resultBytes(JsonNode result) {
    return result == null ? 0 : CanonicalJson.bytes(result).length;
  }

  /** Writes {@code result} and {@code refs} into a result body; nothing when empty. */
  void writeTo(ObjectNode body) {
    if (result != null) {
      body.set("result", result);
    }
    if (!refs.isEmpty()) {
      ArrayNode array = body.putArray("refs");
      for (Ref ref : refs) {
        array.add(ref.toJson());
      }
    }
  }

  /**
   * Reads {@code result} and {@code refs} of a result body, refusing a result above {@link
   * #MAX_RESULT_BYTES} and references that are malformed or too many.
   */
  static ChildOutput read(ObjectNode body, WireReader reader) {
    JsonNode result = body.get("result");
    if (result != null && result.isNull()) {
      result = null;
    }
    int bytes = resultBytes(result);
    if (bytes > MAX_RESULT_BYTES) {
      throw new InvalidRecordException(
          reader.pathOf("result")
              + ": expected at most "
              + MAX_RESULT_BYTES
              + " bytes of canonical JSON but found "
              + bytes);
    }
    List<Ref> refs = new ArrayList<>();
    if (body.hasNonNull("refs")) {
      List<WireReader> entries = reader.objects("refs");
      if (entries.size() > MAX_REFS) {
        throw reader.problem(
            "refs", "at most " + MAX_REFS + " references", body.get("refs").get(MAX_REFS));
      }
      for (WireReader entry : entries) {
        String path = entry.text("path");
        String problem = pathProblem(path);
        if (problem != null) {
          throw new InvalidRecordException(entry.pathOf("path") + ": " + problem);
        }
        String sha = entry.text("sha256");
        if (!SHA256.matcher(sha).matches()) {
          throw entry.problem(
              "sha256",
              "64 lowercase hex digits",
              dev.spl.core.Json.MAPPER.getNodeFactory().textNode(sha));
        }
        refs.add(new Ref(entry.text("worker"), path, entry.longValue("size", 0), sha));
      }
    }
    return result == null && refs.isEmpty() ? NONE : new ChildOutput(result, refs);
  }
}
