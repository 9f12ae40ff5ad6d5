package dev.spl.core.fanout;

/**
 * A fan-out request that cannot be accepted: a bad subtask descriptor, a bad join, an unknown
 * target or a refused retry. Thrown before anything is written; command lines map it to exit code
 * 2. {@code subtaskIndex} is -1 when the problem is not about one subtask.
 */
public final class InvalidFanoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int subtaskIndex;
  private final String key;
  private final String problem;

  public InvalidFanoutException(int subtaskIndex, String key, String problem) {
    super(format(subtaskIndex, key, problem));
    this.subtaskIndex = subtaskIndex;
    this.key = key;
    this.problem = problem;
  }

  /** What was wrong, without the subtask index and key the message starts with. */
  public String problem() {
    return problem;
  }

  /** The index of the subtask at fault, or -1 when the problem concerns the whole fan-out. */
  public int subtaskIndex() {
    return subtaskIndex;
  }

  /** The descriptor key or option at fault ({@code depends}, {@code join}, ...), or null. */
  public String key() {
    return key;
  }

  private static String format(int subtaskIndex, String key, String problem) {
    StringBuilder message = new StringBuilder();
    if (subtaskIndex >= 0) {
      message.append("subtask ").append(subtaskIndex).append(": ");
    }
    if (key != null) {
      message.append(key).append(": ");
    }
    return message.append(problem).toString();
  }
}
