package dev.spl.core.store;

/** How an acknowledged write survives failures. */
public enum Durability {
  /**
   * Every acknowledged write is fsynced to the write-ahead log before the call returns; concurrent
   * writers are group-committed so they share one fsync. Survives process kill and power loss.
   */
  DURABLE,
  /**
   * Writes go to the write-ahead log without fsync. Survives a process kill (the log sits in the
   * operating system's page cache) but may lose the last writes on power loss or a kernel crash.
   */
  FAST
}
