package dev.spl.core.fanout;

import dev.spl.core.InvalidRecordException;

/**
 * How a worker runs children: {@code echo} completes each with a synthetic accepted result and
 * never runs its {@code run} command; {@code shell} runs the command; {@code command} runs the
 * worker's command template (an agent CLI, say) with the child's goal in a prompt file; {@code
 * worktree} runs the command in a git worktree of its own, on a branch of its own
 * (docs/executors.md).
 */
public enum ExecutorKind {
  ECHO("echo"),
  SHELL("shell"),
  COMMAND("command"),
  WORKTREE("worktree");

  private final String wire;

  ExecutorKind(String wire) {
    this.wire = wire;
  }

  /** The name as written in settings, heartbeats and options. */
  public String wire() {
    return wire;
  }

  public static ExecutorKind parse(String field, String value) {
    for (ExecutorKind kind : values()) {
      if (kind.wire.equals(value)) {
        return kind;
      }
    }
    throw new InvalidRecordException(
        field + ": expected 'echo', 'shell', 'command' or 'worktree' but found '" + value + "'");
  }
}
