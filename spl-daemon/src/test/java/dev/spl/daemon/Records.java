package dev.spl.daemon;

import dev.spl.core.Hex;
import java.nio.charset.StandardCharsets;

/** Record JSON for tests. */
final class Records {
  static final String ACTOR = "did:sync:user:tester";

  private Records() {}

  static String thread(String name) {
    return "th_" + Hex.sha256(name.getBytes(StandardCharsets.UTF_8));
  }

  static String json(String thread, String act, String topic, int n) {
    return "{\"thread\":\""
        + thread
        + "\",\"actor\":\""
        + ACTOR
        + "\",\"act\":\""
        + act
        + "\",\"body\":{\"topic\":\""
        + topic
        + "\",\"n\":"
        + n
        + "},\"clock\":"
        + n
        + "}";
  }
}
