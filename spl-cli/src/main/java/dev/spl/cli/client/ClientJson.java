package dev.spl.cli.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import dev.spl.core.StrictUtf8;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.CharBuffer;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON trees for the CLI's requests and answers, read and written with Jackson's streaming parser
 * and generator alone. Jackson's ObjectMapper (dev.spl.core.Json) takes tens of milliseconds to set
 * up in a fresh JVM, a large part of a one-request command; these give the same trees and the same
 * text as that mapper (floats as BigDecimal without trailing zeros, trailing tokens refused,
 * nesting at most 64 deep), which ClientJsonTest checks.
 */
public final class ClientJson {
  private static final JsonFactory FACTORY = newFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ClientJson() {}

  private static JsonFactory newFactory() {
    JsonFactory factory = new JsonFactory();
    // The shared mapper's rule: a key given twice in one object is refused, not last one wins.
    factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    factory.setStreamReadConstraints(
        // The shared mapper's limit (dev.spl.core.Json).
        StreamReadConstraints.builder().maxNestingDepth(64).build());
    return factory;
  }

  /**
   * The tree of one JSON value; a missing node for empty input, as the mapper gives. The bytes must
   * be UTF-8 ({@link StrictUtf8}); a key given twice is refused.
   */
  static JsonNode read(byte[] json) throws IOException {
    CharBuffer text;
    try {
      text = StrictUtf8.decode(json, 0, json.length);
    } catch (MalformedJsonException e) {
      throw new JsonParseException(null, e.getMessage());
    }
    try (JsonParser parser =
        FACTORY.createParser(text.array(), text.arrayOffset(), text.remaining())) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return MissingNode.getInstance();
      }
      JsonNode value = value(parser, first);
      JsonToken trailing = parser.nextToken();
      if (trailing != null) {
        throw new JsonParseException(
            parser, "expected the end of the JSON value but found a trailing " + trailing);
      }
      return value;
    }
  }

  /** Receives one line of a JSON lines answer as its bytes, without the newline. */
  @FunctionalInterface
  public interface LineSink {
    void accept(byte[] bytes, int from, int to) throws IOException;
  }

  /**
   * Reads a JSON lines answer from {@code in} as it arrives: every line after the first goes to
   * {@code sink} as bytes, unparsed, as soon as it is complete (the buffer is reused: a sink copies
   * what it keeps); the first line, a JSON object, comes back as a tree. Empty lines are skipped.
   */
  public static JsonNode streamLines(InputStream in, LineSink sink) throws IOException {
    byte[] buffer = new byte[1 << 16];
    int start = 0;
    int end = 0;
    JsonNode first = null;
    while (true) {
      int read = in.read(buffer, end, buffer.length - end);
      if (read < 0) {
        break;
      }
      end += read;
      for (int i = end - read; i < end; i++) {
        if (buffer[i] == '\n') {
          if (i > start) {
            if (first == null) {
              first = readLine(buffer, start, i);
            } else {
              sink.accept(buffer, start, i);
            }
          }
          start = i + 1;
        }
      }
      if (start == end) {
        start = end = 0;
      } else if (end == buffer.length) {
        // A line longer than what is left: move it to the front, and grow when it fills all.
        if (start == 0) {
          buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
        } else {
          System.arraycopy(buffer, start, buffer, 0, end - start);
          end -= start;
          start = 0;
        }
      }
    }
    if (end > start) {
      if (first == null) {
        first = readLine(buffer, start, end);
      } else {
        sink.accept(buffer, start, end);
      }
    }
    if (first == null || !first.isObject()) {
      throw new JsonParseException(
          null,
          "expected a JSON object on the first line but found "
              + (first == null ? "nothing" : first.getNodeType()));
    }
    return first;
  }

  /**
   * The tree of the JSON value in {@code bytes[from, to)} (UTF-8), checked as {@link #read} checks.
   */
  public static JsonNode readLine(byte[] bytes, int from, int to) throws IOException {
    return read(java.util.Arrays.copyOfRange(bytes, from, to));
  }

  /** Receives each element of a streamed array as its own tree. */
  @FunctionalInterface
  public interface ElementSink {
    void accept(JsonNode element) throws IOException;
  }

  /**
   * Reads one JSON object from {@code in} (UTF-8) as it arrives: each element of its array field
   * {@code arrayField} goes to {@code sink} as soon as it is read, so only one element is ever
   * held; the other fields come back as an object (without {@code arrayField}). Keys are checked as
   * {@link #read} checks them.
   */
  public static ObjectNode streamArray(InputStream in, String arrayField, ElementSink sink)
      throws IOException {
    try (JsonParser parser = FACTORY.createParser(in)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new JsonParseException(parser, "expected a JSON object but found " + first);
      }
      ObjectNode rest = NODES.objectNode();
      for (JsonToken next = parser.nextToken();
          next != JsonToken.END_OBJECT;
          next = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken token = parser.nextToken();
        if (arrayField.equals(name) && token == JsonToken.START_ARRAY) {
          for (JsonToken element = parser.nextToken();
              element != JsonToken.END_ARRAY;
              element = parser.nextToken()) {
            sink.accept(value(parser, element));
          }
        } else {
          rest.replace(name, value(parser, token));
        }
      }
      JsonToken trailing = parser.nextToken();
      if (trailing != null) {
        throw new JsonParseException(
            parser, "expected the end of the JSON value but found a trailing " + trailing);
      }
      return rest;
    }
  }

  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        for (JsonToken next = parser.nextToken();
            next != JsonToken.END_OBJECT;
            next = parser.nextToken()) {
          String name = parser.currentName();
          object.replace(name, value(parser, parser.nextToken()));
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (JsonToken next = parser.nextToken();
            next != JsonToken.END_ARRAY;
            next = parser.nextToken()) {
          array.add(value(parser, next));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        switch (parser.getNumberType()) {
          case INT:
            return NODES.numberNode(parser.getIntValue());
          case LONG:
            return NODES.numberNode(parser.getLongValue());
          default:
            return NODES.numberNode(parser.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        BigDecimal decimal = parser.getDecimalValue();
        try {
          decimal = decimal.stripTrailingZeros();
        } catch (ArithmeticException e) {
          // Scale out of range: keep the number as written.
        }
        return NODES.numberNode(decimal);
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(parser, "expected a JSON value but found " + token);
    }
  }

  /** Compact UTF-8 bytes, for request bodies. */
  static byte[] bytes(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      write(generator, node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON", e);
    }
    return out.toByteArray();
  }

  /** One line of compact text, for JSON a script reads line by line (error envelopes). */
  public static String compact(JsonNode node) {
    return new String(bytes(node), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Indented text, for {@code -o json}: the mapper's default pretty printer. */
  public static String pretty(JsonNode node) {
    return pretty(node, false);
  }

  /** As {@link #pretty}, with every character outside ASCII written as JSON's escape for it. */
  public static String prettyAscii(JsonNode node) {
    return pretty(node, true);
  }

  /** {@code node} on one line, with every character outside ASCII written as JSON's escape. */
  public static String compactAscii(JsonNode node) {
    return write(node, true, false);
  }

  private static String pretty(JsonNode node, boolean asciiOnly) {
    return write(node, asciiOnly, true);
  }

  private static String write(JsonNode node, boolean asciiOnly, boolean indent) {
    Writer text = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(text)) {
      if (indent) {
        generator.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      if (asciiOnly) {
        generator.setHighestNonEscapedChar(0x7f);
      }
      write(generator, node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON", e);
    }
    return text.toString();
  }

  private static void write(JsonGenerator generator, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT:
        generator.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
          Map.Entry<String, JsonNode> field = fields.next();
          generator.writeFieldName(field.getKey());
          write(generator, field.getValue());
        }
        generator.writeEndObject();
        return;
      case ARRAY:
        generator.writeStartArray();
        for (JsonNode element : node) {
          write(generator, element);
        }
        generator.writeEndArray();
        return;
      case STRING:
        generator.writeString(node.textValue());
        return;
      case NUMBER:
        writeNumber(generator, node);
        return;
      case BOOLEAN:
        generator.writeBoolean(node.booleanValue());
        return;
      case NULL:
        generator.writeNull();
        return;
      case BINARY:
        generator.writeBinary(node.binaryValue());
        return;
      default:
        // POJO and missing nodes: the mapper knows how.
        generator.writeRawValue(Json.MAPPER.writeValueAsString(node));
    }
  }

  private static void writeNumber(JsonGenerator generator, JsonNode node) throws IOException {
    switch (node.numberType()) {
      case INT:
        generator.writeNumber(node.intValue());
        return;
      case LONG:
        generator.writeNumber(node.longValue());
        return;
      case BIG_INTEGER:
        generator.writeNumber(node.bigIntegerValue());
        return;
      case FLOAT:
        generator.writeNumber(node.floatValue());
        return;
      case DOUBLE:
        generator.writeNumber(node.doubleValue());
        return;
      default:
        generator.writeNumber(node.decimalValue());
    }
  }
}
