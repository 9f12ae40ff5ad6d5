package dev.spl.daemon.exec;

import dev.spl.core.fanout.SubtaskSpec;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A shell worker's executor: a child whose subtask asked for the echo executor ({@code
 * executor=echo}) runs through {@code echo}, exactly as on an echo worker (the worker's echo delay
 * and mode); every other child runs through {@code otherwise}.
 */
public final class EchoOnRequest implements Executor {
  private final Executor echo;
  private final Executor otherwise;

  public EchoOnRequest(Executor echo, Executor otherwise) {
    this.echo = Objects.requireNonNull(echo, "echo");
    this.otherwise = Objects.requireNonNull(otherwise, "otherwise");
  }

  @Override
  public Execution start(ChildJob job, Consumer<ChildOutcome> onDone) {
    return SubtaskSpec.ECHO.equals(job.executor())
        ? echo.start(job, onDone)
        : otherwise.start(job, onDone);
  }

  @Override
  public void close() {
    try {
      otherwise.close();
    } finally {
      echo.close();
    }
  }
}
