package dev.spl.core.fanout;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.spl.core.CanonicalJson;
import dev.spl.core.InvalidRecordException;
import dev.spl.core.Json;
import dev.spl.core.MalformedJsonException;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Reads the items of a data fan-out from text, one at a time, in one of three forms: JSON lines
 * (each non-blank line one JSON value), plain lines (each non-blank line one string item, without
 * its line break) or one JSON array. Items must be strict JSON with a canonical form (no key twice,
 * no unpaired surrogates, no whole number beyond 2^53), as every record's body; a bad item is
 * refused naming its line.
 */
public final class ItemParser {
  /** How the items are written. */
  public enum Format {
    JSONL("jsonl"),
    LINES("lines"),
    JSON("json");

    private final String wire;

    Format(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    /** The format with this name, or null. */
    public static Format fromWire(String text) {
      for (Format format : values()) {
        if (format.wire.equals(text)) {
          return format;
        }
      }
      return null;
    }
  }

  /**
   * One item and the line it starts on (from 1).
   *
   * @param index its position among the items, from 0
   */
  public record Item(long index, JsonNode value, int line) {}

  // Reads one element of the array; what follows it is the array's business.
  private static final com.fasterxml.jackson.databind.ObjectReader ELEMENT =
      Json.MAPPER
          .reader()
          .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ItemParser() {}

  /**
   * Hands every item of {@code text} to {@code each}, in order, and returns how many there were.
   *
   * @throws InvalidFanoutException for {@code --items}, naming the line of a malformed item
   */
  public static long read(String text, Format format, Consumer<Item> each) {
    return switch (format) {
      case JSONL -> readLines(text, true, each);
      case LINES -> readLines(text, false, each);
      case JSON -> readArray(text, each);
    };
  }

  private static long readLines(String text, boolean json, Consumer<Item> each) {
    long count = 0;
    int line = 0;
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      line++;
      int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
      String content = text.substring(start, stop);
      start = end + 1;
      if (content.isBlank()) {
        continue;
      }
      JsonNode value;
      if (json) {
        try {
          value = Json.parse(content);
        } catch (MalformedJsonException e) {
          throw refused(line, e.getMessage());
        }
      } else {
        value = TextNode.valueOf(content);
      }
      each.accept(new Item(count++, canonical(value, line), line));
    }
    return count;
  }

  private static long readArray(String text, Consumer<Item> each) {
    long count = 0;
    try (JsonParser parser = Json.MAPPER.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_ARRAY) {
        int line = first == null ? 1 : parser.currentTokenLocation().getLineNr();
        throw refused(
            line,
            "expected one JSON array of items but found "
                + (first == null ? "nothing" : "'" + parser.getText() + "'"));
      }
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_ARRAY;
          token = parser.nextToken()) {
        if (token == null) {
          throw refused(parser.currentLocation().getLineNr(), "the array is not closed");
        }
        int line = parser.currentTokenLocation().getLineNr();
        JsonNode value;
        try {
          value = ELEMENT.readTree(parser);
        } catch (NumberFormatException e) {
          throw refused(line, Json.numberOutOfRange(parser).getMessage());
        }
        each.accept(new Item(count++, canonical(value, line), line));
      }
      if (parser.nextToken() != null) {
        throw refused(
            parser.currentTokenLocation().getLineNr(), "expected nothing after the array");
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw refused(line, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidFanoutException(-1, "--items", "cannot read the items: " + e.getMessage());
    }
    return count;
  }

  private static JsonNode canonical(JsonNode value, int line) {
    // Checked inside an array so that a number item is also put in the form it reads back as.
    var holder = Json.MAPPER.createArrayNode().add(value);
    try {
      CanonicalJson.requireCanonical(holder, "item");
    } catch (InvalidRecordException e) {
      throw refused(line, e.getMessage().replace("item[0]", "item"));
    }
    return holder.get(0);
  }

  private static InvalidFanoutException refused(int line, String problem) {
    return new InvalidFanoutException(-1, "--items", "line " + line + ": " + problem);
  }
}
