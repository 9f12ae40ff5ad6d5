package dev.spl.core;

import com.fasterxml.jackson.core.JsonProcessingException;

/** Records for tests, built from JSON text the way the API receives them. */
public final class TestRecords {
  public static final String ACTOR = "did:sync:instance:0123456789abcdef";

  private TestRecords() {}

  public static String thread(String name) {
    return ThreadIds.derive("test", name);
  }

  public static Record parse(String json) {
    try {
      return RecordJson.parse(Json.MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("test JSON does not parse: " + json, e);
    }
  }

  /** A record on {@code thread} with the given act and topic, distinct for each {@code n}. */
  public static Record record(String thread, Act act, String topic, long n) {
    return parse(
        "{\"thread\":\""
            + thread
            + "\",\"actor\":\""
            + ACTOR
            + "\",\"act\":\""
            + act
            + "\",\"clock\":"
            + n
            + ",\"body\":{\"topic\":\""
            + topic
            + "\",\"n\":"
            + n
            + "}}");
  }
}
