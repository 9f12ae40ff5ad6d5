package dev.spl.core;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/** Thread ids: {@code th_} + 64 lowercase hex, or one of the reserved system threads. */
public final class ThreadIds {
  public static final String INSTANCE_REGISTRY = "th_instance_registry";
  public static final String FLEET_CONTROL = "th_fleet_control";
  public static final String ENGINE_CONFIG = "th_engine_config";
  public static final Set<String> RESERVED =
      Set.of(INSTANCE_REGISTRY, FLEET_CONTROL, ENGINE_CONFIG);

  private ThreadIds() {}

  public static boolean isValid(String thread) {
    if (thread == null) {
      return false;
    }
    if (RESERVED.contains(thread)) {
      return true;
    }
    return thread.length() == 67 && thread.startsWith("th_") && Hex.isLowerHex(thread, 3, 67);
  }

  public static void requireValid(String thread) {
    if (!isValid(thread)) {
      throw new InvalidRecordException(
          "thread: expected 'th_' followed by 64 lowercase hex digits (or one of "
              + String.join(", ", RESERVED.stream().sorted().toList())
              + ") but found '"
              + thread
              + "'");
    }
  }

  /**
   * A thread id derived from its parts, so that whoever derives it again gets the same id: used for
   * fan-out children (parent id, index, goal) and attempts.
   */
  public static String derive(String... parts) {
    return "th_" + Hex.sha256(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
  }
}
