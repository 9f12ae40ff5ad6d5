package dev.spl.daemon.component;

/**
 * A part of a daemon with threads of its own (reconciler, outbox sender, worker runtime, heartbeat
 * sender). Components start after the API listens and close, in reverse order, before the store.
 */
public interface DaemonComponent extends AutoCloseable {
  void start();

  /** Stops the component's threads; idempotent. */
  @Override
  void close();
}
