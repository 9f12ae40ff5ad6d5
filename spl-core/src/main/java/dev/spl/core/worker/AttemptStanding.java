package dev.spl.core.worker;

import java.util.Arrays;
import java.util.Optional;

/**
 * What the coordinator says of one attempt a worker holds, before the worker runs it ({@link
 * AttemptFence}).
 */
public enum AttemptStanding {
  /** The child's current attempt, spawned on this worker, which the coordinator hears from. */
  CURRENT("current"),
  /** A later attempt of the child exists, or this one was spawned on another worker: drop it. */
  SUPERSEDED("superseded"),
  /** The child has its verdict: drop it. */
  DONE("done"),
  /** Not decidable yet (the spawn is not folded, or no heartbeat of this life): ask again. */
  NOT_YET("not_yet"),
  /** The coordinator has no such fan-out or child: it fences nothing, the attempt may run. */
  UNKNOWN("unknown");

  private final String wire;

  AttemptStanding(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<AttemptStanding> fromWire(String text) {
    return Arrays.stream(values()).filter(s -> s.wire.equals(text)).findFirst();
  }
}
