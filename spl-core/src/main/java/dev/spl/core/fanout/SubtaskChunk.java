package dev.spl.core.fanout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.InvalidRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The body of one chunk of a fan-out's descriptors: {@code LEARN fanout_subtasks}, written before
 * the parent that lists it.
 *
 * @param offset the index of the chunk's first subtask in the fan-out
 */
public record SubtaskChunk(String namespace, int offset, List<SubtaskSpec> subtasks) {

  public SubtaskChunk {
    Objects.requireNonNull(namespace, "namespace");
    subtasks = List.copyOf(subtasks);
  }

  /** A descriptor list cut into chunks of at most {@code chunkSize} subtasks. */
  public static List<SubtaskChunk> split(String namespace, List<SubtaskSpec> specs, int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size: expected >= 1 but found " + chunkSize);
    }
    List<SubtaskChunk> chunks = new ArrayList<>();
    for (int offset = 0; offset < specs.size(); offset += chunkSize) {
      chunks.add(
          new SubtaskChunk(
              namespace,
              offset,
              specs.subList(offset, Math.min(specs.size(), offset + chunkSize))));
    }
    return chunks;
  }

  public ObjectNode toBody() {
    ObjectNode body = FanoutRecords.start(FanoutRecords.SUBTASKS);
    body.put("namespace", namespace);
    body.put("offset", offset);
    ArrayNode array = body.putArray("subtasks");
    subtasks.forEach(spec -> array.add(spec.toJson()));
    return body;
  }

  /**
   * Reads a chunk; each descriptor is checked as {@link SubtaskParser#parseJson} checks one, and a
   * bad one is refused naming its place in the chunk.
   */
  public static SubtaskChunk fromBody(ObjectNode body) {
    WireReader reader = WireReader.body(body, FanoutRecords.SUBTASKS);
    String namespace = reader.text("namespace");
    int offset = reader.integer("offset", 0);
    List<ObjectNode> descriptors = reader.rawObjects("subtasks");
    List<SubtaskSpec> specs = new ArrayList<>(descriptors.size());
    for (int i = 0; i < descriptors.size(); i++) {
      try {
        specs.add(SubtaskParser.parseJson(offset + i, descriptors.get(i)));
      } catch (InvalidFanoutException e) {
        throw new InvalidRecordException(
            reader.pathOf("subtasks") + "[" + i + "]: " + e.getMessage());
      }
    }
    return new SubtaskChunk(namespace, offset, specs);
  }
}
