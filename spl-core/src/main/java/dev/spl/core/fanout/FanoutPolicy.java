package dev.spl.core.fanout;

/**
 * What a failed child does to its fan-out (a child has failed once its verdict is not {@code
 * accept} and no automatic retry is left for it).
 */
public enum FanoutPolicy {
  /** The join alone decides, as it always has. */
  ALL("all"),
  /**
   * The first failed child ends the fan-out: nothing more is spawned, running and queued siblings
   * are cancelled, and the fan-in ends {@code failed}.
   */
  FAIL_FAST("fail-fast"),
  /**
   * Failures do not end the fan-out early: every child runs, and when the join does not hold for
   * all of them but holds for the successful ones, the fan-in ends {@code partial}.
   */
  ALLOW_PARTIAL("allow-partial");

  private final String wire;

  FanoutPolicy(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The policy with this name, or null. */
  public static FanoutPolicy fromWire(String text) {
    for (FanoutPolicy policy : values()) {
      if (policy.wire.equals(text)) {
        return policy;
      }
    }
    return null;
  }

  static String[] wires() {
    return new String[] {ALL.wire, FAIL_FAST.wire, ALLOW_PARTIAL.wire};
  }
}
