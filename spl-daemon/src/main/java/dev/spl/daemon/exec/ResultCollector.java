package dev.spl.daemon.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.Hex;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.fanout.ChildOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Collects what a shell child produced once its command ended: the JSON of {@code $SPL_RESULT_FILE}
 * (or, without that file, its last output line when that is a JSON object) and a reference (path,
 * size, SHA-256) to every regular file it left in {@code $SPL_OUTPUT_DIR}. The files stay where
 * they are; only the references travel in records. A result past {@link
 * ChildOutput#MAX_RESULT_BYTES}, a result file that is not JSON, or more than {@link
 * ChildOutput#MAX_REFS} files is a problem that fails the attempt with that reason.
 */
final class ResultCollector {
  /** A result file larger than this is refused without reading it. */
  static final long MAX_RESULT_FILE_BYTES = 16L * ChildOutput.MAX_RESULT_BYTES;

  private ResultCollector() {}

  /** What was collected, or why the attempt fails instead (then {@code output} is empty). */
  record Collected(ChildOutput output, String problem) {}

  /** The file a child writes its result to, in its working folder. */
  static String resultFileName(int attempt) {
    return "result-" + attempt + ".json";
  }

  /** The folder whose files become the attempt's result references, in its working folder. */
  static String outputDirName(int attempt) {
    return "out-" + attempt;
  }

  static Collected collect(Path resultFile, Path outputDir, JsonNode lastJsonLine) {
    JsonNode result;
    try {
      result = readResult(resultFile, lastJsonLine);
    } catch (IllegalArgumentException problem) {
      return new Collected(ChildOutput.NONE, problem.getMessage());
    }
    List<ChildOutput.Ref> refs;
    try {
      refs = references(outputDir);
    } catch (IllegalArgumentException problem) {
      return new Collected(ChildOutput.NONE, problem.getMessage());
    } catch (IOException e) {
      return new Collected(
          ChildOutput.NONE, "SPL_OUTPUT_DIR: could not read " + outputDir + ": " + e.getMessage());
    }
    return new Collected(
        result == null && refs.isEmpty() ? ChildOutput.NONE : new ChildOutput(result, refs), null);
  }

  private static JsonNode readResult(Path file, JsonNode lastJsonLine) {
    JsonNode result = lastJsonLine;
    String source = "the last output line";
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      source = "SPL_RESULT_FILE " + file.getFileName();
      long size;
      byte[] bytes;
      try {
        size = Files.size(file);
        if (size > MAX_RESULT_FILE_BYTES) {
          throw new IllegalArgumentException(
              source
                  + ": the result file is "
                  + size
                  + " bytes, above the limit of "
                  + ChildOutput.MAX_RESULT_BYTES
                  + " bytes of JSON");
        }
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new IllegalArgumentException(source + ": could not read it: " + e.getMessage());
      }
      try {
        result = Json.parse(bytes);
        CanonicalJson.requireCanonical(result, "result");
      } catch (MalformedJsonException | InvalidRecordException e) {
        throw new IllegalArgumentException(
            source + ": expected one JSON value but it is not valid JSON: " + e.getMessage());
      }
      if (result.isMissingNode()) {
        throw new IllegalArgumentException(
            source + ": expected one JSON value but the file is empty");
      }
    }
    if (result != null && result == lastJsonLine) {
      try {
        CanonicalJson.requireCanonical(result, "result");
      } catch (InvalidRecordException e) {
        throw new IllegalArgumentException(source + ": " + e.getMessage());
      }
    }
    int bytes = ChildOutput.resultBytes(result);
    if (bytes > ChildOutput.MAX_RESULT_BYTES) {
      throw new IllegalArgumentException(
          source
              + ": the result is "
              + bytes
              + " bytes of canonical JSON, above the limit of "
              + ChildOutput.MAX_RESULT_BYTES
              + " bytes");
    }
    return result != null && result.isNull() ? null : result;
  }

  private static List<ChildOutput.Ref> references(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
          .forEach(
              path -> {
                if (files.size() == ChildOutput.MAX_REFS) {
                  throw new IllegalArgumentException(
                      "SPL_OUTPUT_DIR: more than "
                          + ChildOutput.MAX_REFS
                          + " files (each file becomes a result reference)");
                }
                files.add(path);
              });
    }
    List<ChildOutput.Ref> refs = new ArrayList<>(files.size());
    for (Path file : files) {
      String relative =
          dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
      String problem = ChildOutput.pathProblem(relative);
      if (problem != null) {
        throw new IllegalArgumentException("SPL_OUTPUT_DIR: a file's path: " + problem);
      }
      refs.add(new ChildOutput.Ref("", relative, Files.size(file), sha256(file)));
    }
    refs.sort(java.util.Comparator.comparing(ChildOutput.Ref::path));
    return refs;
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        digest.update(buffer, 0, read);
      }
    }
    return Hex.format(digest.digest());
  }
}
