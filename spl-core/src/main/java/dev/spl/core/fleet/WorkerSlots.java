package dev.spl.core.fleet;

/**
 * How many children a worker runs at once. The limits live here, beside the heartbeats that report
 * slots, so the daemon's settings and the CLI's checks of {@code --slots} read the same values.
 */
public final class WorkerSlots {
  public static final int DEFAULT = 4;
  public static final int MAX = 256;

  private WorkerSlots() {}
}
